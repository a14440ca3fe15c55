/**
 * Trajectories for offline RL: each baseline strategy, and seeded ε-perturbed variants of it, run
 * through the same `Engine` as the backtest and the paper trader over a dataset's period; one row
 * per decision step with the dataset's state vector, the action, its size, the reward, the
 * return-to-go and the risk bucket (layout: docs/learning.md, "Trajectory files").
 *
 * The same dataset, recordings, settings and seed give the same file, byte for byte.
 *
 * @module
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { BaseError, type MarketEvent } from '@tickerml/core';
import { openEvents, type RecordedInstrument } from '@tickerml/exchanges';
import {
  BASELINE_STRATEGIES,
  type BaselineMarket,
  createBaseline,
  lotsForNotional,
  type Strategy,
  TradableInstrument,
} from '@tickerml/execution';
import {
  Bool,
  RecordBatch,
  Schema,
  Table,
  tableFromIPC,
  tableToIPC,
  Utf8,
  type Vector,
  vectorFromArray,
} from 'apache-arrow';
import { type Dataset, MASK_SUFFIX, sha256File } from './dataset-file.js';
import type { FeatureSpec } from './encoder.js';
import { type Perturbation, type RolloutResult, rollout, variantRandom } from './rollout.js';

/** Value of the `tickerml.kind` metadata key of a trajectory file. */
export const TRAJECTORIES_KIND = 'trajectories';

/** Lower edge of risk bucket 1: a future adverse excursion of 1 bp of starting equity. */
const FIRST_RISK_EDGE = 1e-4;

/**
 * The risk buckets' lower edges (bucket `b ≥ 1` starts at `1e-4 × 10^(b−1)`, a fraction of
 * starting equity; bucket 0 is everything below 1 bp).
 *
 * @example
 * ```ts
 * riskBucketEdges(4); // [0.0001, 0.001, 0.01]
 * ```
 */
export function riskBucketEdges(buckets: number): number[] {
  return Array.from({ length: buckets - 1 }, (_, b) => Number((FIRST_RISK_EDGE * 10 ** b).toPrecision(12)));
}

/**
 * The risk bucket of a maximum adverse excursion (a fraction of starting equity): 0 below 1 bp,
 * then one bucket per decade, the last open-ended.
 *
 * @example
 * ```ts
 * riskBucket(0.002, 4); // 2 (between 10 bp and 100 bp)
 * ```
 */
export function riskBucket(adverseExcursion: number, buckets: number): number {
  if (!(adverseExcursion >= FIRST_RISK_EDGE)) return 0;
  return Math.min(buckets - 1, 1 + Math.floor(Math.log10(adverseExcursion / FIRST_RISK_EDGE) + 1e-12));
}

/**
 * Bad input to the trajectory builder: a dataset source that is missing or whose sha256 differs,
 * an unknown strategy, a traded instrument with no rows, settings out of range.
 *
 * @example
 * ```ts
 * await openDatasetRecordings(dataset); // throws TrajectoryInputError: sha256 of btc.gz is …, the dataset says …
 * ```
 */
export class TrajectoryInputError extends BaseError {
  override name = 'TrajectoryInputError' as const;
}

/** A dataset's recordings, re-opened and checked against the sha256 in its metadata. */
export interface DatasetRecordings {
  /** The recordings' paths as found. */
  readonly paths: readonly string[];
  /** The instruments of the recordings (tradable on the simulated venues). */
  readonly instruments: readonly RecordedInstrument[];
  /** A fresh pass over the events, in `localTs` order. */
  readonly events: () => AsyncIterable<MarketEvent>;
}

/**
 * Re-opens the recordings a dataset was built from (`tickerml.sources`): each path as written,
 * else relative to the dataset file's folder, and checks each file's sha256 against the metadata.
 *
 * @throws {TrajectoryInputError} when a source is missing, differs from its sha256, or the dataset lists none
 * @example
 * ```ts
 * const recordings = await openDatasetRecordings(readDataset('btc.arrow'));
 * for await (const e of recordings.events()) …
 * ```
 */
