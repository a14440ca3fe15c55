/**
 * The dataset builder: recordings (or any `localTs`-ordered event stream) in, an Arrow dataset
 * out, one row per decision time per instrument with the state vector and the pretraining labels.
 *
 * Data flow: events in `localTs` order (`openEvents` of `@tickerml/exchanges`: several files
 * merged by `localTs`, never going back in time) → one {@link StateEncoder} per instrument →
 * a {@link DecisionSampler} on the interval grid → at each `t0`, the vector of every instrument
 * whose book is present, encoded from the events with `localTs ≤ t0` → held until `t1 = t0 +`
 * the longest horizon has passed → labels from the book's mid and spread over `(t0, t1]` → a
 * row in the {@link DatasetWriter}. A row whose horizon runs past the last event, or whose label
 * window crosses a stretch where the book was absent, is dropped, never truncated.
 *
 * @module
 */
import type { MarketEvent } from '@tickerml/core';
import { openEvents, type ReadEventsOptions, type RecordedInstrument } from '@tickerml/exchanges';
import { type NewsItem, readNewsRecording, type SentimentScorer, VaderScorer } from '@tickerml/news';
import {
  type DatasetInstrument,
  type DatasetMeta,
  type DatasetSource,
  DatasetWriter,
  sha256File,
} from './dataset-file.js';
import {
  type AssetSentiment,
  type CrossVenueQuote,
  ENCODER_VERSION,
  type FeatureSpec,
  StateEncoder,
} from './encoder.js';
import { DatasetInputError, RlOptionError } from './errors.js';
import {
  DEFAULT_LABEL_SETTINGS,
  type LabelSettings,
  type LabelSpec,
  LabelTracker,
  labelSpecs,
  maxHorizonUs,
} from './labels.js';
import { DEFAULT_MAX_GAP_US, DecisionSampler } from './sampler.js';

/** An instrument to build rows for. */
export interface DatasetInstrumentSpec {
  readonly venue: string;
  readonly symbol: string;
  /** Price of one tick in the quote currency, as a decimal string (e.g. `"0.01"`). */
  readonly tickSize: string;
  /** Base currency (e.g. `BTC`), used to find the same asset on other venues. */
  readonly base: string;
  /** Quote currency (e.g. `USDT`). */
  readonly quote: string;
}

/** Progress of a build, passed to {@link BuildDatasetOptions.onProgress}. */
export interface DatasetProgress {
  /** Events read so far. */
  readonly events: number;
  /** Rows written so far. */
  readonly rows: number;
  /** `localTs` of the latest event, µs. */
  readonly localTs: number;
}

/** Options shared by {@link buildDataset} and {@link buildDatasetFromEvents}. */
export interface DatasetBuildSettings {
  /** The dataset file to write. */
  readonly out: string;
  /** Decision interval, µs. Defaults to 1 s. */
  readonly intervalUs?: number;
  /** Label settings. Defaults to {@link DEFAULT_LABEL_SETTINGS}. */
  readonly labels?: LabelSettings;
  /** Deepest book imbalance of the encoder (`dataset.book_levels`). Defaults to 10. */
  readonly bookLevels?: number;
  /** Only these instruments (`venue` and `symbol`); defaults to every instrument with data. */
  readonly only?: readonly { readonly venue: string; readonly symbol: string }[];
  /** Called every `progressEvery` events and at the end. */
  readonly onProgress?: (progress: DatasetProgress) => void;
  /** Events between progress calls. Defaults to 50,000. */
  readonly progressEvery?: number;
  /**
   * Longest silence still sampled through, µs (default 60 s). A longer silence between two events
   * of the input is a hole (a box that was off, recordings of different days): no decision inside
   * it, and a label window reaching into it is absent (the row is dropped). An instrument whose
   * book had no event for this long is absent too (its feed stopped) until its next book event.
   */
  readonly maxGapUs?: number;
  /**
   * Scored news items (see {@link scoreNewsRecordings}): each instrument's encoder gets the
   * `news_sentiment` and `news_weight` features of its base asset, counting an item from its
   * `localTs` only. Without it the dataset has no news columns.
   */
  readonly news?: {
    readonly items: readonly ScoredNewsItem[];
    /** Half-life of an item's weight, µs. Defaults to 1 h. */
    readonly halfLifeUs?: number;
  };
}

/** A news item with its scores per asset. */
export interface ScoredNewsItem {
  readonly item: NewsItem;
  readonly scores: readonly AssetSentiment[];
}

