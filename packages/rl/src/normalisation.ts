/**
 * Normalisation statistics of the state vector, fitted on training rows only and stored with the
 * model (the ONNX graph applies `(state − mean) / std` itself).
 *
 * @module
 */
import { RlOptionError } from './errors.js';
import type { StateNormalisation } from './model/reference.js';

/**
 * Fits the mean and standard deviation of each vector entry over the given training rows only:
 * a row not listed is never read, so no statistic of a test fold can reach the model.
 *
 * - Value entries (the first `F`): mean and population standard deviation (÷ n) over the rows
 *   where the feature is present (its mask is 1), computed in float64 with two passes; an entry
 *   never present gets mean 0 and std 1. A std that is 0 (or rounds to 0 in float32) is stored as 1.
 * - Mask entries (the last `F`): mean 0, std 1, so masks reach the model as the 0/1 they are.
 *
 * @param states - row-major vectors (`rows × dimension`, values then masks), e.g. `readDataset(...).states`.
 * @param dimension - vector length `2F`.
 * @param trainRows - indices of the training rows (any order, each once).
 * @throws {RlOptionError} when `dimension` is not a positive even number, `states` is not a whole
 * number of rows, or a row index is out of range.
 * @example
 * ```ts
 * const ds = readDataset('btc.arrow');
 * const norm = fitNormalisation(ds.states, ds.dimension, split.train);
 * ```
 */
export function fitNormalisation(
  states: Float32Array,
  dimension: number,
  trainRows: ArrayLike<number>,
): StateNormalisation {
  if (!Number.isSafeInteger(dimension) || dimension <= 0 || dimension % 2 !== 0)
    throw new RlOptionError('dimension', 'a positive even vector length (values then masks)', dimension);
  if (states.length % dimension !== 0)
    throw new RlOptionError('states', `a whole number of ${dimension}-entry rows`, states.length);
  const rows = states.length / dimension;
  const F = dimension / 2;
  for (let r = 0; r < trainRows.length; r++) {
    const row = trainRows[r] as number;
    if (!Number.isSafeInteger(row) || row < 0 || row >= rows)
      throw new RlOptionError(`trainRows[${r}]`, `a row index in [0, ${rows})`, row);
  }
  const count = new Float64Array(F);
  const sum = new Float64Array(F);
  for (let r = 0; r < trainRows.length; r++) {
    const base = (trainRows[r] as number) * dimension;
    for (let k = 0; k < F; k++) {
      if (states[base + F + k] !== 1) continue;
      count[k] = (count[k] as number) + 1;
      sum[k] = (sum[k] as number) + (states[base + k] as number);
    }
  }
  const mean64 = new Float64Array(F);
  for (let k = 0; k < F; k++) mean64[k] = (count[k] as number) > 0 ? (sum[k] as number) / (count[k] as number) : 0;
  const squares = new Float64Array(F);
  for (let r = 0; r < trainRows.length; r++) {
    const base = (trainRows[r] as number) * dimension;
    for (let k = 0; k < F; k++) {
      if (states[base + F + k] !== 1) continue;
      const d = (states[base + k] as number) - (mean64[k] as number);
      squares[k] = (squares[k] as number) + d * d;
    }
  }
  const mean = new Float32Array(dimension);
  const std = new Float32Array(dimension).fill(1);
  for (let k = 0; k < F; k++) {
    const n = count[k] as number;
    if (n === 0) continue;
    mean[k] = mean64[k] as number;
    std[k] = Math.sqrt((squares[k] as number) / n);
    if (!(std[k] as number) || !Number.isFinite(std[k] as number)) std[k] = 1;
  }
  return { mean, std };
}

/**
 * Applies `(state − mean) / std` to one vector (what the ONNX graph does), into `out`.
 *
 * @example
 * ```ts
 * normalise(encoder.encode(t0, agent), norm);
 * ```
 */
export function normalise(state: ArrayLike<number>, norm: StateNormalisation, out?: Float32Array): Float32Array {
  const n = norm.mean.length;
  if (state.length !== n) throw new RlOptionError('state', `a vector of ${n} entries`, state.length);
  const v = out ?? new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = ((state[i] as number) - (norm.mean[i] as number)) / (norm.std[i] as number);
  return v;
}
