/**
 * Pretraining the backbone on state sequences: direction (three classes per horizon), future
 * volatility and future spread at every position, weighted per `backbone.loss_weights`.
 *
 * @module
 */
import { SeededRandom } from '@tickerml/core';
import {
  fitNormalisation,
  type PretrainRows,
  type StateNormalisation,
  sequenceStarts,
  splitValidation,
  writeNormalised,
} from './data.js';
import { TrainingDataError } from './errors.js';
import { type BackboneConfig, backboneSpecs, pretrainForward, pretrainHeadSpecs } from './model.js';
import { maskedCrossEntropy, maskedMse } from './ops.js';
import { ParameterSet } from './params.js';
import { tf } from './tf.js';
import { type FitOptions, type FitResult, fit, type TrainingTask } from './trainer.js';

/** Weights of the pretraining losses (`backbone.loss_weights`). */
export interface PretrainLossWeights {
  readonly direction: number;
  readonly volatility: number;
  readonly spread: number;
}

/** Mean and std of a regression label, fitted on training rows. */
export interface LabelStats {
  readonly mean: number;
  readonly std: number;
}

/** Inputs of {@link pretrainBackbone}. */
export interface PretrainOptions {
  readonly rows: PretrainRows;
  /** Backbone sizes; `stateDim` must equal `rows.stateDim`. */
  readonly config: BackboneConfig;
  readonly lossWeights: PretrainLossWeights;
  /** Rows per sequence (≤ `config.maxTokens`). */
  readonly sequenceLength: number;
  /** Rows between consecutive sequence starts (default half a sequence). */
  readonly stride?: number;
  readonly validationFraction: number;
  readonly fit: FitOptions;
}

/** What {@link pretrainBackbone} returns; the caller owns and disposes `params`. */
export interface PretrainedBackbone {
  /** Backbone and `pretrain.*` head weights. */
  readonly params: ParameterSet;
  readonly normalisation: StateNormalisation;
  readonly labelStats: { readonly volatility: LabelStats; readonly spread: LabelStats };
  readonly result: FitResult;
  /** Sequences trained on / validated on. */
  readonly trainSequences: number;
  readonly validationSequences: number;
  /** Rows under the training sequences (the normalisation's rows). */
  readonly trainRows: number;
}

function stats(values: Float32Array, rows: readonly number[]): LabelStats {
  const finite = rows.map((r) => values[r] ?? Number.NaN).filter((v) => Number.isFinite(v));
  let sum = 0;
  for (const v of finite) sum += v;
  const mean = sum / Math.max(1, finite.length);
  let sq = 0;
  for (const v of finite) sq += (v - mean) ** 2;
  const std = Math.sqrt(sq / Math.max(1, finite.length));
  return { mean, std: std > 0 ? std : 1 };
}

/** The pretraining loss as a {@link TrainingTask} over sequence start rows. */
export function pretrainTask(
  params: ParameterSet,
  options: Pick<PretrainOptions, 'rows' | 'config' | 'lossWeights' | 'sequenceLength'>,
  normalisation: StateNormalisation,
  labelStats: PretrainedBackbone['labelStats'],
  starts: readonly number[],
  trainStarts: readonly number[],
  validationStarts: readonly number[],
): TrainingTask {
  const { rows, config, lossWeights, sequenceLength: t } = options;
  const s = rows.stateDim;
  const horizons = [...rows.direction.keys()];
  return {
    params,
    trainable: params.names(),
    trainIndices: trainStarts,
    validationIndices: validationStarts,
    loss(indices) {
      const b = indices.length;
      const states = new Float32Array(b * t * s);
      const dir = horizons.map(() => new Float32Array(b * t * 3));
      const vol = new Float32Array(b * t);
      const spr = new Float32Array(b * t);
      // A label the builder could not compute (NaN) weighs 0 in its loss.
      const volWeight = new Float32Array(b * t);
      const sprWeight = new Float32Array(b * t);
      indices.forEach((index, bi) => {
        const start = starts[index] ?? 0;
        for (let k = 0; k < t; k++) {
          const row = start + k;
          const at = bi * t + k;
          writeNormalised(rows.states, s, row, normalisation, states, at * s);
          horizons.forEach((h, hi) => {
            const label = (rows.direction.get(h) as Int8Array)[row] ?? 0;
            (dir[hi] as Float32Array)[at * 3 + label + 1] = 1;
          });
          const v = rows.volatility[row] ?? Number.NaN;
          const sp = rows.spread[row] ?? Number.NaN;
          volWeight[at] = Number.isFinite(v) ? 1 : 0;
          sprWeight[at] = Number.isFinite(sp) ? 1 : 0;
          vol[at] = Number.isFinite(v) ? (v - labelStats.volatility.mean) / labelStats.volatility.std : 0;
          spr[at] = Number.isFinite(sp) ? (sp - labelStats.spread.mean) / labelStats.spread.std : 0;
        }
      });
      const out = pretrainForward(params, config, horizons, tf.tensor3d(states, [b, t, s]));
      const ones = tf.ones([b, t]);
      let loss = tf.scalar(0);
      out.direction.forEach((logits, hi) => {
        const ce = maskedCrossEntropy(logits, tf.tensor3d(dir[hi] as Float32Array, [b, t, 3]), ones);
        loss = tf.add(loss, tf.mul(ce, lossWeights.direction / horizons.length));
      });
      loss = tf.add(
        loss,
        tf.mul(
          maskedMse(tf.reshape(out.volatility, [b, t]), tf.tensor2d(vol, [b, t]), tf.tensor2d(volWeight, [b, t])),
          lossWeights.volatility,
        ),
      );
      loss = tf.add(
        loss,
        tf.mul(
          maskedMse(tf.reshape(out.spread, [b, t]), tf.tensor2d(spr, [b, t]), tf.tensor2d(sprWeight, [b, t])),
          lossWeights.spread,
        ),
      );
      return loss as tf.Scalar;
    },
  };
}

