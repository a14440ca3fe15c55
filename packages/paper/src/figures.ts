/**
 * The account's running figures, as `portfolio_state` rows and the dashboard state them:
 * - `maxDrawdown`: the largest drawdown from a running equity peak **so far** (not the current one);
 * - `dailyPnl`: P&L since the start of the current UTC day (the equity last seen before midnight,
 *   or the run's start equity on the day it started);
 * - `sharpeRatio`: core's {@link sharpeFromEquity} on equity sampled every `sampleIntervalUs`,
 *   with its minimum-span rule (no annualised figure under 30 returns or 30 days: `null`).
 *
 * @module
 */
import { sharpeFromEquity, type TimedValue } from '@tickerml/core';

const DAY_US = 86_400_000_000;

/** What a checkpoint keeps of {@link AccountFigures} so a restart continues them. */
export interface FiguresState {
  /** UTC day number (µs / 86,400 s) of {@link dayStartEquityAtoms}. */
  readonly day: number;
  /** Equity at the start of that day, quote atoms, decimal integer string. */
  readonly dayStartEquityAtoms: string;
  readonly peakEquity: number;
  readonly maxDrawdown: number;
}

/** Options of {@link AccountFigures}. */
export interface AccountFiguresOptions {
  /** Equity is sampled for the Sharpe ratio at most this often, µs. Default 5 min. */
  readonly sampleIntervalUs?: number;
  /** Samples kept (the oldest are dropped). Default 105,120 (one year at 5 min). */
  readonly maxSamples?: number;
}

/**
 * Running max drawdown, UTC-day P&L and the Sharpe ratio of one account.
 *
 * @example
 * ```ts
 * const figures = new AccountFigures();
 * figures.observe(nowUs, equityAtoms);
 * figures.maxDrawdown; // 0.031 (3.1 % at worst so far)
 * figures.dailyPnlAtoms(equityAtoms); // P&L since 00:00 UTC, atoms
 * figures.sharpeRatio(); // null for the first 30 days
 * ```
 */
export class AccountFigures {
  readonly sampleIntervalUs: number;
  readonly maxSamples: number;
  /** Highest equity seen, quote currency. */
  peakEquity = Number.NEGATIVE_INFINITY;
  /** Largest drawdown from a running peak so far, a fraction. */
  maxDrawdown = 0;
  #day = Number.NaN;
  #dayStart = 0n;
  #lastEquity: bigint | undefined;
  readonly #samples: TimedValue[] = [];
  #sharpe: number | null = null;
  #sharpeStale = false;

  constructor(options: AccountFiguresOptions = {}) {
    this.sampleIntervalUs = options.sampleIntervalUs ?? 300_000_000;
    this.maxSamples = options.maxSamples ?? 105_120;
    if (!(this.sampleIntervalUs > 0))
      throw new RangeError(`sampleIntervalUs must be > 0, was ${this.sampleIntervalUs}`);
    if (!(this.maxSamples >= 2)) throw new RangeError(`maxSamples must be ≥ 2, was ${this.maxSamples}`);
  }

  /** Records the equity (quote atoms, 10⁻¹⁸) at `tsUs`. Times must not go backwards. */
  observe(tsUs: number, equityAtoms: bigint): void {
    const day = Math.floor(tsUs / DAY_US);
    if (Number.isNaN(this.#day)) {
      this.#day = day;
      this.#dayStart = equityAtoms;
    } else if (day > this.#day) {
      // The last equity seen before midnight is the day's opening equity.
      this.#day = day;
      this.#dayStart = this.#lastEquity ?? equityAtoms;
    }
    this.#lastEquity = equityAtoms;
    const equity = Number(equityAtoms) / 1e18;
    if (equity > this.peakEquity) this.peakEquity = equity;
    if (this.peakEquity > 0) {
      const dd = (this.peakEquity - equity) / this.peakEquity;
      if (dd > this.maxDrawdown) this.maxDrawdown = dd;
    }
    const last = this.#samples[this.#samples.length - 1];
    if (last === undefined || tsUs - last.atUs >= this.sampleIntervalUs) {
      this.#samples.push({ atUs: tsUs, value: equity });
      if (this.#samples.length > this.maxSamples) this.#samples.shift();
      this.#sharpeStale = true;
    }
  }

  /** P&L since the start of the UTC day of the last observation, quote atoms. */
  dailyPnlAtoms(equityAtoms: bigint): bigint {
    return Number.isNaN(this.#day) ? 0n : equityAtoms - this.#dayStart;
  }

  /** Annualised Sharpe ratio of the sampled equity, or `null` under core's minimums (30 returns, 30 days). */
  sharpeRatio(): number | null {
    if (this.#sharpeStale) {
      this.#sharpeStale = false;
      const r = sharpeFromEquity(this.#samples);
      this.#sharpe = r.annualised !== null && Number.isFinite(r.annualised) ? r.annualised : null;
    }
    return this.#sharpe;
  }

  /** Equity samples the Sharpe ratio is computed from. */
  get samples(): readonly TimedValue[] {
    return this.#samples;
  }

  /** The state a checkpoint keeps. */
  state(): FiguresState {
    return {
      day: this.#day,
      dayStartEquityAtoms: this.#dayStart.toString(),
      peakEquity: this.peakEquity,
      maxDrawdown: this.maxDrawdown,
    };
  }

  /**
   * Continues from a checkpoint's state and the equity history stored before it (the
   * `portfolio_state` rows, see {@link PaperStore.equityHistory}), oldest first.
   */
  restore(state: FiguresState, samples: readonly TimedValue[] = []): void {
    this.#day = state.day;
    this.#dayStart = BigInt(state.dayStartEquityAtoms);
    this.#lastEquity = undefined;
    this.peakEquity = state.peakEquity ?? Number.NEGATIVE_INFINITY;
    this.maxDrawdown = state.maxDrawdown;
    this.#samples.length = 0;
    for (const s of samples.slice(-this.maxSamples)) this.#samples.push(s);
    this.#sharpeStale = true;
  }
}
