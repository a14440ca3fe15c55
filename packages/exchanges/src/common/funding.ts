/**
 * A base for the funding-rate handlers (perpetual futures feeds that carry no book here).
 *
 * @module
 */
import type { FundingRate } from '@tickerml/core';
import type { SyncBook } from './book.js';
import { emptyStats, type FeedStats, type HandlerHooks, MalformedLog, type VenueHandler } from './feed.js';

/** Symbol mapping of a funding feed: venue symbol → canonical (`BTC/USDT:USDT`). */
export type SymbolMap = ReadonlyMap<string, string>;

/** Shared plumbing: stats per symbol, malformed accounting, emission. */
export abstract class FundingHandlerBase implements VenueHandler {
  abstract readonly venue: string;
  protected readonly statsBySymbol = new Map<string, FeedStats>();
  protected readonly venueStats = emptyStats();
  protected readonly malformed: MalformedLog;

  constructor(
    protected readonly symbols: SymbolMap,
    protected readonly hooks: HandlerHooks,
    venue: string,
  ) {
    this.malformed = new MalformedLog(venue, hooks.logger);
    for (const canonical of symbols.values()) this.statsBySymbol.set(canonical, emptyStats());
  }

  abstract onFrame(text: string, localTs: number): void;

  /**
   * Emits one funding rate, or counts `text` as malformed when a timestamp is not a safe integer
   * of microseconds (a stamp of 1e308 ms parses as a number but is Infinity µs).
   */
  protected emitFunding(
    text: string,
    venueSymbol: string,
    rate: string,
    fundingTs: number,
    exchTs: number,
    localTs: number,
  ): void {
    if (!Number.isSafeInteger(fundingTs) || fundingTs <= 0 || !Number.isSafeInteger(exchTs) || exchTs <= 0)
      return this.bad(text, `funding: timestamp out of range (fundingTs ${fundingTs} µs, exchTs ${exchTs} µs)`);
    const symbol = this.symbols.get(venueSymbol);
    if (symbol === undefined) {
      this.venueStats.frames++;
      return;
    }
    const stats = this.statsBySymbol.get(symbol) as FeedStats;
    stats.frames++;
    stats.fundingRates++;
    const event: FundingRate = { kind: 'funding_rate', venue: this.venue, symbol, exchTs, localTs, rate, fundingTs };
    this.hooks.emit(event);
  }

  protected bad(text: string, reason: string): void {
    this.venueStats.frames++;
    this.venueStats.malformed++;
    this.malformed.record(text, reason);
  }

  onRestSnapshot(): void {}
  resubscribeMessages(): string[] {
    return [];
  }
  resetAll(): void {}
  book(): SyncBook | undefined {
    return undefined;
  }
  stats(): ReadonlyMap<string, FeedStats> {
    const m = new Map(this.statsBySymbol);
    m.set('*', this.venueStats);
    return m;
  }
}

const DECIMAL = /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/;

/** `true` when `text` is a plain (optionally signed, optionally exponent) decimal. */
export function isDecimalText(text: unknown): text is string {
  return typeof text === 'string' && text.length <= 40 && DECIMAL.test(text);
}

/** Quotes bare JSON numbers of the named fields so their exact text survives `JSON.parse`. */
export function quoteNumberFields(text: string, fields: readonly string[]): string {
  const re = new RegExp(`"(${fields.join('|')})":(-?[0-9][0-9.eE+-]*)`, 'g');
  return text.replace(re, '"$1":"$2"');
}
