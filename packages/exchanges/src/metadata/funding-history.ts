/**
 * Funding-rate history of perpetuals over REST, through ccxt `fetchFundingRateHistory`, as core
 * `FundingRate` events.
 *
 * @module
 */

import type { FundingRate } from '@tickerml/core';
import { AdapterConfigError, VenueHttpError } from '../common/errors.js';
import { loadCcxt } from './ccxt.js';
import { numberToDecimal } from './instruments.js';

/** The subset of a ccxt exchange this module uses. */
export interface CcxtFundingLike {
  readonly has: Record<string, unknown>;
  fetchFundingRateHistory(symbol: string, since?: number, limit?: number): Promise<unknown[]>;
}

/** Options of {@link fetchFundingHistory}. */
export interface FundingHistoryOptions {
  /** Earliest funding time wanted, ms since the epoch. */
  readonly sinceMs?: number;
  /** Most entries to return (the venue's page size applies). */
  readonly limit?: number;
  /** Builds the ccxt exchange (default `new ccxt[venue]()`); set URLs or keys here. */
  readonly exchange?: () => CcxtFundingLike | Promise<CcxtFundingLike>;
  /** Stamps `localTs` (µs). Defaults to the venue's funding time (a replayed history has no receive time). */
  readonly nowUs?: () => number;
}

/**
 * Fetches a perpetual's funding-rate history and returns it as {@link FundingRate} events, oldest
 * first (`rate` as a decimal string, `fundingTs` = `exchTs` = the funding time in µs).
 *
 * @throws {AdapterConfigError} when ccxt does not cover funding history for `venue`.
 * @throws {VenueHttpError} when the request fails (retryable).
 * @example
 * const history = await fetchFundingHistory('binanceusdm', 'BTC/USDT:USDT', { sinceMs: Date.now() - 7 * 86_400_000 });
 */
export async function fetchFundingHistory(
  venue: string,
  symbol: string,
  options: FundingHistoryOptions = {},
): Promise<FundingRate[]> {
  const exchange = await (options.exchange ?? (() => defaultExchange(venue)))();
  if (exchange.has.fetchFundingRateHistory !== true) {
    throw new AdapterConfigError(`ccxt does not provide funding-rate history for ${venue}`);
  }
  let rows: unknown[];
  try {
    rows = await exchange.fetchFundingRateHistory(symbol, options.sinceMs, options.limit);
  } catch (err) {
    throw new VenueHttpError(`funding-rate history of ${symbol} on ${venue} could not be fetched`, { cause: err });
  }
  const out: FundingRate[] = [];
  for (const row of rows as Record<string, unknown>[]) {
    const ts = row.timestamp;
    const rate = row.fundingRate;
    if (typeof ts !== 'number' || typeof rate !== 'number' || !Number.isFinite(rate)) continue;
    const fundingTs = Math.round(ts * 1000);
    const text = rate === 0 ? '0' : rate < 0 ? `-${numberToDecimal(-rate)}` : numberToDecimal(rate);
    out.push({
      kind: 'funding_rate',
      venue,
      symbol,
      exchTs: fundingTs,
      localTs: options.nowUs?.() ?? fundingTs,
      rate: text,
      fundingTs,
    });
  }
  return out.sort((a, b) => a.fundingTs - b.fundingTs);
}

async function defaultExchange(venue: string): Promise<CcxtFundingLike> {
  const ccxt = (await loadCcxt(`funding history of ${venue}`)) as Record<
    string,
    new (
      config?: object,
    ) => CcxtFundingLike
  >;
  const Ctor = ccxt[venue];
  if (typeof Ctor !== 'function') throw new AdapterConfigError(`ccxt has no exchange named ${JSON.stringify(venue)}`);
  return new Ctor({ enableRateLimit: true, timeout: 15_000 });
}
