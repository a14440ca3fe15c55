/**
 * Instrument metadata (tick size, lot size, minimum notional) through ccxt `loadMarkets`,
 * cached on disk so a box can start from the cache when the network is down.
 *
 * @module
 */

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DecimalGrid } from '../common/decimal.js';
import { InstrumentsUnavailableError, UnknownSymbolError } from '../common/errors.js';
import { type FeedLogger, redact, silentLogger } from '../common/logger.js';
import { loadCcxt } from './ccxt.js';

/** What TickerML keeps about one tradable instrument. Sizes are decimal strings. */
export interface InstrumentInfo {
  /** Venue id, e.g. `binanceus`. */
  readonly venue: string;
  /** Canonical symbol, e.g. `BTC/USDT` or `BTC/USDT:USDT`. */
  readonly symbol: string;
  /** The venue's own id, e.g. `BTCUSDT`. */
  readonly venueSymbol: string;
  readonly base: string;
  readonly quote: string;
  /** `spot`, `swap`, `future`, … as ccxt reports it. */
  readonly type: string;
  /** Price increment, e.g. `"0.01"`. */
  readonly tickSize: string;
  /** Order quantity increment, e.g. `"0.00001"`. */
  readonly lotSize: string;
  /** Smallest order quantity, if the venue states one. */
  readonly minQty?: string;
  /** Smallest order value in quote currency, if the venue states one. */
  readonly minNotional?: string;
}

/** Result of {@link loadInstruments}. */
export interface LoadedInstruments {
  readonly venue: string;
  readonly instruments: readonly InstrumentInfo[];
  /** `network` when freshly loaded (and cached), `cache` when the network failed. */
  readonly source: 'network' | 'cache';
  /** When the data was fetched from the venue, ms since the epoch. */
  readonly fetchedAtMs: number;
  /** Why the network was not used, when `source` is `cache`. */
  readonly networkError?: string;
}

/** The subset of a ccxt exchange this module uses. */
export interface CcxtLike {
  readonly precisionMode?: number;
  loadMarkets(reload?: boolean): Promise<Record<string, unknown>>;
}

/** Options of {@link loadInstruments}. */
export interface LoadInstrumentsOptions {
  /** Directory of the on-disk cache (created if missing). */
  readonly cacheDir: string;
  /**
   * Builds the ccxt exchange (default: `new ccxt[venue]()`); use it to set `urls` (a replay
   * server), API keys from the environment, proxies. Never logged unredacted.
   */
  readonly exchange?: () => CcxtLike | Promise<CcxtLike>;
  /** Clock for `fetchedAtMs`, ms since the epoch. Defaults to `Date.now`. */
  readonly nowMs?: () => number;
  readonly logger?: FeedLogger;
}

const DECIMAL_PLACES = 2;
const SIGNIFICANT_DIGITS = 3;

