/**
 * The portfolio ledger: exact cash per venue and currency, positions per venue and symbol with
 * average-cost accounting, fees, funding and an equity curve.
 *
 * Money is in quote atoms (see `money.ts`). Conservation holds exactly at every step:
 * `equity − initial equity = realised + unrealised − fees + funding`.
 *
 * @module
 */

import { BaseError } from '@tickerml/core';
import type { TradableInstrument } from './instrument.js';
import { decimalToAtoms, mulRate, type Rate } from './money.js';
import type { Liquidity, OrderSide } from './orders.js';

/** A fill as the ledger and reports record it. Prices in ticks, quantities in lots, times in µs. */
export interface Fill {
  /** Sequence number of the fill within the run (deterministic). */
  readonly fillId: number;
  readonly orderId: string;
  readonly venue: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly priceTicks: number;
  readonly qtyLots: number;
  readonly liquidity: Liquidity;
  /** Fee charged in quote atoms; negative is a rebate. */
  readonly feeAtoms: bigint;
  /** Venue time of the fill, microseconds. */
  readonly atUs: number;
  /** Queue position when the order joined (see `SimOrder.entryQueuePosition`); 0 for takers. */
  readonly entryQueuePosition: number;
  /** Entry queue position over the toxic threshold (10): adverse selection is likely. */
  readonly toxic: boolean;
  /** Mid (in ticks, may be .5) at the fill. */
  readonly midAtFillTicks: number;
  /** Signed mid move at +1 s, +10 s, +60 s in ticks (positive = good for us); NaN until known. */
  readonly markoutsTicks: [number, number, number];
  readonly tag: string | undefined;
}

/**
 * A ledger operation on a venue that has no account.
 *
 * @example
 * ```ts
 * portfolio.cashAtoms('nowhere', 'USD'); // throws UnknownAccountError
 * ```
 */
export class UnknownAccountError extends BaseError {
  override name = 'UnknownAccountError' as const;
}

/**
 * An opening position off the instrument's grid.
 *
 * @example
 * ```ts
 * portfolio.openPosition(btc, { symbol: 'BTC/USDT', qty: '0.000000001', entryPrice: '60000' }); // throws InvalidOpeningPositionError
 * ```
 */
export class InvalidOpeningPositionError extends BaseError {
  override name = 'InvalidOpeningPositionError' as const;
}

/** An opening position: quantity and entry price as decimal strings. */
export interface OpeningPosition {
  readonly symbol: string;
  /** Signed quantity (negative = short, perpetuals only). */
  readonly qty: string;
  readonly entryPrice: string;
}

/** A position on one venue and symbol. Money in quote atoms. */
export interface Position {
  readonly venue: string;
  readonly symbol: string;
  readonly instrument: TradableInstrument;
  /** Signed size in lots (negative = short). */
  qtyLots: number;
  /** Signed cost basis of the open size, quote atoms (qty × average entry price). */
  costAtoms: bigint;
  realizedAtoms: bigint;
  feesAtoms: bigint;
  /** Funding received (positive) or paid (negative), quote atoms. */
  fundingAtoms: bigint;
  /** Best bid + best ask in ticks (twice the mid) at the last mark; twice the first fill's price before any mark; 0 when never filled or marked. */
  markSumTicks: number;
  /** Lots traded (absolute), for turnover. */
  tradedLots: number;
  /** Notional traded (absolute), quote atoms. */
  tradedNotionalAtoms: bigint;
}

/** A position as a strategy sees it: every field read only. */
export type PositionView = Readonly<Position>;

/**
 * The account as a strategy sees it (`ctx.portfolio`): cash, positions, fills and equity, read
 * only. Only the engine books fills, funding and marks ({@link Portfolio} itself).
 *
 * @example
 * ```ts
 * onEvent(event, ctx) {
 *   const held = ctx.portfolio.position(ctx.instrument('binance', 'BTC/USDT')).qtyLots;
 *   const equity = ctx.portfolio.equityAtoms();
 * }
 * ```
 */
