/**
 * From recording files to normalized {@link MarketEvent}s: the production path a bot, a backtest
 * or a dataset builder reads recordings through.
 *
 * The ordering rule, owned here so that every caller gets the same one:
 * - The frames of one venue are handed to its real handler in (`localTs`, file order) order,
 *   holding back at most `windowUs` of out-of-order frames (cryptofeed writes a REST body after
 *   socket frames received before it).
 * - An event never goes back in time. Diffs a handler buffered while the book waited for its
 *   snapshot come out when the snapshot is applied, after events with later stamps; they are
 *   stamped with the `localTs` of the latest event already emitted (the time the bot could
 *   apply them). `exchTs` is never changed.
 * - Recordings of different venues are merged by `localTs`; equal stamps come in the order the
 *   files were given. Several files of one venue (a day's parts) feed one handler, one book.
 *
 * So the events come out with `localTs` non-decreasing, which is what the execution engine
 * requires (`runBacktest` throws core's `OutOfOrderError` otherwise).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { type MarketEvent, mergeByLocalTs } from '@tickerml/core';
import { DecimalGrid } from '../common/decimal.js';
import { ExchangeBaseError, InstrumentsUnavailableError } from '../common/errors.js';
import { cachePath, type InstrumentInfo } from '../metadata/instruments.js';
import type { RecordingSource } from '../readers/bytes.js';
import { openRecording, type Recording } from '../readers/open.js';
import type { RawFrame, RecordingFormat } from '../readers/raw-frame.js';
import {
  type BookVenue,
  canonicalSymbol,
  DEFAULT_FRAME_WINDOW_US,
  feedFrame,
  GridInference,
  isBookVenue,
  makeHandler,
  type ReplaySetup,
  windowOrderedFrames,
} from './venues.js';

/** Where a {@link RecordedInstrument}'s tick, lot and minimums came from. */
export const InstrumentSource = {
  /** The caller passed the venue's metadata ({@link ReadEventsOptions.instruments}). */
  Given: 'given',
  /** The recording's own metadata answer (a recorded Binance `exchangeInfo`). */
  ExchangeInfo: 'exchange-info',
  /** The on-disk instrument cache of `loadInstruments` ({@link ReadEventsOptions.instrumentCacheDir}). */
  InstrumentCache: 'instrument-cache',
  /** Nothing known: tick and lot inferred from the recorded text, minimums unknown (0). */
  Inferred: 'inferred',
} as const;
/** Where a {@link RecordedInstrument}'s tick, lot and minimums came from. */
export type InstrumentSource = (typeof InstrumentSource)[keyof typeof InstrumentSource];

/**
 * One instrument of a recording: the grid its events are on and the venue's order minimums.
 * Its fields are those of `@tickerml/execution`'s `InstrumentSpec`, so it can be traded as is:
 * `new TradableInstrument(instrument)`.
 */
export interface RecordedInstrument {
  /** Venue id, e.g. `binance`. */
  readonly venue: string;
  /** Canonical symbol, e.g. `BTC/USDT`. */
  readonly symbol: string;
  /** The venue's own id, e.g. `BTCUSDT`. */
  readonly venueSymbol: string;
  /** Base currency, e.g. `BTC`. */
  readonly base: string;
  /** Quote currency, e.g. `USDT`. */
  readonly quote: string;
  /** Price increment of the events' `priceTicks`, a decimal string (e.g. `"0.01"`). */
  readonly tickSize: string;
  /**
   * Quantity increment of the events' `qtyLots`, a decimal string. The venue's order step when
   * every recorded size sits on it; finer when the recorded book shows finer sizes (market data
   * is never rounded). Orders are then held to {@link RecordedInstrument.minQtyLots}.
   */
  readonly lotSize: string;
  /** The venue's order quantity step (`LOT_SIZE.stepSize`), when known. */
  readonly stepSize?: string;
  /** Smallest order in lots of {@link RecordedInstrument.lotSize}: the venue's minimum quantity or step, at least 1. */
  readonly minQtyLots: number;
  /** Smallest order value in the quote currency, a decimal string; `"0"` when unknown (inferred). */
  readonly minNotional: string;
  /** Where tick, lot and minimums came from; `inferred` comes with a warning. */
  readonly source: InstrumentSource;
}