/**
 * Reads news recordings (`NewsRecorder` files of the box) and scores every item for each asset it
 * mentions with `scorer` (the offline VADER lexicon by default: deterministic, so a dataset is
 * reproducible), sorted by `localTs`. Also returns the files' sha256 for the dataset's metadata.
 *
 * @example
 * ```ts
 * const news = await scoreNewsRecordings(['data/recordings/news-2026-12-07.jsonl.gz']);
 * await buildDataset({ sources, out, news: { items: news.items } });
 * ```
 */
export async function scoreNewsRecordings(
  paths: readonly string[],
  scorer: SentimentScorer = new VaderScorer(),
): Promise<{ items: ScoredNewsItem[]; sources: DatasetSource[] }> {
  const items: ScoredNewsItem[] = [];
  const sources: DatasetSource[] = [];
  for (const path of paths) {
    sources.push({ path, sha256: await sha256File(path) });
    for await (const item of readNewsRecording(path)) {
      const scores: AssetSentiment[] = [];
      for (const asset of item.assets) {
        const score = await scorer.score(item, asset);
        if (score !== null) scores.push({ asset, ...score });
      }
      items.push({ item, scores });
    }
  }
  items.sort((a, b) => a.item.localTs - b.item.localTs);
  return { items, sources };
}

/** Options of {@link buildDataset}. */
export interface BuildDatasetOptions extends DatasetBuildSettings {
  /** Recording files (any format `tickerml replay` reads), merged by `localTs`. */
  readonly sources: readonly string[];
  /** Options of `openEvents` (instrument metadata, cache directory, reorder window). */
  readonly read?: ReadEventsOptions;
  /** News recordings of the box (`news-*.jsonl.gz`), scored offline with VADER and merged by `localTs`. */
  readonly newsRecordings?: readonly string[];
}

/** Options of {@link buildDatasetFromEvents}. */
export interface BuildDatasetFromEventsOptions extends DatasetBuildSettings {
  /** Events in non-decreasing `localTs`. */
  readonly events: AsyncIterable<MarketEvent> | Iterable<MarketEvent>;
  /** Every instrument of the events (rows are built for these, or `only` of them). */
  readonly instruments: readonly DatasetInstrumentSpec[];
  /** Where the events came from, with hashes (written to the metadata). */
  readonly sources: readonly DatasetSource[];
}

/** What a build wrote. */
export interface DatasetSummary {
  readonly path: string;
  readonly rows: number;
  /** Decisions dropped because the horizon ran past the last event. */
  readonly droppedAtEnd: number;
  /** Decisions dropped because the book was absent at `t0` or inside a label window. */
  readonly droppedAbsent: number;
  readonly events: number;
  readonly meta: DatasetMeta;
  /** sha256 of the dataset file. */
  readonly sha256: string;
}

const USD_LIKE = new Set(['USD', 'USDT', 'USDC', 'FDUSD', 'BUSD', 'TUSD', 'DAI']);

function sameAsset(a: DatasetInstrumentSpec, b: DatasetInstrumentSpec): boolean {
  return a.base === b.base && (a.quote === b.quote || (USD_LIKE.has(a.quote) && USD_LIKE.has(b.quote)));
}

/**
 * The encoder's cross venues for `instrument`: one entry per venue of the dataset (sorted), with
 * the same asset's symbol on that venue (same base; same quote or both USD-like), or none (the
 * instrument's own venue, a venue without the asset): every instrument gets the same columns.
 */
export function crossVenuesFor(
  instrument: DatasetInstrumentSpec,
  all: readonly DatasetInstrumentSpec[],
): CrossVenueQuote[] {
  const venues = [...new Set(all.map((i) => i.venue))].sort();
  return venues.map((venue) => {
    if (venue === instrument.venue) return { venue };
    const other = all.find((i) => i.venue === venue && sameAsset(i, instrument));
    return other === undefined ? { venue } : { venue, symbol: other.symbol, tickSize: Number(other.tickSize) };
  });
}

interface Pending {
  readonly t0: number;
  readonly slot: number;
  readonly state: Float32Array;
  readonly mid0: number;
  readonly spread0: number;
}

interface Slot {
  readonly spec: DatasetInstrumentSpec;
  readonly encoder: StateEncoder;
  readonly labels: LabelTracker;
  /** `localTs` of the instrument's latest book event, µs. */
  lastBookUs: number;
  /** True once the book went `maxGapUs` without an event (until its next one). */
  stale: boolean;
}

const FLAT_AGENT = { positionFraction: 0, cashFraction: 1 } as const;

/**
 * Builds a dataset from events already in `localTs` order (a recording read with `openEvents`,
 * rows of the storage tables, a synthetic stream in tests). The agent features of the rows are
 * those of a flat account (position 0, cash 1); trajectories fill in the agent's own.
 *
 * @throws {RlOptionError} on a bad interval or label settings.
 * @throws {DatasetInputError} when no instrument is left to build rows for.
 * @example
 * ```ts
 * const summary = await buildDatasetFromEvents({
 *   events, instruments: [{ venue: 'binance', symbol: 'BTC/USDT', tickSize: '0.01', base: 'BTC', quote: 'USDT' }],
 *   sources: [], out: 'btc.arrow',
 * });
 * ```
 */