export async function openDatasetRecordings(dataset: Dataset): Promise<DatasetRecordings> {
  const sources = dataset.meta.sources;
  if (sources.length === 0) throw new TrajectoryInputError(`${dataset.path} lists no source recordings`);
  const paths: string[] = [];
  for (const source of sources) {
    const candidates = [source.path, ...(isAbsolute(source.path) ? [] : [resolve(dirname(dataset.path), source.path)])];
    const found = candidates.find((p) => existsSync(p));
    if (found === undefined)
      throw new TrajectoryInputError(`source recording ${source.path} of ${dataset.path} is not there`, {
        details: `looked at ${candidates.join(', ')}`,
      });
    const sha256 = await sha256File(found);
    if (sha256 !== source.sha256)
      throw new TrajectoryInputError(
        `sha256 of ${found} is ${sha256}, the dataset says ${source.sha256}: not the recording the dataset was built from`,
      );
    paths.push(found);
  }
  const recording = await openEvents(paths);
  return { paths, instruments: recording.instruments, events: () => recording.events() };
}

/** Options of {@link buildTrajectories}. */
export interface TrajectoryOptions {
  /** The dataset (its rows give the decision times and states). */
  readonly dataset: Dataset;
  /** Its recordings, e.g. from {@link openDatasetRecordings}. */
  readonly recordings: DatasetRecordings;
  /** The instrument traded and recorded. Default: the dataset's first instrument. */
  readonly traded?: { readonly venue: string; readonly symbol: string };
  /** Baseline names (`BASELINE_STRATEGIES`). Default: every one the data allows (arbitrage needs two venues). */
  readonly strategies?: readonly string[];
  /** ε values; 0 is the strategy itself. */
  readonly epsilons: readonly number[];
  /** Runs per (strategy, ε), seeds `seed`, `seed + 1`, … */
  readonly seedsPerVariant: number;
  /** The first seed (engine and perturbations). */
  readonly seed: number;
  /** Episode length, µs (`trajectories.episode`). */
  readonly episodeUs: number;
  /** Number of risk buckets (`trajectories.risk_buckets`). */
  readonly riskBuckets: number;
  /** Quote value of each baseline order, decimal string. Default `'1000'`. */
  readonly orderNotional?: string;
  /** Starting cash per quote currency, decimal string. Default `'10000'`. */
  readonly startingBalance?: string;
  /** Reward scale stored with the file (`decision_transformer.rtg_scale`). */
  readonly rewardScale: number;
  /** Called after each variant with how many are done. */
  readonly onVariant?: (done: number, total: number, name: string) => void;
}

/** One strategy variant's run. */
export interface TrajectoryVariant {
  readonly strategy: string;
  readonly epsilon: number;
  readonly seed: number;
  readonly run: RolloutResult;
}

/** What {@link buildTrajectories} produced. */
export interface Trajectories {
  /** The Arrow IPC file's bytes. */
  readonly bytes: Uint8Array;
  /** Rows written. */
  readonly rows: number;
  /** Episodes written. */
  readonly episodes: number;
  /** The runs, in file order. */
  readonly variants: readonly TrajectoryVariant[];
}

/** The first price (ticks) each instrument trades or quotes at: the baselines size orders from it. */
async function referencePrices(recordings: DatasetRecordings): Promise<Map<string, number>> {
  const prices = new Map<string, number>();
  const wanted = recordings.instruments.length;
  for await (const e of recordings.events()) {
    const key = `${e.venue} ${e.symbol}`;
    if (prices.has(key)) continue;
    const ticks = e.kind === 'trade' ? e.priceTicks : e.kind === 'book_snapshot' ? (e.asks[0]?.priceTicks ?? 0) : 0;
    if (ticks > 0) prices.set(key, ticks);
    if (prices.size >= wanted) break;
  }
  return prices;
}

/** The markets the baselines trade, the traded one first. */
export interface Markets {
  readonly markets: readonly BaselineMarket[];
  /** The position cap in the traded instrument the baselines use: three orders, lots. */
  readonly capLots: number;
}

/**
 * The baselines' markets over a dataset's recordings, with the traded instrument first and its
 * position cap (three orders of `orderNotional`, as the baseline registry sizes them).
 *
 * @throws {TrajectoryInputError} when the traded instrument has no price in the recordings
 */