/**
 * Pretrains a new backbone: cuts each instrument's rows into sequences, holds out the latest
 * `validationFraction` of them, fits the normalisation and label statistics on the training
 * sequences' rows only, and trains every weight with {@link fit}.
 *
 * @throws {@link TrainingDataError} when the rows are too few for one sequence or their width
 *   differs from `config.stateDim`.
 * @example
 * ```ts
 * const backbone = pretrainBackbone({ rows, config, lossWeights: { direction: 1, volatility: 0.5, spread: 0.5 },
 *   sequenceLength: 20, validationFraction: 0.1, fit: fitOptions });
 * backbone.params.dispose();
 * ```
 */
export function pretrainBackbone(options: PretrainOptions): PretrainedBackbone {
  const { rows, config } = options;
  if (rows.stateDim !== config.stateDim) {
    throw new TrainingDataError(`states have ${rows.stateDim} floats, the backbone expects ${config.stateDim}`);
  }
  const t = options.sequenceLength;
  if (t > config.maxTokens)
    throw new TrainingDataError(`sequence length ${t} exceeds backbone.max_tokens ${config.maxTokens}`);
  const starts = sequenceStarts(rows, t, options.stride ?? Math.max(1, Math.floor(t / 2)));
  if (starts.length === 0) throw new TrainingDataError(`no instrument has ${t} consecutive rows (the sequence length)`);
  const { train, validation } = splitValidation(
    starts.map((_, i) => i),
    (i) => rows.t0[(starts[i] ?? 0) + t - 1] ?? 0,
    options.validationFraction,
  );
  // Validation sequences may overlap training ones by the stride; drop the overlapping
  // training sequences so no validation row was trained on.
  const firstValidationRow = Math.min(...validation.map((i) => starts[i] ?? 0), Number.POSITIVE_INFINITY);
  const firstValidationT0 = Number.isFinite(firstValidationRow)
    ? (rows.t0[firstValidationRow] ?? 0)
    : Number.POSITIVE_INFINITY;
  const cleanTrain = train.filter((i) => (rows.t0[(starts[i] ?? 0) + t - 1] ?? 0) < firstValidationT0);
  if (cleanTrain.length === 0) throw new TrainingDataError('no training sequence is left before the validation slice');
  const trainRowSet = new Set<number>();
  for (const i of cleanTrain) for (let k = 0; k < t; k++) trainRowSet.add((starts[i] ?? 0) + k);
  const trainRows = [...trainRowSet].sort((a, b) => a - b);
  const normalisation = fitNormalisation(rows.states, rows.stateDim, trainRows);
  const labelStats = { volatility: stats(rows.volatility, trainRows), spread: stats(rows.spread, trainRows) };
  const horizons = [...rows.direction.keys()];
  const params = ParameterSet.create(
    [...backboneSpecs(config), ...pretrainHeadSpecs(config, horizons)],
    new SeededRandom(options.fit.seed).fork('init'),
  );
  try {
    const task = pretrainTask(params, options, normalisation, labelStats, starts, cleanTrain, validation);
    const result = fit(task, options.fit);
    return {
      params,
      normalisation,
      labelStats,
      result,
      trainSequences: cleanTrain.length,
      validationSequences: validation.length,
      trainRows: trainRows.length,
    };
  } catch (error) {
    params.dispose();
    throw error;
  }
}