export interface PortfolioView {
  /** Equity samples, in time order. */
  readonly equityCurve: readonly EquityPoint[];
  /** The fills in the order they happened (the most recent ones past `maxFills`). */
  readonly fills: readonly Fill[];
  /** Fees paid so far, quote atoms. */
  readonly totalFeesAtoms: bigint;
  /** Funding received (positive) or paid (negative) so far, quote atoms. */
  readonly totalFundingAtoms: bigint;
  /** Fills booked since the start, including those dropped from {@link PortfolioView.fills}. */
  readonly fillsBooked: number;
  /** Equity at the first sample (the baseline for P&L), quote atoms. */
  readonly initialEquityAtoms: bigint;
  /** Cash of `venue` in `currency`, atoms. @throws UnknownAccountError for a venue with no account. */
  cashAtoms(venue: string, currency: string): bigint;
  /** True when `venue` has an account. */
  hasAccount(venue: string): boolean;
  /** The position on an instrument (flat when never traded). */
  position(instrument: TradableInstrument): PositionView;
  /** Every position ever opened, flat ones included. */
  positions(): readonly PositionView[];
  /** Average entry price of an open position in ticks, NaN when flat. */
  averageEntryTicks(pos: PositionView): number;
  /** Unrealised P&L of a position at its mark, quote atoms. */
  unrealizedAtoms(pos: PositionView): bigint;
  /** Cash plus every position at its mark (its fill price until the first mark), quote atoms. */
  equityAtoms(): bigint;
}

/** One point of the equity curve: time in µs and equity in quote atoms. */
export interface EquityPoint {
  readonly atUs: number;
  readonly equityAtoms: bigint;
}

/** Options of {@link Portfolio}: how much history it keeps in memory. */
export interface PortfolioOptions {
  /**
   * Recent fills kept in {@link Portfolio.fills}: between `maxFills` and `2 × maxFills` (the
   * oldest are dropped in one batch when the window reaches twice the bound, so booking a fill
   * stays O(1) amortised). Totals, positions and {@link Portfolio.fillsBooked} are unaffected.
   * Default `Infinity` (a backtest report needs every fill); a long live run keeps the complete
   * history in its store (the paper trader's SQLite) and bounds this.
   */
  readonly maxFills?: number;
  /**
   * Equity points kept in {@link Portfolio.equityCurve}. When the curve reaches the bound it is
   * thinned to every second point and later samples are kept at half the rate, so the curve
   * still spans the whole run at a coarser resolution. Default `Infinity` (every sample).
   * At least 2.
   */
  readonly maxEquityPoints?: number;
}

/**
 * A history bound that is not a positive integer (or `Infinity`).
 *
 * @example
 * ```ts
 * new Portfolio({ maxFills: 0 }); // throws InvalidPortfolioOptionError
 * ```
 */
export class InvalidPortfolioOptionError extends BaseError {
  override name = 'InvalidPortfolioOptionError' as const;
}

/**
 * The ledger. All amounts are summed across venues in their quote currencies at par (USD, USDT
 * and USDC are treated 1:1); use one quote currency per run for exact cross-currency figures.
 *
 * @example
 * ```ts
 * const p = new Portfolio();
 * p.openAccount('binance', { USDT: '10000' });
 * p.applyFill(btc, fill); // cash −notional −fee, position +qty
 * p.equityAtoms(); // cash + Σ qty × mid
 * const live = new Portfolio({ maxFills: 1_000, maxEquityPoints: 10_000 }); // bounded memory
 * ```
 */