export async function baselineMarkets(
  recordings: DatasetRecordings,
  traded: { readonly venue: string; readonly symbol: string },
  orderNotional: string,
): Promise<Markets> {
  const prices = await referencePrices(recordings);
  const markets: BaselineMarket[] = [];
  for (const spec of recordings.instruments) {
    const refPriceTicks = prices.get(`${spec.venue} ${spec.symbol}`);
    if (refPriceTicks === undefined) continue;
    const market = { instrument: new TradableInstrument(spec), refPriceTicks };
    if (spec.venue === traded.venue && spec.symbol === traded.symbol) markets.unshift(market);
    else markets.push(market);
  }
  const first = markets[0];
  if (first === undefined || first.instrument.venue !== traded.venue || first.instrument.symbol !== traded.symbol)
    throw new TrajectoryInputError(`${traded.venue} ${traded.symbol} never trades or quotes in the recordings`);
  return { markets, capLots: 3 * lotsForNotional(first.instrument, first.refPriceTicks, orderNotional) };
}

/** Row indices of the dataset for one instrument, in `t0` order. */
export function rowsOf(dataset: Dataset, traded: { readonly venue: string; readonly symbol: string }): number[] {
  const k = dataset.meta.instruments.findIndex((i) => i.venue === traded.venue && i.symbol === traded.symbol);
  if (k < 0) throw new TrajectoryInputError(`${traded.venue} ${traded.symbol} is not an instrument of ${dataset.path}`);
  const rows: number[] = [];
  for (let i = 0; i < dataset.rows; i++) if (dataset.instrument[i] === k) rows.push(i);
  rows.sort((a, b) => (dataset.t0[a] as number) - (dataset.t0[b] as number));
  return rows;
}

/**
 * Runs every variant and lays the rows out as the trajectory file: episodes contiguous and in
 * order, variant after variant. Returns the file's bytes (write them with `writeFileSync`).
 *
 * @throws {TrajectoryInputError} for an unknown strategy, an ε outside [0, 1], a traded instrument without rows
 * @example
 * ```ts
 * const dataset = readDataset('btc.arrow');
 * const t = await buildTrajectories({ dataset, recordings: await openDatasetRecordings(dataset),
 *   epsilons: [0, 0.1], seedsPerVariant: 1, seed: 7, episodeUs: 300_000_000, riskBuckets: 4, rewardScale: 0.01 });
 * writeFileSync('traj.arrow', t.bytes);
 * ```
 */
export async function buildTrajectories(options: TrajectoryOptions): Promise<Trajectories> {
  const { dataset, recordings } = options;
  const first = dataset.meta.instruments[0];
  const traded = options.traded ?? (first === undefined ? undefined : { venue: first.venue, symbol: first.symbol });
  if (traded === undefined) throw new TrajectoryInputError(`${dataset.path} has no instrument`);
  for (const e of options.epsilons)
    if (!(e >= 0 && e <= 1)) throw new TrajectoryInputError(`every epsilon must be in [0, 1], was ${e}`);
  if (!Number.isInteger(options.seedsPerVariant) || options.seedsPerVariant < 1)
    throw new TrajectoryInputError(`seeds per variant must be a positive integer, was ${options.seedsPerVariant}`);
  if (!(options.episodeUs > 0)) throw new TrajectoryInputError(`the episode must be longer than 0 µs`);
  if (!Number.isInteger(options.riskBuckets) || options.riskBuckets < 2)
    throw new TrajectoryInputError(`risk buckets must be an integer ≥ 2, was ${options.riskBuckets}`);
  const rows = rowsOf(dataset, traded);
  if (rows.length === 0)
    throw new TrajectoryInputError(`${dataset.path} has no row for ${traded.venue} ${traded.symbol}`);
  const orderNotional = options.orderNotional ?? '1000';
  const { markets, capLots } = await baselineMarkets(recordings, traded, orderNotional);
  const venues = new Set(markets.map((m) => m.instrument.venue));
  const names = options.strategies ?? BASELINE_STRATEGIES.filter((name) => name !== 'arbitrage' || venues.size >= 2);
  for (const name of names)
    if (!(BASELINE_STRATEGIES as readonly string[]).includes(name))
      throw new TrajectoryInputError(`unknown strategy '${name}' (known: ${BASELINE_STRATEGIES.join(', ')})`);
  const decisionTimes = rows.map((r) => dataset.t0[r] as number);

  const variants: TrajectoryVariant[] = [];
  const total = names.length * options.epsilons.length * options.seedsPerVariant;
  for (const name of names) {
    for (const epsilon of options.epsilons) {
      for (let s = 0; s < options.seedsPerVariant; s++) {
        const seed = options.seed + s;
        const strategy: Strategy = createBaseline(name, markets, { orderNotional });
        const perturbation: Perturbation | undefined =
          epsilon > 0 ? { epsilon, random: variantRandom(seed, `${name}/${epsilon}`) } : undefined;
        const run = await rollout({
          events: recordings.events(),
          instruments: recordings.instruments,
          traded,
          decisionTimesUs: decisionTimes,
          strategy,
          capLots,
          seed,
          ...(options.startingBalance === undefined ? {} : { startingBalance: options.startingBalance }),
          ...(perturbation === undefined ? {} : { perturbation }),
        });
        variants.push({ strategy: name, epsilon, seed, run });
        options.onVariant?.(variants.length, total, `${name} ε=${epsilon} seed ${seed}`);
      }
    }
  }
  return layOut(dataset, rows, variants, options, traded);
}

