/**
 * In-memory training data for the two models, as flat typed arrays, and the state
 * normalisation fitted on training rows only.
 *
 * @module
 */
import { TrainingDataError } from './errors.js';

/** Per-dimension `(state − mean) / std` (docs/learning.md "Normalisation"). */
export interface StateNormalisation {
  /** Per dimension of the state vector; mask dimensions 0. */
  readonly mean: ArrayLike<number>;
  /** Per dimension, > 0; mask dimensions 1. */
  readonly std: ArrayLike<number>;
}

/**
 * Rows for pretraining: one state per decision time, with the direction, volatility and spread
 * labels, grouped in instruments' contiguous runs.
 */
export interface PretrainRows {
  /** S: floats per state (`2F`). */
  readonly stateDim: number;
  /** `N·S` raw encoder vectors, row-major. */
  readonly states: Float32Array;
  /** Decision time of each row, µs. */
  readonly t0: Float64Array;
  /** Instrument key of each row (`venue:symbol`); a sequence never crosses instruments. */
  readonly instrument: readonly string[];
  /** Per horizon name, `N` directions −1, 0, +1. */
  readonly direction: ReadonlyMap<string, Int8Array>;
  /** Future realised volatility, bps. */
  readonly volatility: Float32Array;
  /** Future mean spread, bps. */
  readonly spread: Float32Array;
}

/** Rows of offline trajectories: episodes contiguous and in order. */
export interface TrajectoryRows {
  readonly stateDim: number;
  /** `N·S` raw encoder vectors. */
  readonly states: Float32Array;
  readonly t0: Float64Array;
  readonly episode: Int32Array;
  /** 0 sell, 1 hold, 2 buy. */
  readonly action: Int8Array;
  /** In [0, 1]. */
  readonly size: Float32Array;
  /** Unscaled return-to-go (fraction of starting equity). */
  readonly returnToGo: Float64Array;
  readonly riskBucket: Int8Array;
}

/**
 * Fits the normalisation on the rows `rows` only: mean and population std per value
 * dimension; mask dimensions (the second half) get mean 0, std 1; a zero std is stored as 1.
 *
 * @example
 * ```ts
 * const norm = fitNormalisation(states, 4, [0, 1, 2]); // rows 0..2 of a 4-wide state
 * ```
 */
export function fitNormalisation(states: Float32Array, stateDim: number, rows: readonly number[]): StateNormalisation {
  if (rows.length === 0) throw new TrainingDataError('cannot fit the normalisation on no rows');
  const features = stateDim / 2;
  const mean = new Array<number>(stateDim).fill(0);
  const std = new Array<number>(stateDim).fill(1);
  for (let j = 0; j < stateDim; j++) {
    if (j >= features) {
      mean[j] = 0;
      continue;
    }
    let sum = 0;
    for (const r of rows) sum += states[r * stateDim + j] ?? 0;
    const m = sum / rows.length;
    let sq = 0;
    for (const r of rows) sq += ((states[r * stateDim + j] ?? 0) - m) ** 2;
    const s = Math.sqrt(sq / rows.length);
    mean[j] = m;
    std[j] = s > 0 && Number.isFinite(s) ? s : 1;
  }
  return { mean, std };
}

/** Copies row `row` of `states`, normalised, into `out` at `offset`. */
export function writeNormalised(
  states: Float32Array,
  stateDim: number,
  row: number,
  norm: StateNormalisation,
  out: Float32Array,
  offset: number,
): void {
  for (let j = 0; j < stateDim; j++) {
    out[offset + j] = ((states[row * stateDim + j] ?? 0) - (norm.mean[j] ?? 0)) / (norm.std[j] ?? 1);
  }
}

/**
 * Splits example indices ordered by time into training and validation: the latest
 * `fraction` of them (at least one when `fraction > 0` and there are two or more) validate.
 */
export function splitValidation(
  indices: readonly number[],
  timeOf: (i: number) => number,
  fraction: number,
): { train: number[]; validation: number[] } {
  const sorted = [...indices].sort((a, b) => timeOf(a) - timeOf(b) || a - b);
  const count = fraction > 0 && sorted.length >= 2 ? Math.max(1, Math.floor(sorted.length * fraction)) : 0;
  return { train: sorted.slice(0, sorted.length - count), validation: sorted.slice(sorted.length - count) };
}

/**
 * Start rows of pretraining sequences of `length` consecutive rows of one instrument, every
 * `stride` rows (a run shorter than `length` yields none).
 */
export function sequenceStarts(rows: PretrainRows, length: number, stride: number): number[] {
  const starts: number[] = [];
  let runStart = 0;
  const n = rows.t0.length;
  for (let i = 1; i <= n; i++) {
    if (i === n || rows.instrument[i] !== rows.instrument[runStart]) {
      for (let s = runStart; s + length <= i; s += stride) starts.push(s);
      runStart = i;
    }
  }
  return starts;
}