export class Portfolio implements PortfolioView {
  private readonly cash = new Map<string, Map<string, bigint>>();
  private readonly positionsByKey = new Map<string, Position>();
  /** Same positions by instrument object: no key string built on the hot path. */
  private readonly positionsByInstrument = new Map<TradableInstrument, Position>();
  private initialEquity: bigint | undefined;
  /** Equity samples, in time order (thinned past `maxEquityPoints`, see {@link PortfolioOptions}). */
  readonly equityCurve: EquityPoint[] = [];
  /** The fills in the order they happened: every one by default, the most recent ones past `maxFills`. */
  readonly fills: Fill[] = [];
  totalFeesAtoms = 0n;
  totalFundingAtoms = 0n;
  /** Fills booked since construction, including those dropped from {@link fills}; fill ids count on from it. */
  fillsBooked = 0;
  readonly maxFills: number;
  readonly maxEquityPoints: number;
  /** Keep one equity sample in this many (doubles each time the curve is thinned). */
  #equityStride = 1;
  #equitySkipped = 0;

  /** @throws InvalidPortfolioOptionError when a bound is not a positive integer or `Infinity`. */
  constructor(options: PortfolioOptions = {}) {
    this.maxFills = options.maxFills ?? Number.POSITIVE_INFINITY;
    this.maxEquityPoints = options.maxEquityPoints ?? Number.POSITIVE_INFINITY;
    if (!(this.maxFills === Number.POSITIVE_INFINITY || (Number.isSafeInteger(this.maxFills) && this.maxFills >= 1)))
      throw new InvalidPortfolioOptionError(`maxFills must be a positive integer or Infinity, was ${this.maxFills}`);
    if (
      !(
        this.maxEquityPoints === Number.POSITIVE_INFINITY ||
        (Number.isSafeInteger(this.maxEquityPoints) && this.maxEquityPoints >= 2)
      )
    )
      throw new InvalidPortfolioOptionError(
        `maxEquityPoints must be an integer of at least 2 or Infinity, was ${this.maxEquityPoints}`,
      );
  }

  /** The id the next booked fill takes: 1, 2, 3… over the whole run, whatever the window keeps. */
  nextFillId(): number {
    return this.fillsBooked + 1;
  }

  /**
   * Opens (or tops up) a venue account with decimal balances per currency.
   * @throws InvalidAmountError when a balance is not a decimal string.
   */
  openAccount(venue: string, balances: Readonly<Record<string, string>>): void {
    let acc = this.cash.get(venue);
    if (acc === undefined) {
      acc = new Map();
      this.cash.set(venue, acc);
    }
    for (const [ccy, text] of Object.entries(balances)) acc.set(ccy, (acc.get(ccy) ?? 0n) + decimalToAtoms(text));
  }

  /**
   * Adds an opening position (inventory held before the run) at its entry price; no cash moves.
   * @throws InvalidOpeningPositionError when the quantity or price is off the instrument grid.
   */
  openPosition(instrument: TradableInstrument, opening: OpeningPosition): void {
    const neg = opening.qty.startsWith('-');
    const lots = instrument.toLots(neg ? opening.qty.slice(1) : opening.qty);
    const ticks = instrument.toTicks(opening.entryPrice);
    if (lots === undefined || ticks === undefined) {
      throw new InvalidOpeningPositionError(
        `${instrument.venue} ${instrument.symbol}: opening position ${opening.qty} @ ${opening.entryPrice} is off the instrument grid`,
      );
    }
    const pos = this.position(instrument);
    const signed = neg ? -lots : lots;
    pos.qtyLots += signed;
    pos.costAtoms += BigInt(signed) * BigInt(ticks) * instrument.tickLotAtoms;
    pos.markSumTicks = 2 * ticks;
  }

  /** Cash of `venue` in `currency`, atoms. @throws UnknownAccountError for a venue with no account. */
  cashAtoms(venue: string, currency: string): bigint {
    const acc = this.cash.get(venue);
    if (acc === undefined)
      throw new UnknownAccountError(`no account on venue '${venue}' (known: ${[...this.cash.keys()].join(', ')})`);
    return acc.get(currency) ?? 0n;
  }

  /** True when `venue` has an account. */
  hasAccount(venue: string): boolean {
    return this.cash.has(venue);
  }