function layOut(
  dataset: Dataset,
  rows: readonly number[],
  variants: readonly TrajectoryVariant[],
  options: TrajectoryOptions,
  traded: { readonly venue: string; readonly symbol: string },
): Trajectories {
  const steps = rows.length;
  const n = steps * variants.length;
  const F = dataset.meta.features.length;
  const D = dataset.dimension;
  const episode = new Int32Array(n);
  const step = new Int32Array(n);
  const t0 = new BigInt64Array(n);
  const strategy: string[] = new Array<string>(n);
  const epsilon = new Float32Array(n);
  const seed = new Int32Array(n);
  const values = Array.from({ length: F }, () => new Float32Array(n));
  const masks = Array.from({ length: F }, () => new Uint8Array(n));
  const action = new Int8Array(n);
  const size = new Float32Array(n);
  const reward = new Float64Array(n);
  const returnToGo = new Float64Array(n);
  const risk = new Int8Array(n);
  const done: boolean[] = new Array<boolean>(n);
  const firstT0 = dataset.t0[rows[0] as number] as number;
  const episodeOf = (i: number) =>
    Math.floor(((dataset.t0[rows[i] as number] as number) - firstT0) / options.episodeUs);
  let episodeId = -1;
  let out = 0;
  for (const v of variants) {
    const run = v.run;
    const startEquity = run.startingEquity;
    let i = 0;
    while (i < steps) {
      // One episode: steps i..j−1 share episodeOf.
      let j = i + 1;
      while (j < steps && episodeOf(j) === episodeOf(i)) j++;
      episodeId++;
      let togo = 0;
      // Equity after each step (the next step's, or the final equity for the last one).
      let minAfter = Number.POSITIVE_INFINITY;
      for (let k = j - 1; k >= i; k--) {
        const s = run.steps[k] as (typeof run.steps)[number];
        const after = k + 1 < run.steps.length ? (run.steps[k + 1] as typeof s).equity : run.finalEquity;
        if (after < minAfter) minAfter = after;
        togo += s.reward;
        const o = out + (k - i);
        returnToGo[o] = togo;
        const adverse = startEquity === 0 ? 0 : Math.max(0, s.equity - minAfter) / startEquity;
        risk[o] = riskBucket(adverse, options.riskBuckets);
      }
      for (let k = i; k < j; k++) {
        const s = run.steps[k] as (typeof run.steps)[number];
        const row = rows[k] as number;
        episode[out] = episodeId;
        step[out] = k - i;
        t0[out] = BigInt(s.t0Us);
        strategy[out] = v.strategy;
        epsilon[out] = v.epsilon;
        seed[out] = v.seed;
        for (let f = 0; f < F; f++) {
          (values[f] as Float32Array)[out] = dataset.states[row * D + f] as number;
          (masks[f] as Uint8Array)[out] = dataset.states[row * D + F + f] as number;
        }
        action[out] = s.action;
        size[out] = s.size;
        reward[out] = s.reward;
        done[out] = k === j - 1;
        out++;
      }
      i = j;
    }
  }
  const columns: Record<string, Vector> = {
    episode: vectorFromArray(episode),
    step: vectorFromArray(step),
    t0: vectorFromArray(t0),
    strategy: vectorFromArray(strategy, new Utf8()),
    epsilon: vectorFromArray(epsilon),
    seed: vectorFromArray(seed),
  };
  dataset.meta.features.forEach((feature, f) => {
    columns[feature.name] = vectorFromArray(values[f] as Float32Array);
  });
  dataset.meta.features.forEach((feature, f) => {
    columns[`${feature.name}${MASK_SUFFIX}`] = vectorFromArray(masks[f] as Uint8Array);
  });
  columns.action = vectorFromArray(action);
  columns.size = vectorFromArray(size);
  columns.reward = vectorFromArray(reward);
  columns.return_to_go = vectorFromArray(returnToGo);
  columns.risk_bucket = vectorFromArray(risk);
  columns.done = vectorFromArray(done, new Bool());
  const table = new Table(columns);
  const range = n === 0 ? { fromUs: 0, toUs: 0 } : { fromUs: Number(t0[0]), toUs: Number(t0[steps - 1]) };
  const metadata = new Map<string, string>([
    ['tickerml.kind', TRAJECTORIES_KIND],
    ['tickerml.encoder_version', JSON.stringify(dataset.meta.encoderVersion)],
    ['tickerml.features', JSON.stringify(dataset.meta.features)],
    ['tickerml.labels', JSON.stringify(dataset.meta.labels)],
    ['tickerml.interval_us', JSON.stringify(dataset.meta.intervalUs)],
    ['tickerml.sources', JSON.stringify(dataset.meta.sources)],
    ['tickerml.data_range', JSON.stringify(range)],
    ['tickerml.dataset_sha256', dataset.sha256],
    ['tickerml.instrument', JSON.stringify(traded)],
    [
      'tickerml.risk_buckets',
      JSON.stringify({
        count: options.riskBuckets,
        edges: riskBucketEdges(options.riskBuckets),
        unit: 'future maximum adverse excursion, fraction of starting equity',
      }),
    ],
    [
      'tickerml.reward',
      JSON.stringify({
        unit: 'fraction of starting equity',
        scale: options.rewardScale,
        definition: 'change in marked equity (fees, slippage, funding included) since the previous step',
      }),
    ],
    [
      'tickerml.variants',
      JSON.stringify(
        variants.map((v) => ({
          strategy: v.strategy,
          epsilon: v.epsilon,
          seed: v.seed,
          startingEquity: v.run.startingEquity,
          finalEquity: v.run.finalEquity,
        })),
      ),
    ],
  ]);
  const schema = new Schema(table.schema.fields, metadata);
  const withMeta = new Table(
    schema,
    table.batches.map((b) => new RecordBatch(schema, b.data)),
  );
  const episodes = episodeId + 1;
  return { bytes: tableToIPC(withMeta, 'file'), rows: n, episodes, variants };
}

