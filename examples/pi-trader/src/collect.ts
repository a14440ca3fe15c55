/**
 * What the pi-trader persists of the market data it sees (config.yaml `collect:`): the raw
 * frames through the recorder (daily `.tmrec.gz` files per venue under
 * `storage.recordings_dir`, readable by `tickerml replay`), and the rows of `order_books`,
 * `trades`, `ohlcv` and `features` through `MarketCollector` of `@tickerml/storage`, into
 * SQLite or, with `storage.backend: postgres`, PostgreSQL. See docs/pi-trader.md.
 *
 * With `--bus kafka` the market rows (books, trades, bars) are left to `tickerml collect`,
 * which reads the same topics on any box; the pi-trader still records the raw frames (they are
 * not on Kafka) and the feature rows (they carry its own position and cash).
 *
 * @module
 */

import type { Clock, Logger, MarketEvent } from '@tickerml/core';
import { type RawFrame, Recorder } from '@tickerml/exchanges';
import type { InstrumentSpec, Portfolio } from '@tickerml/execution';
import {
  type AgentState,
  crossVenuesFor,
  type DatasetInstrumentSpec,
  ENCODER_VERSION,
  MASK_SUFFIX,
  StateEncoder,
} from '@tickerml/rl';
import {
  type CollectorStats,
  type CollectSettings,
  type FeatureSource,
  type InstrumentIncrements,
  MarketCollector,
  type RowSink,
  type SqliteStore,
  type StorageSettings,
} from '@tickerml/storage';

/** An instrument's tick and lot size, as exact decimal text. */
export interface CollectedInstrument {
  readonly venue: string;
  readonly symbol: string;
  readonly tickSize: string;
  readonly lotSize: string;
}

/** Options of {@link startCollection}. */
export interface CollectionOptions {
  readonly settings: CollectSettings;
  readonly storage: StorageSettings;
  /** Directory of the raw recordings (config.yaml `storage.recordings_dir`). */
  readonly recordingsDir: string;
  /** The pi-trader's SQLite store (the rows go there unless the backend is PostgreSQL). */
  readonly sqlite: SqliteStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** `kafka`: leave the market rows to `tickerml collect` (see the module comment). */
  readonly bus: 'memory' | 'kafka';
  /** How often buffered rows and recorder buffers are written, µs. Default 1 s. */
  readonly flushIntervalUs?: number;
}

/** A running collection. */
export interface Collection {
  /** Every event the trader sees, in bus order. */
  onEvent(event: MarketEvent): void;
  /** Every raw frame of a venue's feed, before parsing. */
  onRawFrame(venue: string, frame: RawFrame): void;
  /**
   * Tick and lot sizes of instruments: a list, or a function read again whenever an event names
   * an instrument not known yet (the demo's feeds learn theirs while they start).
   */
  addInstruments(list: readonly CollectedInstrument[] | (() => readonly CollectedInstrument[])): void;
  /**
   * Starts the `features` rows of the traded instruments: one `StateEncoder` each, with a
   * cross-venue feature per venue of `all` (as the dataset builder lays them out), and the
   * agent's position and cash fractions from `portfolio` at each decision boundary. No-op when
   * features are switched off.
   */
  enableFeatures(
    traded: readonly InstrumentSpec[],
    all: readonly CollectedInstrument[],
    portfolio: () => Portfolio,
  ): void;
  /** Recording files written so far, per venue. */
  recordingFiles(): ReadonlyMap<string, readonly string[]>;
  /** Row and error counters. */
  stats(): CollectorStats & { readonly rawFrames: number };
  /** Writes what is buffered and closes the recorders and the PostgreSQL connection. */
  stop(): Promise<void>;
}

/**
 * Starts collection as configured. Nothing is opened for a kind that is switched off.
 *
 * @throws the PostgreSQL store's errors when the backend is PostgreSQL and it cannot be reached.
 * @example
 * const collection = await startCollection({ settings: collectSettings(config.app.collect), storage, recordingsDir, sqlite, clock, logger, bus: 'memory' });
 * bus.subscribe('market', (e) => collection.onEvent(e));
 */