  /** The position on an instrument (created flat on first use). */
  position(instrument: TradableInstrument): Position {
    const known = this.positionsByInstrument.get(instrument);
    if (known !== undefined) return known;
    const key = `${instrument.venue}|${instrument.symbol}`;
    let pos = this.positionsByKey.get(key);
    if (pos !== undefined) {
      this.positionsByInstrument.set(instrument, pos);
      return pos;
    }
    if (pos === undefined) {
      pos = {
        venue: instrument.venue,
        symbol: instrument.symbol,
        instrument,
        qtyLots: 0,
        costAtoms: 0n,
        realizedAtoms: 0n,
        feesAtoms: 0n,
        fundingAtoms: 0n,
        markSumTicks: 0,
        tradedLots: 0,
        tradedNotionalAtoms: 0n,
      };
      this.positionsByKey.set(key, pos);
      this.positionsByInstrument.set(instrument, pos);
    }
    return pos;
  }

  /** Every position, in creation order. */
  positions(): readonly Position[] {
    return [...this.positionsByKey.values()];
  }

  /**
   * Books a fill: cash moves by the notional and the fee; the position grows, shrinks or flips
   * with average-cost accounting. Closing part of a position releases the matching share of the
   * cost basis (`cost × closed / open`, truncated; the remainder stays in the basis, so no atom
   * is lost).
   *
   * @throws UnknownAccountError when the venue has no account.
   */
  applyFill(instrument: TradableInstrument, fill: Fill): void {
    const acc = this.cash.get(instrument.venue);
    if (acc === undefined) throw new UnknownAccountError(`fill on venue '${instrument.venue}' which has no account`);
    const notional = instrument.notionalAtoms(fill.priceTicks, fill.qtyLots);
    const signedLots = fill.side === 'buy' ? fill.qtyLots : -fill.qtyLots;
    const signedNotional = fill.side === 'buy' ? notional : -notional;
    acc.set(instrument.quote, (acc.get(instrument.quote) ?? 0n) - signedNotional - fill.feeAtoms);
    const pos = this.position(instrument);
    pos.feesAtoms += fill.feeAtoms;
    this.totalFeesAtoms += fill.feeAtoms;
    pos.tradedLots += fill.qtyLots;
    pos.tradedNotionalAtoms += notional;
    const open = pos.qtyLots;
    if (open === 0 || Math.sign(open) === Math.sign(signedLots)) {
      pos.qtyLots += signedLots;
      pos.costAtoms += signedNotional;
    } else {
      const absOpen = Math.abs(open);
      const closed = Math.min(absOpen, fill.qtyLots);
      const costClosed = (pos.costAtoms * BigInt(closed)) / BigInt(absOpen);
      const closedNotional = instrument.notionalAtoms(fill.priceTicks, closed);
      pos.realizedAtoms += (open > 0 ? closedNotional : -closedNotional) - costClosed;
      pos.costAtoms -= costClosed;
      pos.qtyLots += signedLots;
      const opened = fill.qtyLots - closed;
      if (opened > 0) {
        // Flipped: the remainder opens a new position at the fill price.
        pos.costAtoms = (fill.side === 'buy' ? 1n : -1n) * instrument.notionalAtoms(fill.priceTicks, opened);
      } else if (pos.qtyLots === 0) {
        // Truncation remainder of a fully closed position is realised, not left dangling.
        pos.realizedAtoms -= pos.costAtoms;
        pos.costAtoms = 0n;
      }
    }
    // A position not yet marked is worth its fill price until the first mark arrives, so equity
    // does not fall by the position's value (a false drawdown) between the fill and the next mark.
    if (pos.markSumTicks === 0 && pos.qtyLots !== 0) pos.markSumTicks = 2 * fill.priceTicks;
    this.fills.push(fill);
    this.fillsBooked++;
    if (this.fills.length >= 2 * this.maxFills) this.fills.splice(0, this.fills.length - this.maxFills);
  }

