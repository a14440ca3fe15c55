/**
 * Circuit breakers for anomalous markets.
 *
 * Each rule watches one condition and halts a venue or one symbol on it:
 * - `stale_feed` (symbol): no market event for `staleFeedUs`;
 * - `gap_storm` (venue): more than `gapStormCount` gaps or checksum mismatches within `gapStormWindowUs`;
 * - `spread_blowout` (symbol): quoted spread above `maxSpreadBps`, or a crossed book;
 * - `price_jump` (symbol): a mid-to-mid log return beyond `priceJumpSigmas` standard deviations of the
 *   last `priceJumpWindow` returns (needs at least 30 returns first) and at least
 *   `minPriceJumpFraction`, or a move beyond `maxPriceJumpFraction` whatever the volatility;
 * - `venue_disconnected` (venue): the venue's feed reported a disconnect and no reconnect yet.
 *
 * A halt is lifted by rule, not by hand: once its condition has been clear for `cooldownUs`
 * (a price jump is a one-off condition, so it clears at once and the cooldown runs from it).
 * Time is passed in with every call, in microseconds; nothing here reads a clock.
 *
 * @module
 */
import type { BreakerLimits } from './limits.js';
import { ReturnStdDev } from './volatility.js';

/** The breaker rules. */
export const BreakerRule = {
  StaleFeed: 'stale_feed',
  GapStorm: 'gap_storm',
  SpreadBlowout: 'spread_blowout',
  PriceJump: 'price_jump',
  VenueDisconnected: 'venue_disconnected',
} as const;
export type BreakerRule = (typeof BreakerRule)[keyof typeof BreakerRule];

/** One active (or cooling-down) halt. */
export interface Halt {
  readonly rule: BreakerRule;
  readonly venue: string;
  /** Absent when the whole venue is halted. */
  readonly symbol?: string;
  /** What tripped it, with the numbers. */
  readonly detail: string;
  /** When it tripped, µs. */
  readonly sinceUs: number;
  /** When its condition was last seen clear, µs (the halt lifts `cooldownUs` after this). */
  readonly clearSinceUs?: number;
}

interface HaltState {
  rule: BreakerRule;
  venue: string;
  symbol: string | undefined;
  detail: string;
  sinceUs: number;
  clearSinceUs: number | undefined;
}

interface SymbolState {
  lastEventUs: number;
  lastMid: number;
  jumpVol: ReturnStdDev;
}

const key = (rule: BreakerRule, venue: string, symbol?: string): string => `${rule}|${venue}|${symbol ?? '*'}`;

/**
 * @example
 * const breakers = new CircuitBreakers(DEFAULT_RISK_LIMITS.breakers);
 * breakers.onQuote('kraken', 'BTC/USD', 65000.1, 65000.2, ts);
 * breakers.haltsFor('kraken', 'BTC/USD', ts); // []
 */
export class CircuitBreakers {
  readonly #halts = new Map<string, HaltState>();
  readonly #symbols = new Map<string, SymbolState>();
  readonly #gaps = new Map<string, number[]>();
  readonly #disconnected = new Set<string>();

  constructor(readonly limits: BreakerLimits) {}

