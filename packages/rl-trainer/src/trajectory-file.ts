/**
 * Reads a trajectory file (docs/learning.md "Trajectory files (contract)") into the typed arrays
 * the Decision Transformer trains on.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { tableFromIPC } from 'apache-arrow';
import type { TrajectoryRows } from './data.js';
import { TrainingDataError } from './errors.js';

/** A trajectory file in memory. */
export interface TrajectoryFile extends TrajectoryRows {
  readonly path: string;
  /** sha256 of the file, lower-case hex. */
  readonly sha256: string;
  /** `tickerml.dataset_sha256`: the dataset the trajectories were built from. */
  readonly datasetSha256: string;
  readonly encoderVersion: number;
  readonly features: readonly { readonly name: string; readonly unit: string; readonly window: string }[];
  /** `tickerml.interval_us`. */
  readonly intervalUs: number;
  /** Reward of each step (fraction of starting equity): the equity change until the next step. */
  readonly reward: Float64Array;
  /** `tickerml.risk_buckets` count. */
  readonly riskBuckets: number;
  /**
   * When each row's return-to-go is known: the episode's last decision time plus one interval,
   * µs. The quarantine checks these (a step's target depends on every later reward of its episode).
   */
  readonly labelEndUs: Float64Array;
  /** First `t0` and last label end, µs. */
  readonly dataRange: { readonly fromUs: number; readonly toUs: number };
}

/**
 * Reads a trajectory file.
 * @throws {@link TrainingDataError} when the file is missing, not Arrow IPC, not trajectories, or lacks a column.
 * @example
 * ```ts
 * const trajectories = readTrajectoryFile('btc.trajectories.arrow');
 * trajectories.action[0]; // 0 sell, 1 hold, 2 buy
 * ```
 */
export function readTrajectoryFile(path: string): TrajectoryFile {
  if (!existsSync(path)) throw new TrainingDataError(`${path}: no such trajectory file`);
  const bytes = readFileSync(path);
  let table: ReturnType<typeof tableFromIPC>;
  try {
    table = tableFromIPC(bytes);
  } catch (error) {
    throw new TrainingDataError(`${path}: not an Arrow IPC file`, { cause: error });
  }
  const meta = table.schema.metadata;
  const json = (key: string): unknown => {
    const text = meta.get(key);
    if (text === undefined) throw new TrainingDataError(`${path}: metadata key ${key} is missing`);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text; // plain-text values (kind, sha256)
    }
  };
  if (json('tickerml.kind') !== 'trajectories')
    throw new TrainingDataError(`${path}: tickerml.kind is not "trajectories"`);
  const features = json('tickerml.features') as { name: string; unit: string; window: string }[];
  const risk = json('tickerml.risk_buckets') as { count: number } | number;
  const intervalUs = Number(json('tickerml.interval_us'));
  const n = table.numRows;
  const f = features.length;
  const s = 2 * f;
  const col = (name: string) => {
    const c = table.getChild(name);
    if (c === null) throw new TrainingDataError(`${path}: column ${name} is missing`);
    return c;
  };
  const numbers = (name: string): Float64Array => {
    const c = col(name);
    const out = new Float64Array(n);
    let i = 0;
    for (const v of c) out[i++] = Number(v);
    return out;
  };
  const states = new Float32Array(n * s);
  features.forEach((feature, j) => {
    const values = numbers(feature.name);
    const masks = numbers(`${feature.name}__mask`);
    for (let i = 0; i < n; i++) {
      states[i * s + j] = values[i] as number;
      states[i * s + f + j] = masks[i] as number;
    }
  });
  const t0 = numbers('t0');
  const episode = Int32Array.from(numbers('episode'));
  const labelEndUs = new Float64Array(n);
  for (let end = n - 1, i = n - 1; i >= 0; i--) {
    if (i === n - 1 || episode[i + 1] !== episode[i]) end = i;
    labelEndUs[i] = (t0[end] as number) + intervalUs;
  }
  let fromUs = Number.POSITIVE_INFINITY;
  let toUs = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    fromUs = Math.min(fromUs, t0[i] as number);
    toUs = Math.max(toUs, labelEndUs[i] as number);
  }
  return {
    path,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    datasetSha256: String(json('tickerml.dataset_sha256')),
    encoderVersion: Number(json('tickerml.encoder_version')),
    features,
    intervalUs,
    riskBuckets: typeof risk === 'number' ? risk : risk.count,
    stateDim: s,
    states,
    t0,
    episode,
    action: Int8Array.from(numbers('action')),
    size: Float32Array.from(numbers('size')),
    returnToGo: numbers('return_to_go'),
    reward: numbers('reward'),
    riskBucket: Int8Array.from(numbers('risk_bucket')),
    labelEndUs,
    dataRange: n === 0 ? { fromUs: 0, toUs: 0 } : { fromUs, toUs },
  };
}