/**
 * Writes `bytes` to `path` through a part file renamed at the end, so a failed run never leaves
 * a half-written trajectory file.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const part = `${path}.part`;
  writeFileSync(part, bytes);
  renameSync(part, path);
}

/** A trajectory file read into typed arrays by {@link readTrajectories}. */
export interface TrajectoryFile {
  readonly path: string;
  /** Number of rows (steps over every variant). */
  readonly rows: number;
  /** The features of the state vectors (`tickerml.features`). */
  readonly features: readonly FeatureSpec[];
  /** sha256 of the dataset the file was built from (`tickerml.dataset_sha256`). */
  readonly datasetSha256: string;
  /** Number of risk buckets and their lower edges (`tickerml.risk_buckets`). */
  readonly riskBuckets: { readonly count: number; readonly edges: readonly number[] };
  /** Reward unit and scale (`tickerml.reward`). */
  readonly rewardInfo: { readonly unit: string; readonly scale: number };
  readonly episode: Int32Array;
  readonly step: Int32Array;
  /** Decision times, µs. */
  readonly t0: Float64Array;
  readonly strategy: readonly string[];
  readonly epsilon: Float32Array;
  readonly seed: Int32Array;
  /** State vectors row-major (`rows × 2F`, values then masks), as in the dataset. */
  readonly states: Float32Array;
  /** 0 sell, 1 hold, 2 buy. */
  readonly action: Int8Array;
  readonly size: Float32Array;
  /** Rewards, fraction of starting equity. */
  readonly reward: Float64Array;
  readonly returnToGo: Float64Array;
  readonly riskBucket: Int8Array;
  /** 1 on an episode's last step. */
  readonly done: Uint8Array;
}

