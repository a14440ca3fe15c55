/**
 * The edge a strategy has shown, for Kelly sizing: per-trade returns measured from its realised
 * fills, shrunk towards a prior, and no estimate at all before a minimum number of trades.
 *
 * A "trade return" is what one closing fill realised on the quantity it closed, as a fraction of
 * the entry notional, net of an estimated round-trip fee: `sign(position) × (exit − entry) / entry
 * − 2 × fee rate of the closing fill`. Entries are averaged (a position built in several fills has
 * one average entry price), a fill that flips the position opens the rest at its own price.
 *
 * With `n` returns of sample mean `m` and sample variance `s²`, the estimate is the prior taken
 * as `priorWeight` pseudo-trades:
 * `edge = (w·priorEdge + n·m) / (w + n)`, `variance = (w·priorVariance + (n − 1)·s²) / (w + n − 1)`.
 * Below `minTrades` returns {@link EdgeEstimator.estimate} answers `undefined`: the Kelly rule
 * then does not act, and the order keeps the size the strategy asked for within the other limits.
 *
 * @module
 */

/** Options of {@link EdgeEstimator}. */
export interface EdgeEstimatorOptions {
  /** Expected return per trade before any evidence, a fraction. Default 0 (no edge until shown). */
  readonly priorEdge?: number;
  /** Variance of the per-trade return before any evidence. Default 1e-4 (a 1 % standard deviation). */
  readonly priorVariance?: number;
  /** How many trades the prior is worth. Default 20. */
  readonly priorWeight?: number;
  /** Trades before an estimate is given. Default 30. */
  readonly minTrades?: number;
  /** Most recent trade returns kept. Default 500. */
  readonly window?: number;
}

/** An edge estimate, fractions per trade. */
export interface EdgeEstimate {
  readonly edge: number;
  readonly variance: number;
  /** Trade returns it rests on. */
  readonly trades: number;
}

interface Holding {
  /** Signed lots. */
  qtyLots: number;
  /** Average entry price, ticks. */
  avgPriceTicks: number;
}

/**
 * Estimates a strategy's per-trade edge from its fills.
 *
 * @example
 * ```ts
 * const edge = new EdgeEstimator({ minTrades: 30 });
 * edge.onFill('binance|BTC/USDT', 'buy', 100, 6_000_000, 0.001);
 * edge.onFill('binance|BTC/USDT', 'sell', 100, 6_006_000, 0.001); // +0.1 % − 0.2 % fees
 * edge.estimate(); // undefined until 30 trades
 * ```
 */
export class EdgeEstimator {
  readonly priorEdge: number;
  readonly priorVariance: number;
  readonly priorWeight: number;
  readonly minTrades: number;
  readonly window: number;
  readonly #returns: number[] = [];
  readonly #holdings = new Map<string, Holding>();
  /** The last estimate, until a new return arrives (the gate asks on every order). */
  #cached: EdgeEstimate | undefined;
  #stale = true;

  /** @throws {RangeError} for a negative weight or variance, or a window smaller than `minTrades`. */
  constructor(options: EdgeEstimatorOptions = {}) {
    this.priorEdge = options.priorEdge ?? 0;
    this.priorVariance = options.priorVariance ?? 1e-4;
    this.priorWeight = options.priorWeight ?? 20;
    this.minTrades = options.minTrades ?? 30;
    this.window = options.window ?? 500;
    if (!Number.isFinite(this.priorEdge)) throw new RangeError(`priorEdge must be finite, was ${this.priorEdge}`);
    if (!(this.priorVariance > 0)) throw new RangeError(`priorVariance must be > 0, was ${this.priorVariance}`);
    if (!(this.priorWeight >= 0)) throw new RangeError(`priorWeight must be ≥ 0, was ${this.priorWeight}`);
    if (!(Number.isInteger(this.minTrades) && this.minTrades >= 2))
      throw new RangeError(`minTrades must be an integer ≥ 2, was ${this.minTrades}`);
    if (!(Number.isInteger(this.window) && this.window >= this.minTrades))
      throw new RangeError(`window must be an integer ≥ minTrades (${this.minTrades}), was ${this.window}`);
  }

  /** Trade returns recorded so far (at most `window`). */
  get trades(): number {
    return this.#returns.length;
  }

  /** Records one trade return directly (a fraction, net of costs). */
  addReturn(tradeReturn: number): void {
    if (!Number.isFinite(tradeReturn)) return;
    this.#returns.push(tradeReturn);
    if (this.#returns.length > this.window) this.#returns.shift();
    this.#stale = true;
  }

  /**
   * Books one fill of instrument `key`: extends the holding, or closes part of it and records the
   * closed part's return.
   *
   * @param feeRate - the fill's fee as a fraction of its notional (negative for a rebate).
   * @returns the trade return recorded, or `undefined` when the fill only opened or extended.
   */
  onFill(key: string, side: 'buy' | 'sell', qtyLots: number, priceTicks: number, feeRate: number): number | undefined {
    if (!(qtyLots > 0 && priceTicks > 0)) return undefined;
    const dir = side === 'buy' ? 1 : -1;
    let h = this.#holdings.get(key);
    if (h === undefined) {
      h = { qtyLots: 0, avgPriceTicks: 0 };
      this.#holdings.set(key, h);
    }
    if (h.qtyLots === 0 || Math.sign(h.qtyLots) === dir) {
      const held = Math.abs(h.qtyLots);
      h.avgPriceTicks = (h.avgPriceTicks * held + priceTicks * qtyLots) / (held + qtyLots);
      h.qtyLots += dir * qtyLots;
      return undefined;
    }
    const closed = Math.min(Math.abs(h.qtyLots), qtyLots);
    const ret = (Math.sign(h.qtyLots) * (priceTicks - h.avgPriceTicks)) / h.avgPriceTicks - 2 * feeRate;
    this.addReturn(ret);
    h.qtyLots += dir * closed;
    const rest = qtyLots - closed;
    if (rest > 0) {
      h.qtyLots = dir * rest;
      h.avgPriceTicks = priceTicks;
    }
    return ret;
  }

  /** The shrunk estimate, or `undefined` below `minTrades` trade returns. */
  estimate(): EdgeEstimate | undefined {
    if (!this.#stale) return this.#cached;
    this.#stale = false;
    this.#cached = this.#compute();
    return this.#cached;
  }

  #compute(): EdgeEstimate | undefined {
    const n = this.#returns.length;
    if (n < this.minTrades) return undefined;
    let sum = 0;
    for (const r of this.#returns) sum += r;
    const m = sum / n;
    let ss = 0;
    for (const r of this.#returns) ss += (r - m) ** 2;
    const w = this.priorWeight;
    const edge = (w * this.priorEdge + n * m) / (w + n);
    const variance = (w * this.priorVariance + ss) / (w + n - 1);
    return { edge, variance: variance > 0 ? variance : this.priorVariance, trades: n };
  }
}