/** Options of {@link readEvents}, {@link openEvents}, {@link loadEvents} and {@link eventsFromFrames}. */
export interface ReadEventsOptions {
  /** The venue of every file, when the recording does not say (detected from the frames otherwise). */
  readonly venue?: BookVenue;
  /** The files' format; `auto` (the default) detects it from the first line. */
  readonly format?: RecordingFormat | 'auto';
  /**
   * A file cut short: `accept` (the default) uses its good frames; `error` throws
   * `RecordingTruncatedError` naming the file and its last good frame (see `openRecording`).
   */
  readonly partial?: 'accept' | 'error';
  /** Instrument metadata to use first (e.g. from `loadInstruments`), matched by venue and symbol. */
  readonly instruments?: readonly InstrumentInfo[];
  /**
   * Directory of `loadInstruments`' on-disk cache (`<dir>/<venue>.instruments.json`), read (never
   * written, no network) for instruments the recording has no metadata answer for.
   */
  readonly instrumentCacheDir?: string;
  /** How far out of order the recorded frames may be, µs. Defaults to 60 s. */
  readonly windowUs?: number;
}

/** A recording opened by {@link openEvents}: its instruments, now; its events, one pass per call. */
export interface EventRecording {
  /** The files, in the order given. */
  readonly sources: readonly string[];
  /** Every instrument with book or trade data, per venue, sorted by venue then symbol. */
  readonly instruments: readonly RecordedInstrument[];
  /** What a report should show: instruments inferred from the data, metadata the data contradicts. */
  readonly warnings: readonly string[];
  /**
   * The events, in non-decreasing `localTs` (the module's ordering rule). Each call reads the
   * files again.
   * @throws the reader errors of `openRecording` (`RecordingBaseError` subclasses) while iterating.
   */
  events(): AsyncIterable<MarketEvent>;
}

/** Events held in memory, from {@link loadEvents} or {@link eventsFromFrames}. */
export interface LoadedEvents {
  /** In non-decreasing `localTs`. */
  readonly events: readonly MarketEvent[];
  readonly instruments: readonly RecordedInstrument[];
  readonly warnings: readonly string[];
}

/**
 * A recording cannot be turned into events: its venue is unknown or has no book handler, or
 * the files given together disagree. The message names the file.
 *
 * @example
 * ```ts
 * await openEvents('funding.jsonl'); // throws: no book handler for venue 'binanceusdm' in funding.jsonl
 * ```
 */
export class RecordingVenueError extends ExchangeBaseError {
  override name = 'RecordingVenueError' as const;
}

/**
 * The venue of a recording from its first frames' text, or `undefined`.
 * @example
 * ```ts
 * detectVenue([{ localTs: 0, kind: 'recv', data: '{"stream":"btcusdt@depth"}' }]); // 'binance'
 * ```
 */
export function detectVenue(frames: Iterable<RawFrame>): BookVenue | undefined {
  let n = 0;
  for (const f of frames) {
    if (++n > 50) break;
    if (f.data.includes('"e":"depthUpdate"') || f.data.startsWith('{"stream":"')) return 'binance';
    if (f.data.startsWith('{"channel":"book"') || f.data.startsWith('{"channel":"status"')) return 'kraken';
    if (f.data.startsWith('{"channel":"l2_data"') || f.data.startsWith('{"channel":"market_trades"')) return 'coinbase';
    if (f.data.includes('"type":"welcome"') || f.data.includes('"subject":"trade.l2update"')) return 'kucoin';
  }
  return undefined;
}