/**
 * Reads a trajectory file written by {@link buildTrajectories}.
 *
 * @throws {TrajectoryInputError} when the file is not a trajectory file or lacks a column
 * @example
 * ```ts
 * const t = readTrajectories('traj.arrow');
 * t.returnToGo[0]; // fraction of starting equity
 * ```
 */
export function readTrajectories(path: string): TrajectoryFile {
  if (!existsSync(path)) throw new TrajectoryInputError(`${path}: no such file`);
  let table: Table;
  try {
    table = tableFromIPC(readFileSync(path));
  } catch (error) {
    throw new TrajectoryInputError(`${path} is not an Arrow IPC file`, { cause: error });
  }
  const md = table.schema.metadata;
  if (md.get('tickerml.kind') !== TRAJECTORIES_KIND)
    throw new TrajectoryInputError(
      `${path}: tickerml.kind is ${JSON.stringify(md.get('tickerml.kind'))}, not "trajectories"`,
    );
  const json = <T>(key: string): T => JSON.parse(md.get(key) ?? 'null') as T;
  const col = (name: string) => {
    const c = table.getChild(name);
    if (c === null) throw new TrajectoryInputError(`${path}: column ${name} is missing`);
    return c;
  };
  const features = json<FeatureSpec[]>('tickerml.features');
  const rows = table.numRows;
  const F = features.length;
  const states = new Float32Array(rows * 2 * F);
  features.forEach((feature, f) => {
    const values = col(feature.name).toArray() as Float32Array;
    const masks = col(`${feature.name}${MASK_SUFFIX}`).toArray() as Uint8Array;
    for (let i = 0; i < rows; i++) {
      states[i * 2 * F + f] = values[i] as number;
      states[i * 2 * F + F + f] = masks[i] as number;
    }
  });
  const t0 = new Float64Array(rows);
  const t0c = col('t0');
  for (let i = 0; i < rows; i++) t0[i] = Number(t0c.get(i) as bigint);
  const done = new Uint8Array(rows);
  const donec = col('done');
  for (let i = 0; i < rows; i++) done[i] = donec.get(i) === true ? 1 : 0;
  const strategyc = col('strategy');
  return {
    path,
    rows,
    features,
    datasetSha256: md.get('tickerml.dataset_sha256') ?? '',
    riskBuckets: json('tickerml.risk_buckets'),
    rewardInfo: json('tickerml.reward'),
    episode: Int32Array.from(col('episode').toArray() as Int32Array),
    step: Int32Array.from(col('step').toArray() as Int32Array),
    t0,
    strategy: Array.from({ length: rows }, (_, i) => strategyc.get(i) as string),
    epsilon: Float32Array.from(col('epsilon').toArray() as Float32Array),
    seed: Int32Array.from(col('seed').toArray() as Int32Array),
    states,
    action: Int8Array.from(col('action').toArray() as Int8Array),
    size: Float32Array.from(col('size').toArray() as Float32Array),
    reward: Float64Array.from(col('reward').toArray() as Float64Array),
    returnToGo: Float64Array.from(col('return_to_go').toArray() as Float64Array),
    riskBucket: Int8Array.from(col('risk_bucket').toArray() as Int8Array),
    done,
  };
}