export async function buildDatasetFromEvents(options: BuildDatasetFromEventsOptions): Promise<DatasetSummary> {
  const intervalUs = options.intervalUs ?? 1_000_000;
  if (!Number.isSafeInteger(intervalUs) || intervalUs <= 0)
    throw new RlOptionError('intervalUs', 'a positive whole number of microseconds', intervalUs);
  const specs: LabelSpec[] = labelSpecs(options.labels ?? DEFAULT_LABEL_SETTINGS);
  const horizonUs = maxHorizonUs(specs);
  const all = options.instruments;
  const chosen =
    options.only === undefined
      ? all
      : all.filter((i) => options.only?.some((o) => o.venue === i.venue && o.symbol === i.symbol));
  if (options.only !== undefined) {
    for (const o of options.only)
      if (!chosen.some((i) => i.venue === o.venue && i.symbol === o.symbol))
        throw new DatasetInputError(
          `no data for ${o.venue} ${o.symbol} in the input (instruments: ${all.map((i) => `${i.venue} ${i.symbol}`).join(', ') || 'none'})`,
        );
  }
  if (chosen.length === 0) throw new DatasetInputError('no instrument with book or trade data in the input');
  const slots: Slot[] = chosen.map((spec) => {
    const encoder = new StateEncoder({
      venue: spec.venue,
      symbol: spec.symbol,
      tickSize: Number(spec.tickSize),
      crossVenues: crossVenuesFor(spec, all),
      ...(options.bookLevels === undefined ? {} : { bookLevels: options.bookLevels }),
      ...(options.news === undefined
        ? {}
        : {
            news: {
              asset: spec.base,
              ...(options.news.halfLifeUs === undefined ? {} : { halfLifeUs: options.news.halfLifeUs }),
            },
          }),
    });
    return { spec, encoder, labels: new LabelTracker(specs), lastBookUs: Number.NEGATIVE_INFINITY, stale: false };
  });
  const features: readonly FeatureSpec[] = (slots[0] as Slot).encoder.features;
  const instruments: DatasetInstrument[] = slots.map((s) => ({
    venue: s.spec.venue,
    symbol: s.spec.symbol,
    tickSize: s.spec.tickSize,
    crossVenues: crossVenuesFor(s.spec, all).map((c) =>
      c.symbol === undefined ? { venue: c.venue } : { venue: c.venue, symbol: c.symbol },
    ),
  }));

  const writer = new DatasetWriter(options.out, features, specs);
  const pending: Pending[] = [];
  let pendingHead = 0;
  let droppedAbsent = 0;
  let droppedAtEnd = 0;
  const labelValues = new Float64Array(specs.length);

  const maxGapUs = options.maxGapUs ?? DEFAULT_MAX_GAP_US;
  const sampler = new DecisionSampler(
    intervalUs,
    (t0) => {
      for (let s = 0; s < slots.length; s++) {
        const slot = slots[s] as Slot;
        const mid0 = slot.encoder.midTicks();
        if (Number.isNaN(mid0) || t0 - slot.lastBookUs >= maxGapUs) {
          droppedAbsent++;
          continue;
        }
        const state = slot.encoder.encode(t0, FLAT_AGENT);
        pending.push({ t0, slot: s, state, mid0, spread0: slot.encoder.spreadBps() });
      }
    },
    maxGapUs,
  );

  /** Writes every pending decision whose label window ended before `beforeUs` (or at/before, with `inclusive`). */
  const settle = (limitUs: number, inclusive: boolean): void => {
    while (pendingHead < pending.length) {
      const p = pending[pendingHead] as Pending;
      const t1 = p.t0 + horizonUs;
      if (inclusive ? t1 > limitUs : t1 >= limitUs) break;
      pendingHead++;
      const slot = slots[p.slot] as Slot;
      if (slot.labels.labels(p.t0, p.mid0, p.spread0, labelValues))
        writer.append(p.t0, t1, slot.spec.venue, slot.spec.symbol, p.state, labelValues);
      else droppedAbsent++;
    }
    if (pendingHead > 1024 && pendingHead * 2 > pending.length) {
      pending.splice(0, pendingHead);
      pendingHead = 0;
    }
    const oldest = pendingHead < pending.length ? (pending[pendingHead] as Pending).t0 : limitUs;
    for (const slot of slots) slot.labels.forgetBefore(oldest);
  };

  let events = 0;
  let lastTs = Number.NEGATIVE_INFINITY;
  const every = options.progressEvery ?? 50_000;
  // News reaches the encoders as the stream passes each item's localTs; the encoder counts an
  // item only at decisions at or after its localTs, so handing it over early is still causal.
  const newsItems = options.news?.items ?? [];
  let nextNews = 0;
  try {
    for await (const e of options.events as AsyncIterable<MarketEvent>) {
      const ts = e.localTs;
      if (ts > lastTs) {
        // A book silent for maxGapUs is absent from then on (its feed stopped, or the data has a
        // hole): labels must not read a frozen mid across that stretch.
        // A hole in the whole input: every book is unknown from just after its last event.
        const hole = ts - lastTs > maxGapUs;
        for (const slot of slots) {
          if (slot.stale || slot.lastBookUs === Number.NEGATIVE_INFINITY) continue;
          if (hole) slot.labels.record(lastTs + 1, Number.NaN, Number.NaN);
          else if (ts - slot.lastBookUs > maxGapUs)
            slot.labels.record(slot.lastBookUs + maxGapUs, Number.NaN, Number.NaN);
          else continue;
          slot.stale = true;
        }
        while (nextNews < newsItems.length && (newsItems[nextNews] as ScoredNewsItem).item.localTs <= ts) {
          const n = newsItems[nextNews++] as ScoredNewsItem;
          for (const slot of slots) slot.encoder.onNews(n.item, n.scores);
        }
        sampler.beforeEvent(ts);
        settle(ts, false);
        lastTs = ts;
      }
      for (let s = 0; s < slots.length; s++) {
        const slot = slots[s] as Slot;
        slot.encoder.onEvent(e);
        if (e.venue === slot.spec.venue && e.symbol === slot.spec.symbol && e.kind !== 'trade') {
          slot.labels.record(ts, slot.encoder.midTicks(), slot.encoder.spreadBps());
          if (e.kind === 'book_snapshot' || e.kind === 'book_delta') {
            slot.lastBookUs = ts;
            slot.stale = false;
          }
        }
      }
      if (++events % every === 0) options.onProgress?.({ events, rows: writer.rows, localTs: ts });
    }
    if (events > 0) {
      sampler.finish(lastTs);
      settle(lastTs, true);
    }
    droppedAtEnd = pending.length - pendingHead;
  } catch (error) {
    writer.abort();
    throw error;
  }
  options.onProgress?.({ events, rows: writer.rows, localTs: lastTs });
  const meta = await writer.finish({
    encoderVersion: ENCODER_VERSION,
    intervalUs,
    sources: options.sources,
    instruments,
  });
  return {
    path: options.out,
    rows: writer.rows,
    droppedAtEnd,
    droppedAbsent,
    events,
    meta,
    sha256: await sha256File(options.out),
  };
}