/** A float from ccxt (tick sizes like 0.01 or 1e-8) as a plain decimal string. */
export function numberToDecimal(value: number): string {
  if (!Number.isFinite(value) || value <= 0) return '';
  // 12 significant digits remove binary noise (0.1 + float error) without losing any real tick size.
  const text = String(Number(value.toPrecision(12)));
  const e = text.indexOf('e');
  if (e < 0) return text;
  // exponent form (1e-8, 1.5e-7, 2e+21): shift the mantissa's digits by hand
  const mantissa = text.slice(0, e);
  const exponent = Number(text.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = mantissa.replace('.', '');
  const pointAt = (dot < 0 ? mantissa.length : dot) + exponent;
  if (pointAt <= 0) return `0.${'0'.repeat(-pointAt)}${digits}`;
  if (pointAt >= digits.length) return digits + '0'.repeat(pointAt - digits.length);
  return `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
}

function sizeOf(precision: unknown, mode: number | undefined): string {
  if (typeof precision === 'string' && /^[0-9.]+$/.test(precision)) return precision;
  if (typeof precision !== 'number' || !Number.isFinite(precision)) return '';
  if (mode === DECIMAL_PLACES) return precision <= 0 ? '1' : `0.${'0'.repeat(precision - 1)}1`;
  if (mode === SIGNIFICANT_DIGITS) return ''; // not a grid; left out
  return numberToDecimal(precision);
}

/** Converts ccxt markets to {@link InstrumentInfo}s, skipping markets without a usable grid. */
export function instrumentsFromCcxt(
  venue: string,
  markets: Record<string, unknown>,
  precisionMode?: number,
): InstrumentInfo[] {
  const out: InstrumentInfo[] = [];
  for (const m of Object.values(markets) as Record<string, unknown>[]) {
    if (m === null || typeof m !== 'object') continue;
    const precision = (m.precision ?? {}) as Record<string, unknown>;
    const limits = (m.limits ?? {}) as Record<string, Record<string, unknown> | undefined>;
    const tickSize = sizeOf(precision.price, precisionMode);
    const lotSize = sizeOf(precision.amount, precisionMode);
    if (tickSize === '' || lotSize === '' || typeof m.symbol !== 'string' || typeof m.id !== 'string') continue;
    const minQty = typeof limits.amount?.min === 'number' ? numberToDecimal(limits.amount.min) : '';
    const minNotional = typeof limits.cost?.min === 'number' ? numberToDecimal(limits.cost.min) : '';
    out.push({
      venue,
      symbol: m.symbol,
      venueSymbol: m.id,
      base: String(m.base ?? ''),
      quote: String(m.quote ?? ''),
      type: String(m.type ?? 'spot'),
      tickSize,
      lotSize,
      ...(minQty ? { minQty } : {}),
      ...(minNotional ? { minNotional } : {}),
    });
  }
  return out.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
}

/** Path of a venue's cache file. */
export function cachePath(cacheDir: string, venue: string): string {
  return join(cacheDir, `${venue}.instruments.json`);
}

async function defaultExchange(venue: string): Promise<CcxtLike> {
  const ccxt = (await loadCcxt(`instrument metadata of ${venue}`)) as Record<string, new (config?: object) => CcxtLike>;
  const Ctor = ccxt[venue];
  if (typeof Ctor !== 'function') throw new Error(`ccxt has no exchange named ${JSON.stringify(venue)}`);
  return new Ctor({ enableRateLimit: true, timeout: 15_000 });
}

/**
 * Loads a venue's instruments through ccxt `loadMarkets`, writes them to
 * `<cacheDir>/<venue>.instruments.json`, and falls back to that file when the network fails.
 *
 * @throws {InstrumentsUnavailableError} when the network fails and there is no readable cache;
 *   the message names the venue, the network error and the cache path with why it could not be read.
 * @example
 * const { instruments, source } = await loadInstruments('binanceus', { cacheDir: '.cache/tickerml' });
 * const btc = instruments.find((i) => i.symbol === 'BTC/USDT'); // { tickSize: '0.01', lotSize: '0.00001', ... }
 */
export async function loadInstruments(venue: string, options: LoadInstrumentsOptions): Promise<LoadedInstruments> {
  const logger = options.logger ?? silentLogger;
  const file = cachePath(options.cacheDir, venue);
  const nowMs = options.nowMs ?? Date.now;
  let networkError: string;
  try {
    const exchange = await (options.exchange ?? (() => defaultExchange(venue)))();
    const markets = await exchange.loadMarkets(true);
    const instruments = instrumentsFromCcxt(venue, markets, exchange.precisionMode);
    if (instruments.length === 0) throw new Error('loadMarkets returned no market with a tick and lot size');
    const loaded: LoadedInstruments = { venue, instruments, source: 'network', fetchedAtMs: nowMs() };
    try {
      await mkdir(options.cacheDir, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(
        tmp,
        JSON.stringify({ format: 'tickerml-instruments/1', venue, fetchedAtMs: loaded.fetchedAtMs, instruments }),
      );
      await rename(tmp, file);
    } catch (err) {
      logger.warn(
        { venue, file, error: err instanceof Error ? err.message : String(err) },
        'could not write the instrument cache',
      );
    }
    return loaded;
  } catch (err) {
    networkError = redact(err instanceof Error ? err.message : String(err)).slice(0, 300);
    logger.warn({ venue, error: networkError }, 'loading instruments from the venue failed; trying the cache');
  }
  let cacheProblem: string;
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as {
      format?: unknown;
      venue?: unknown;
      fetchedAtMs?: unknown;
      instruments?: unknown;
    };
    if (
      parsed.format !== 'tickerml-instruments/1' ||
      parsed.venue !== venue ||
      !Array.isArray(parsed.instruments) ||
      typeof parsed.fetchedAtMs !== 'number'
    ) {
      throw new Error('not a tickerml-instruments/1 file for this venue');
    }
    return {
      venue,
      instruments: parsed.instruments as InstrumentInfo[],
      source: 'cache',
      fetchedAtMs: parsed.fetchedAtMs,
      networkError,
    };
  } catch (err) {
    cacheProblem =
      (err as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'no such file'
        : err instanceof Error
          ? err.message
          : String(err);
  }
  throw new InstrumentsUnavailableError(
    `no instrument metadata for ${venue}: the venue could not be reached and there is no usable cache`,
    {
      metaMessages: [`network: ${networkError}`, `cache ${file}: ${cacheProblem}`],
    },
  );
}

/**
 * The decimal grid a feed needs for `symbol`, from loaded instruments. Book quantities can be
 * finer than the order lot size (KuCoin shows 11 decimals on some books): pass `bookLotSize` to
 * widen the quantity grid for market data.
 *
 * @throws {UnknownSymbolError} when the symbol is not among the instruments.
 * @example
 * const grid = gridFor(loaded, 'BTC/USDT');
 */
export function gridFor(loaded: LoadedInstruments, symbol: string, bookLotSize?: string): DecimalGrid {
  const info = loaded.instruments.find((i) => i.symbol === symbol);
  if (info === undefined) {
    throw new UnknownSymbolError(`${symbol} is not listed on ${loaded.venue}`, {
      metaMessages: [
        `listed: ${loaded.instruments
          .slice(0, 10)
          .map((i) => i.symbol)
          .join(', ')}…`,
      ],
    });
  }
  return new DecimalGrid(symbol, info.tickSize, bookLotSize ?? info.lotSize);
}