  /**
   * Settles one funding payment on a perpetual position: `−qty × mark × rate` (longs pay a
   * positive rate, shorts receive it), exact to the atom (rounded half to even past 18 decimals).
   * Returns the amount credited (negative = paid), in quote atoms.
   */
  applyFunding(instrument: TradableInstrument, rate: Rate, markTicks: number): bigint {
    const pos = this.position(instrument);
    if (pos.qtyLots === 0) return 0n;
    const value = BigInt(pos.qtyLots) * BigInt(markTicks) * instrument.tickLotAtoms;
    const amount = -mulRate(value, rate);
    const acc = this.cash.get(instrument.venue);
    if (acc === undefined) throw new UnknownAccountError(`funding on venue '${instrument.venue}' which has no account`);
    acc.set(instrument.quote, (acc.get(instrument.quote) ?? 0n) + amount);
    pos.fundingAtoms += amount;
    this.totalFundingAtoms += amount;
    return amount;
  }

  /** Marks a position to the mid `(bidTicks + askTicks) / 2`. */
  mark(instrument: TradableInstrument, bidTicks: number, askTicks: number): void {
    this.position(instrument).markSumTicks = bidTicks + askTicks;
  }

  /**
   * Average entry price of the open position in ticks (`cost ÷ (qty × tick × lot)`), or NaN when
   * flat. A float for display: the exact basis is `costAtoms`.
   * @example
   * ```ts
   * portfolio.averageEntryTicks(portfolio.position(btc)); // 6000000.5
   * ```
   */
  averageEntryTicks(pos: PositionView): number {
    if (pos.qtyLots === 0) return Number.NaN;
    return Number(pos.costAtoms) / (pos.qtyLots * Number(pos.instrument.tickLotAtoms));
  }

  /** Unrealised P&L of a position at its last mark, quote atoms. */
  unrealizedAtoms(pos: PositionView): bigint {
    if (pos.qtyLots === 0 || pos.markSumTicks === 0) return 0n;
    return (BigInt(pos.qtyLots) * BigInt(pos.markSumTicks) * pos.instrument.tickLotAtoms) / 2n - pos.costAtoms;
  }

  /** Equity: all cash plus every position at its mark (at its fill price until the first mark), quote atoms (currencies at par). */
  equityAtoms(): bigint {
    let total = 0n;
    for (const acc of this.cash.values()) for (const v of acc.values()) total += v;
    for (const pos of this.positionsByKey.values()) {
      if (pos.qtyLots === 0) continue;
      const markSum = pos.markSumTicks === 0 ? 0 : pos.markSumTicks;
      total += (BigInt(pos.qtyLots) * BigInt(markSum) * pos.instrument.tickLotAtoms) / 2n;
    }
    return total;
  }

  /** Equity at the first {@link sampleEquity} call (the baseline for P&L), quote atoms. */
  get initialEquityAtoms(): bigint {
    return this.initialEquity ?? this.equityAtoms();
  }

  /**
   * Appends an equity point at `atUs` (µs). Past `maxEquityPoints` only one sample in
   * `2^k` is kept (see {@link PortfolioOptions.maxEquityPoints}).
   */
  sampleEquity(atUs: number): void {
    if (this.initialEquity !== undefined && ++this.#equitySkipped < this.#equityStride) return;
    this.#equitySkipped = 0;
    const e = this.equityAtoms();
    if (this.initialEquity === undefined) this.initialEquity = e;
    const curve = this.equityCurve;
    curve.push({ atUs, equityAtoms: e });
    if (curve.length > this.maxEquityPoints) {
      // Keep every second point from the first; the newest stays as well.
      let kept = 0;
      for (let i = 0; i < curve.length; i += 2) curve[kept++] = curve[i] as EquityPoint;
      if ((curve.length - 1) % 2 !== 0) curve[kept++] = curve[curve.length - 1] as EquityPoint;
      curve.length = kept;
      this.#equityStride *= 2;
    }
  }
}