function specOf(i: RecordedInstrument): DatasetInstrumentSpec {
  return { venue: i.venue, symbol: i.symbol, tickSize: i.tickSize, base: i.base, quote: i.quote };
}

/**
 * Builds a dataset from recordings: every file `tickerml replay` reads, several merged by
 * `localTs` (`openEvents` of `@tickerml/exchanges`), streamed (a day-long recording is never in
 * memory). The sources' sha256 go into the metadata.
 *
 * @throws {DatasetInputError} when there is no source or no instrument, wrapping the reader's
 * errors (an unreadable or unknown recording) as its cause.
 * @throws {RlOptionError} on a bad interval or label settings.
 * @example
 * ```ts
 * const summary = await buildDataset({ sources: ['btcusdt.gz'], out: 'btc.arrow', intervalUs: 1_000_000 });
 * console.log(`${summary.rows} rows`);
 * ```
 */
export async function buildDataset(options: BuildDatasetOptions): Promise<DatasetSummary> {
  if (options.sources.length === 0) throw new DatasetInputError('no recording given');
  let recording: Awaited<ReturnType<typeof openEvents>>;
  try {
    recording = await openEvents(options.sources, options.read ?? {});
  } catch (error) {
    throw new DatasetInputError(
      `cannot read ${options.sources.join(', ')}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
      error,
    );
  }
  const sources: DatasetSource[] = [];
  for (const path of options.sources) sources.push({ path, sha256: await sha256File(path) });
  const news = options.newsRecordings === undefined ? undefined : await scoreNewsRecordings(options.newsRecordings);
  return buildDatasetFromEvents({
    ...options,
    events: recording.events(),
    instruments: recording.instruments.map(specOf),
    sources: [...sources, ...(news?.sources ?? [])],
    ...(news === undefined
      ? {}
      : {
          news: { items: news.items, ...(options.news === undefined ? {} : { halfLifeUs: options.news.halfLifeUs }) },
        }),
  });
}