  #symbol(venue: string, symbol: string, tsUs: number): SymbolState {
    const k = `${venue}|${symbol}`;
    let s = this.#symbols.get(k);
    if (!s) {
      s = { lastEventUs: tsUs, lastMid: Number.NaN, jumpVol: new ReturnStdDev(this.limits.priceJumpWindow) };
      this.#symbols.set(k, s);
    }
    return s;
  }

  #condition(
    rule: BreakerRule,
    venue: string,
    symbol: string | undefined,
    active: boolean,
    tsUs: number,
    detail: string,
  ): void {
    const k = key(rule, venue, symbol);
    const h = this.#halts.get(k);
    if (active) {
      if (h) {
        h.clearSinceUs = undefined;
        h.detail = detail;
      } else {
        this.#halts.set(k, { rule, venue, symbol, detail, sinceUs: tsUs, clearSinceUs: undefined });
      }
    } else if (h && h.clearSinceUs === undefined) {
      h.clearSinceUs = tsUs;
    }
  }

  /** Any market event for `venue`/`symbol` at `tsUs` (keeps the stale-feed rule fed). */
  onMarketEvent(venue: string, symbol: string, tsUs: number): void {
    const s = this.#symbol(venue, symbol, tsUs);
    s.lastEventUs = Math.max(s.lastEventUs, tsUs);
    this.#condition(BreakerRule.StaleFeed, venue, symbol, false, tsUs, '');
  }

  /** A best bid/ask update (prices as floats in quote currency). Checks spread and price jumps. */
  onQuote(venue: string, symbol: string, bid: number, ask: number, tsUs: number): void {
    this.onMarketEvent(venue, symbol, tsUs);
    if (!(bid > 0) || !(ask > 0)) return;
    const mid = (bid + ask) / 2;
    const spreadBps = ((ask - bid) / mid) * 10_000;
    const blown = ask <= bid || spreadBps > this.limits.maxSpreadBps;
    this.#condition(
      BreakerRule.SpreadBlowout,
      venue,
      symbol,
      blown,
      tsUs,
      ask <= bid
        ? `crossed book: bid ${bid} ≥ ask ${ask}`
        : `spread ${spreadBps.toFixed(1)} bp > ${this.limits.maxSpreadBps} bp`,
    );
    const s = this.#symbol(venue, symbol, tsUs);
    if (s.lastMid > 0 && mid !== s.lastMid) {
      const ret = Math.log(mid / s.lastMid);
      const sigma = s.jumpVol.value();
      const move = Math.abs(Math.expm1(ret));
      const beyondSigma =
        s.jumpVol.count >= 30 &&
        sigma > 0 &&
        Math.abs(ret) > this.limits.priceJumpSigmas * sigma &&
        move >= (this.limits.minPriceJumpFraction ?? 0);
      const beyondCap = move > this.limits.maxPriceJumpFraction;
      if (beyondSigma || beyondCap) {
        this.#condition(
          BreakerRule.PriceJump,
          venue,
          symbol,
          true,
          tsUs,
          beyondSigma
            ? `mid moved ${(ret * 10_000).toFixed(1)} bp = ${(Math.abs(ret) / sigma).toFixed(1)}σ > ${this.limits.priceJumpSigmas}σ`
            : `mid moved ${(Math.expm1(ret) * 100).toFixed(2)} % > ${this.limits.maxPriceJumpFraction * 100} %`,
        );
        // The jump is a one-off: it is clear from now, and the cooldown runs from here.
        this.#condition(BreakerRule.PriceJump, venue, symbol, false, tsUs, '');
      }
      s.jumpVol.push(ret);
    }
    s.lastMid = mid;
  }

  /**
   * The symbol's price series restarts: the book was rebuilt (a resync) or a replayed recording
   * was re-anchored at its loop. The next quote starts a new series: no return is taken across the
   * step, so neither the jump rules nor the σ estimate see it; the moves after it are judged as
   * before.
   *
   * @example
   * breakers.rebase('binance', 'BTC/USDT'); // on a `resynced` event
   */
  rebase(venue: string, symbol: string): void {
    const s = this.#symbols.get(`${venue}|${symbol}`);
    if (s) s.lastMid = Number.NaN;
  }

  /** A gap or checksum mismatch reported by `venue` at `tsUs`. */
  onGap(venue: string, tsUs: number): void {
    let list = this.#gaps.get(venue);
    if (!list) {
      list = [];
      this.#gaps.set(venue, list);
    }
    list.push(tsUs);
    this.#evaluateGaps(venue, tsUs);
  }

  #evaluateGaps(venue: string, tsUs: number): void {
    const list = this.#gaps.get(venue);
    if (!list) return;
    const from = tsUs - this.limits.gapStormWindowUs;
    while (list.length > 0 && (list[0] ?? 0) <= from) list.shift();
    const storm = list.length > this.limits.gapStormCount;
    this.#condition(
      BreakerRule.GapStorm,
      venue,
      undefined,
      storm,
      tsUs,
      `${list.length} gaps in ${this.limits.gapStormWindowUs / 1e6} s > ${this.limits.gapStormCount}`,
    );
  }

  /** The venue's feed disconnected. */
  onDisconnected(venue: string, tsUs: number, reason = 'disconnected'): void {
    this.#disconnected.add(venue);
    this.#condition(BreakerRule.VenueDisconnected, venue, undefined, true, tsUs, reason);
  }

  /** The venue's feed is connected (again). */
  onConnected(venue: string, tsUs: number): void {
    this.#disconnected.delete(venue);
    this.#condition(BreakerRule.VenueDisconnected, venue, undefined, false, tsUs, '');
  }

  /** Re-evaluates time-based rules (stale feeds, gap windows) and lifts halts whose cooldown is over. */
  check(tsUs: number): void {
    for (const [k, s] of this.#symbols) {
      const [venue = '', symbol = ''] = k.split('|');
      const age = tsUs - s.lastEventUs;
      if (age > this.limits.staleFeedUs) {
        this.#condition(
          BreakerRule.StaleFeed,
          venue,
          symbol,
          true,
          tsUs,
          `no data for ${(age / 1e6).toFixed(1)} s > ${this.limits.staleFeedUs / 1e6} s`,
        );
      }
    }
    for (const venue of this.#gaps.keys()) this.#evaluateGaps(venue, tsUs);
    for (const [k, h] of this.#halts) {
      if (h.clearSinceUs !== undefined && tsUs - h.clearSinceUs >= this.limits.cooldownUs) this.#halts.delete(k);
    }
  }

  /** Halts that block trading `symbol` on `venue` at `tsUs` (after lifting expired ones). */
  haltsFor(venue: string, symbol: string, tsUs: number): Halt[] {
    this.check(tsUs);
    const out: Halt[] = [];
    for (const h of this.#halts.values()) {
      if (h.venue === venue && (h.symbol === undefined || h.symbol === symbol)) out.push(toHalt(h));
    }
    return out;
  }

  /** Every halt in force or cooling down. */
  allHalts(): Halt[] {
    return [...this.#halts.values()].map(toHalt);
  }
}

function toHalt(h: HaltState): Halt {
  return {
    rule: h.rule,
    venue: h.venue,
    ...(h.symbol !== undefined ? { symbol: h.symbol } : {}),
    detail: h.detail,
    sinceUs: h.sinceUs,
    ...(h.clearSinceUs !== undefined ? { clearSinceUs: h.clearSinceUs } : {}),
  };
}