function decimalsOf(text: string): number {
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

function stepOf(places: number): string {
  return places === 0 ? '1' : `0.${'0'.repeat(places - 1)}1`;
}

/** `a / b` for positive decimal strings, rounded up, at least 1. */
function ceilRatio(a: string, b: string): number {
  const places = Math.max(decimalsOf(a), decimalsOf(b));
  const scale = (t: string) => BigInt(t.replace('.', '') + '0'.repeat(places - decimalsOf(t)));
  const x = scale(a);
  const y = scale(b);
  if (y <= 0n) return 1;
  const q = (x + y - 1n) / y;
  return q < 1n ? 1 : Number(q);
}

function readCache(dir: string, venue: string): InstrumentInfo[] {
  const file = cachePath(dir, venue);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new InstrumentsUnavailableError(`cannot read the instrument cache ${file}`, { cause: err });
  }
  let parsed: { format?: unknown; venue?: unknown; instruments?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch (err) {
    throw new InstrumentsUnavailableError(`the instrument cache ${file} is not JSON`, { cause: err });
  }
  if (parsed.format !== 'tickerml-instruments/1' || parsed.venue !== venue || !Array.isArray(parsed.instruments))
    throw new InstrumentsUnavailableError(
      `the instrument cache ${file} is not a tickerml-instruments/1 file for ${venue}`,
    );
  return parsed.instruments as InstrumentInfo[];
}

interface Metadata {
  readonly source: InstrumentSource;
  readonly tickSize?: string | undefined;
  readonly stepSize?: string | undefined;
  readonly minQty?: string | undefined;
  readonly minNotional?: string | undefined;
  readonly base?: string | undefined;
  readonly quote?: string | undefined;
}

/** Instruments and handler setup of one venue from a finished inference pass. */
function resolveVenue(
  inference: GridInference,
  options: ReadEventsOptions,
  warnings: string[],
): { setup: ReplaySetup; instruments: RecordedInstrument[] } {
  const venue = inference.venue;
  const given = (options.instruments ?? []).filter((i) => i.venue === venue);
  const cache = options.instrumentCacheDir === undefined ? [] : readCache(options.instrumentCacheDir, venue);
  const instruments: RecordedInstrument[] = [];
  for (const [venueSymbol, places] of inference.observed()) {
    const symbol = canonicalSymbol(venue, venueSymbol);
    const match = (i: InstrumentInfo) => i.symbol === symbol || i.venueSymbol === venueSymbol;
    const filters = inference.recordedFilters().get(venueSymbol);
    const fromInfo = (source: InstrumentSource, i: InstrumentInfo): Metadata => ({
      source,
      tickSize: i.tickSize,
      stepSize: i.lotSize,
      minQty: i.minQty,
      minNotional: i.minNotional,
      base: i.base,
      quote: i.quote,
    });
    const givenInfo = given.find(match);
    const cached = cache.find(match);
    const meta: Metadata =
      givenInfo !== undefined
        ? fromInfo(InstrumentSource.Given, givenInfo)
        : filters?.tickSize !== undefined && filters.stepSize !== undefined
          ? { source: InstrumentSource.ExchangeInfo, ...filters }
          : cached !== undefined
            ? fromInfo(InstrumentSource.InstrumentCache, cached)
            : { source: InstrumentSource.Inferred };
    const dataTick = stepOf(places.price);
    const dataLot = stepOf(places.qty);
    let tickSize = dataTick;
    if (meta.tickSize !== undefined) {
      if (decimalsOf(meta.tickSize) >= places.price) tickSize = meta.tickSize;
      else
        warnings.push(
          `${venue} ${symbol}: recorded prices need tick ${dataTick}, finer than the venue's ${meta.tickSize} (${meta.source}); the events use ${dataTick}`,
        );
    }
    const step = meta.stepSize;
    // The venue's step when every recorded size sits on it; the finer grid the data needs otherwise.
    const lotSize =
      step !== undefined && step === stepOf(decimalsOf(step)) && decimalsOf(step) >= places.qty ? step : dataLot;
    let minQtyLots = 1;
    for (const q of [step, meta.minQty]) if (q !== undefined) minQtyLots = Math.max(minQtyLots, ceilRatio(q, lotSize));
    const [base = symbol, rest = ''] = symbol.split('/');
    const quote = rest.split(':')[0] ?? '';
    instruments.push({
      venue,
      symbol,
      venueSymbol,
      base: meta.base ?? base,
      quote: meta.quote ?? quote,
      tickSize,
      lotSize,
      ...(step === undefined ? {} : { stepSize: step }),
      minQtyLots,
      minNotional: meta.minNotional ?? '0',
      source: meta.source,
    });
    if (meta.source === InstrumentSource.Inferred) {
      const where =
        options.instrumentCacheDir === undefined
          ? 'no instrument cache given'
          : `no entry in ${cachePath(options.instrumentCacheDir, venue)}`;
      warnings.push(
        `${venue} ${symbol}: instrument inferred from the data (no exchange-info answer in the recording, ${where}): tick ${tickSize}, lot ${lotSize}; the venue's order step and minimum notional are unknown, so a backtest accepts orders the venue may refuse`,
      );
    }
  }
  instruments.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  const grids = instruments.map((i) => new DecimalGrid(i.symbol, i.tickSize, i.lotSize));
  return { setup: { venue, grids, depth: inference.bookDepth }, instruments };
}

/** Events of one venue's frames (fed in order), never going back in time; `take` empties what the last frames produced. */
function venueDriver(setup: ReplaySetup): {
  feed: (frame: RawFrame) => void;
  take: () => MarketEvent[];
} {
  let pending: MarketEvent[] = [];
  let lastTs = Number.NEGATIVE_INFINITY;
  const handler = makeHandler(setup, {
    emit: (e) => {
      if (e.localTs < lastTs) pending.push({ ...e, localTs: lastTs });
      else {
        lastTs = e.localTs;
        pending.push(e);
      }
    },
    requestSnapshot: () => {},
  });
  return {
    feed: (frame) => feedFrame(setup.venue, handler, frame),
    take: () => {
      const out = pending;
      pending = [];
      return out;
    },
  };
}

interface VenueGroup {
  readonly venue: BookVenue;
  readonly recordings: Recording[];
  readonly setup: ReplaySetup;
}

async function* groupFrames(group: VenueGroup): AsyncGenerator<RawFrame> {
  for (const r of group.recordings) yield* r.frames();
}

async function* groupEvents(group: VenueGroup, windowUs: number): AsyncGenerator<MarketEvent> {
  const driver = venueDriver(group.setup);
  for await (const frame of windowOrderedFrames(groupFrames(group), windowUs)) {
    driver.feed(frame);
    const out = driver.take();
    for (const e of out) yield e;
  }
}

function asList(paths: RecordingSource | readonly RecordingSource[]): readonly RecordingSource[] {
  return typeof paths === 'string' || paths instanceof Uint8Array ? [paths] : (paths as readonly RecordingSource[]);
}

/**
 * Opens recordings for reading as events: one pass over the frames now, to find each file's
 * venue and instruments; the events are read by {@link EventRecording.events}. Instruments take
 * tick, lot and minimums from `options.instruments`, else the recording's own metadata answer
 * (Binance `exchangeInfo`), else the instrument cache, else they are inferred from the data and
 * say so (`source: 'inferred'`, and a warning).
 *
 * @param paths - one or more recording files (any format `openRecording` reads) or their bytes.
 * @throws {@link RecordingVenueError} when a file's venue is unknown or has no book handler.
 * @throws InstrumentsUnavailableError when `instrumentCacheDir` holds an unreadable cache file.
 * @throws the reader errors of `openRecording` (`RecordingBaseError` subclasses).
 * @example
 * ```ts
 * const recording = await openEvents('btcusdt.gz', { instrumentCacheDir: '.cache/tickerml' });
 * for (const w of recording.warnings) console.warn(w);
 * for await (const event of recording.events()) strategy.onEvent(event);
 * ```
 */
export async function openEvents(
  paths: RecordingSource | readonly RecordingSource[],
  options: ReadEventsOptions = {},
): Promise<EventRecording> {
  const list = asList(paths);
  if (list.length === 0) throw new RecordingVenueError('openEvents needs at least one recording');
  const groups = new Map<BookVenue, { recordings: Recording[]; inference: GridInference }>();
  for (const path of list) {
    const recording = await openRecording(path, {
      format: options.format ?? 'auto',
      partial: options.partial ?? 'accept',
    });
    let venue: string | undefined = options.venue ?? recording.info.venue;
    if (venue === undefined) {
      const head: RawFrame[] = [];
      for await (const f of recording.frames()) if (head.push(f) >= 50) break;
      venue = detectVenue(head);
    }
    if (!isBookVenue(venue))
      throw new RecordingVenueError(
        `no book handler for venue '${venue ?? 'unknown'}' in ${recording.source}: events are read from binance, binanceus, coinbase, kraken and kucoin spot recordings`,
        venue === undefined ? { details: 'the recording does not name its venue; pass options.venue' } : {},
      );
    let group = groups.get(venue);
    if (group === undefined) {
      group = { recordings: [], inference: new GridInference(venue) };
      groups.set(venue, group);
    }
    group.recordings.push(recording);
    for await (const f of recording.frames()) group.inference.add(f);
  }
  const warnings: string[] = [];
  const instruments: RecordedInstrument[] = [];
  const venueGroups: VenueGroup[] = [];
  for (const [venue, g] of groups) {
    const resolved = resolveVenue(g.inference, options, warnings);
    instruments.push(...resolved.instruments);
    venueGroups.push({ venue, recordings: g.recordings, setup: resolved.setup });
  }
  const windowUs = options.windowUs ?? DEFAULT_FRAME_WINDOW_US;
  return {
    sources: list.map((p) => (typeof p === 'string' ? p : '<bytes>')),
    instruments,
    warnings,
    events: () => {
      const streams = venueGroups.map((g) => groupEvents(g, windowUs));
      return streams.length === 1 ? (streams[0] as AsyncGenerator<MarketEvent>) : mergeByLocalTs(streams);
    },
  };
}

/**
 * The events of one or more recordings, in non-decreasing `localTs` (see the module's ordering
 * rule), streamed: a day of recording never has to fit in memory. Use {@link openEvents} to see
 * the instruments and warnings too, {@link loadEvents} to hold everything in memory.
 *
 * @param paths - one or more recording files (any format `openRecording` reads) or their bytes.
 * @throws the errors of {@link openEvents}, when iteration starts.
 * @example
 * ```ts
 * for await (const event of readEvents(['binance.gz', 'kraken.cbcap'])) features.update(event);
 * ```
 */
export async function* readEvents(
  paths: RecordingSource | readonly RecordingSource[],
  options: ReadEventsOptions = {},
): AsyncGenerator<MarketEvent, void, undefined> {
  const recording = await openEvents(paths, options);
  yield* recording.events();
}

/**
 * Every event of small recordings in memory, with their instruments and warnings: what a
 * backtest over a few minutes of data needs (`runBacktest({ events, ... })`).
 *
 * @throws the errors of {@link openEvents} and of reading the files.
 * @example
 * ```ts
 * const { events, instruments, warnings } = await loadEvents('btcusdt.gz');
 * ```
 */
export async function loadEvents(
  paths: RecordingSource | readonly RecordingSource[],
  options: ReadEventsOptions = {},
): Promise<LoadedEvents> {
  const recording = await openEvents(paths, options);
  const events: MarketEvent[] = [];
  for await (const e of recording.events()) events.push(e);
  return { events, instruments: recording.instruments, warnings: recording.warnings };
}

/**
 * The synchronous form for frames already in memory (one venue): the same instruments, warnings
 * and ordering rule as {@link openEvents}, with the frames fully sorted by (`localTs`, order given).
 *
 * @throws {@link RecordingVenueError} when the venue is neither given nor detectable, or has no book handler.
 * @throws InstrumentsUnavailableError when `instrumentCacheDir` holds an unreadable cache file.
 * @example
 * ```ts
 * const { frames } = await loadFrames('btcusdt.gz');
 * const { events } = eventsFromFrames(frames, { venue: 'binance' });
 * ```
 */
export function eventsFromFrames(frames: readonly RawFrame[], options: ReadEventsOptions = {}): LoadedEvents {
  const venue = options.venue ?? detectVenue(frames);
  if (!isBookVenue(venue))
    throw new RecordingVenueError(
      `no book handler for venue '${venue ?? 'unknown'}' in the frames given: events are read from binance, binanceus, coinbase, kraken and kucoin spot recordings`,
    );
  const inference = new GridInference(venue);
  for (const f of frames) inference.add(f);
  const warnings: string[] = [];
  const { setup, instruments } = resolveVenue(inference, options, warnings);
  const driver = venueDriver(setup);
  const ordered = frames.map((f, i) => [f, i] as const).sort((a, b) => a[0].localTs - b[0].localTs || a[1] - b[1]);
  const events: MarketEvent[] = [];
  for (const [f] of ordered) {
    driver.feed(f);
    for (const e of driver.take()) events.push(e);
  }
  return { events, instruments, warnings };
}