export async function startCollection(options: CollectionOptions): Promise<Collection> {
  const { settings, logger, clock } = options;
  const instruments = new Map<string, Map<string, InstrumentIncrements>>();
  const sources: (() => readonly CollectedInstrument[])[] = [];
  const add = (list: readonly CollectedInstrument[]): void => {
    for (const i of list) {
      let symbols = instruments.get(i.venue);
      if (symbols === undefined) {
        symbols = new Map();
        instruments.set(i.venue, symbols);
      }
      symbols.set(i.symbol, { tickSize: i.tickSize, lotSize: i.lotSize });
    }
  };
  const lookup = (venue: string, symbol: string): InstrumentIncrements | undefined => {
    const found = instruments.get(venue)?.get(symbol);
    if (found !== undefined) return found;
    for (const source of sources) add(source());
    return instruments.get(venue)?.get(symbol);
  };

  // --- rows
  const marketRows = options.bus !== 'kafka';
  const wantsRows =
    (marketRows && (settings.orderBooks !== false || settings.trades || settings.ohlcv)) || settings.features !== false;
  let sink: RowSink = options.sqlite;
  let closePostgres: (() => Promise<void>) | undefined;
  if (wantsRows && options.storage.backend === 'postgres' && options.storage.postgresUrl !== undefined) {
    const { PostgresStore } = await import('@tickerml/storage/postgres');
    const pg = await PostgresStore.connect(options.storage.postgresUrl, {
      ...options.storage.postgres,
      log: (line) => logger.info(line),
    });
    sink = pg;
    closePostgres = () => pg.close();
  }
  const features = settings.features;
  const collector = wantsRows
    ? new MarketCollector({
        sink,
        instruments: lookup,
        orderBooks: marketRows ? settings.orderBooks : false,
        trades: marketRows && settings.trades,
        ohlcv: marketRows && settings.ohlcv,
        features,
        onError: (error) => logger.error({ err: error }, 'collection: rows not written (kept for the next flush)'),
      })
    : undefined;

  // --- raw frames: one recorder per venue, created at its first frame
  const recorders = new Map<string, Recorder>();
  let rawFrames = 0;
  let recorderFailed = false;
  const recorderFor = (venue: string): Recorder => {
    let r = recorders.get(venue);
    if (r === undefined) {
      r = new Recorder({ dir: options.recordingsDir, venue, clock });
      recorders.set(venue, r);
    }
    return r;
  };

  const flushAll = (): void => {
    void collector?.flush();
    for (const r of recorders.values()) {
      try {
        r.flush();
      } catch (error) {
        logger.error({ err: error }, 'collection: recording not written (frames kept for the next flush)');
      }
    }
  };
  clock.setTimer('pi-trader-collect-flush', options.flushIntervalUs ?? 1_000_000, undefined, undefined, flushAll);

  return {
    onEvent: (event) => collector?.onEvent(event),
    onRawFrame: (venue, frame) => {
      if (!settings.rawFrames) return;
      try {
        recorderFor(venue).write(frame);
        rawFrames++;
      } catch (error) {
        // A full disk must not stop trading: say it once, keep trying on the next frames.
        if (!recorderFailed) logger.error({ err: error, venue }, 'collection: raw frame not recorded');
        recorderFailed = true;
      }
    },
    addInstruments: (list) => {
      if (typeof list === 'function') sources.push(list);
      else add(list);
    },
    enableFeatures: (traded, all, portfolio) => {
      if (collector === undefined || features === false) return;
      const specs = all.map(datasetSpec);
      for (const t of traded) {
        const spec = datasetSpec(t);
        const encoder = new StateEncoder({
          venue: t.venue,
          symbol: t.symbol,
          tickSize: Number(t.tickSize),
          crossVenues: crossVenuesFor(spec, specs),
        });
        collector.addFeatures(t.venue, t.symbol, encoderSource(encoder, portfolio));
      }
    },
    recordingFiles: () => new Map([...recorders].map(([venue, r]) => [venue, r.files])),
    stats: () => ({
      ...(collector?.stats() ?? {
        written: { order_books: 0, trades: 0, ohlcv: 0, features: 0 },
        buffered: 0,
        dropped: 0,
        unknownInstrument: 0,
        lateTrades: 0,
        skippedFeatureRows: 0,
        writeFailures: 0,
      }),
      rawFrames,
    }),
    stop: async () => {
      await collector?.close();
      for (const [venue, r] of recorders) {
        try {
          r.close();
        } catch (error) {
          logger.error({ err: error, venue }, 'collection: recording not closed cleanly');
        }
      }
      await closePostgres?.();
      logger.info({ ...collector?.stats(), rawFrames }, 'collection stopped');
    },
  };
}

/** `features.feature_set` of the rows the pi-trader writes: the encoder's layout version. */
export const FEATURE_SET = `state-encoder-v${ENCODER_VERSION}`;

function datasetSpec(i: CollectedInstrument | InstrumentSpec): DatasetInstrumentSpec {
  const [base = '', rest = ''] = i.symbol.split('/');
  const quote = 'quote' in i ? i.quote : (rest.split(':')[0] ?? '');
  return { venue: i.venue, symbol: i.symbol, tickSize: i.tickSize, base: 'base' in i ? i.base : base, quote };
}

const FLAT: AgentState = { positionFraction: 0, cashFraction: 1 };

/**
 * The agent's state on `venue`/`symbol` at a mid of `midTicks`: signed position value / equity
 * and free quote cash on that venue / equity (both from the portfolio's marked equity).
 */
export function agentState(portfolio: Portfolio, venue: string, symbol: string, midTicks: number): AgentState {
  const equity = Number(portfolio.equityAtoms());
  if (!(equity > 0)) return FLAT;
  let position = 0;
  let quote: string | undefined;
  for (const p of portfolio.positions()) {
    if (p.venue !== venue || p.symbol !== symbol) continue;
    quote = p.instrument.quote;
    if (p.qtyLots !== 0 && Number.isFinite(midTicks))
      position = (p.qtyLots * midTicks * Number(p.instrument.tickLotAtoms)) / equity;
  }
  const cash = quote === undefined || !portfolio.hasAccount(venue) ? equity : Number(portfolio.cashAtoms(venue, quote));
  return { positionFraction: position, cashFraction: cash / equity };
}

/** The collector's view of a `StateEncoder`: its columns (values, then masks) and the agent's state from the portfolio. */
function encoderSource(encoder: StateEncoder, portfolio: () => Portfolio): FeatureSource {
  const columns = [...encoder.features.map((f) => f.name), ...encoder.features.map((f) => `${f.name}${MASK_SUFFIX}`)];
  return {
    version: FEATURE_SET,
    columns,
    onEvent: (e) => encoder.onEvent(e),
    encode: (nowUs) =>
      encoder.encode(nowUs, agentState(portfolio(), encoder.venue, encoder.symbol, encoder.midTicks())),
  };
}
