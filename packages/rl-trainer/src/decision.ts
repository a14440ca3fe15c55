/**
 * Training the Decision Transformer on offline trajectories: contexts of the last K steps
 * ending at every step, left-padded at an episode's start, the loss over real steps only.
 *
 * @module
 */
import { SeededRandom } from '@tickerml/core';
import {
  fitNormalisation,
  type StateNormalisation,
  splitValidation,
  type TrajectoryRows,
  writeNormalised,
} from './data.js';
import { TrainingDataError } from './errors.js';
import {
  type BackboneConfig,
  backboneSpecs,
  type DecisionTransformerConfig,
  decisionForward,
  decisionTransformerSpecs,
  decisionTransformerTrainable,
} from './model.js';
import { maskedCrossEntropy, maskedMse } from './ops.js';
import { ParameterSet } from './params.js';
import { tf } from './tf.js';
import { type FitOptions, type FitResult, fit, type TrainingTask } from './trainer.js';

/** Weights of the Decision Transformer's losses (`decision_transformer.loss_weights`). */
export interface DecisionLossWeights {
  readonly action: number;
  readonly size: number;
  readonly risk: number;
}

/** One batch of contexts, as the model reads them. */
export interface ContextBatch {
  readonly batch: number;
  readonly context: number;
  /** `B·K·S` normalised states. */
  readonly states: Float32Array;
  /** `B·K·3` one-hot actions (the step's own action; the model cannot see it at `s_t`). */
  readonly actions: Float32Array;
  /** `B·K` scaled returns-to-go. */
  readonly returnsToGo: Float32Array;
  /** `B·K`, 1 real step, 0 left padding. */
  readonly mask: Float32Array;
  /** `B·K` sizes and `B·K·R` one-hot risk buckets (targets). */
  readonly size: Float32Array;
  readonly risk: Float32Array;
}

/**
 * The contexts ending at `endRows`: the up to K steps of the same episode up to and including
 * each end row, right-aligned, padding on the left.
 */
export function buildContexts(
  rows: TrajectoryRows,
  endRows: readonly number[],
  context: number,
  normalisation: StateNormalisation,
  returnScale: number,
  riskBuckets: number,
): ContextBatch {
  const b = endRows.length;
  const s = rows.stateDim;
  const out: ContextBatch = {
    batch: b,
    context,
    states: new Float32Array(b * context * s),
    actions: new Float32Array(b * context * 3),
    returnsToGo: new Float32Array(b * context),
    mask: new Float32Array(b * context),
    size: new Float32Array(b * context),
    risk: new Float32Array(b * context * riskBuckets),
  };
  endRows.forEach((end, bi) => {
    const episode = rows.episode[end];
    for (let k = context - 1, row = end; k >= 0 && row >= 0 && rows.episode[row] === episode; k--, row--) {
      const at = bi * context + k;
      writeNormalised(rows.states, s, row, normalisation, out.states, at * s);
      out.actions[at * 3 + (rows.action[row] ?? 1)] = 1;
      out.returnsToGo[at] = (rows.returnToGo[row] ?? 0) / returnScale;
      out.mask[at] = 1;
      out.size[at] = rows.size[row] ?? 0;
      out.risk[at * riskBuckets + Math.min(riskBuckets - 1, Math.max(0, rows.riskBucket[row] ?? 0))] = 1;
    }
  });
  return out;
}

/** Settings of {@link trainDecisionTransformer}. */
export interface DecisionTrainOptions {
  readonly rows: TrajectoryRows;
  readonly config: BackboneConfig;
  readonly decision: DecisionTransformerConfig;
  readonly lossWeights: DecisionLossWeights;
  /** Returns-to-go are divided by this (`decision_transformer.rtg_scale`). */
  readonly returnScale: number;
  readonly validationFraction: number;
  /**
   * Starting weights by name: a pretrained backbone (its `backbone.*`), or a previous version
   * (everything, for a refresh). Weights absent here start from the seed.
   */
  readonly initial?: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }>;
  /** The normalisation to keep (a refresh keeps its parent's); default: fitted on the training rows. */
  readonly normalisation?: StateNormalisation;
  /** Names that train; default {@link decisionTransformerTrainable}. */
  readonly trainable?: ReadonlySet<string>;
  /** Restrict training and validation to these rows (the quarantine's and CPCV's training rows); default all. */
  readonly rowIndices?: readonly number[];
  readonly fit: FitOptions;
}

/** What {@link trainDecisionTransformer} returns; the caller disposes `params`. */
export interface TrainedDecisionTransformer {
  readonly params: ParameterSet;
  readonly normalisation: StateNormalisation;
  readonly result: FitResult;
  readonly trainSteps: number;
  readonly validationSteps: number;
}

/** The Decision Transformer loss as a {@link TrainingTask} over context end rows. */
export function decisionTask(
  params: ParameterSet,
  options: Pick<DecisionTrainOptions, 'rows' | 'config' | 'decision' | 'lossWeights' | 'returnScale'>,
  normalisation: StateNormalisation,
  trainable: readonly string[],
  trainRows: readonly number[],
  validationRows: readonly number[],
): TrainingTask {
  const { rows, config, decision, lossWeights } = options;
  const k = decision.context;
  const r = decision.riskBuckets;
  return {
    params,
    trainable,
    trainIndices: trainRows,
    validationIndices: validationRows,
    loss(indices) {
      const c = buildContexts(rows, indices, k, normalisation, options.returnScale, r);
      const b = c.batch;
      const out = decisionForward(
        params,
        config,
        decision,
        tf.tensor3d(c.states, [b, k, rows.stateDim]),
        tf.tensor3d(c.actions, [b, k, 3]),
        tf.tensor3d(c.returnsToGo, [b, k, 1]),
        c.mask,
      );
      const mask = tf.tensor2d(c.mask, [b, k]);
      const action = maskedCrossEntropy(out.actionLogits, tf.tensor3d(c.actions, [b, k, 3]), mask);
      const size = maskedMse(tf.reshape(out.size, [b, k]), tf.tensor2d(c.size, [b, k]), mask);
      const risk = maskedCrossEntropy(out.riskLogits, tf.tensor3d(c.risk, [b, k, r]), mask);
      return tf.addN([
        tf.mul(action, lossWeights.action),
        tf.mul(size, lossWeights.size),
        tf.mul(risk, lossWeights.risk),
      ]) as tf.Scalar;
    },
  };
}

/**
 * Trains a Decision Transformer: every step of the given rows ends one context; the latest
 * `validationFraction` of those steps (by `t0`) validate. Starts from `initial` where given
 * (the pretrained backbone, or a previous version for a refresh), trains only `trainable`, and
 * leaves every other weight bitwise unchanged.
 *
 * @throws {@link TrainingDataError} when the rows are empty or their width differs from the backbone's.
 * @throws {@link ModelRegistryError} when an initial weight has the wrong shape.
 * @example
 * ```ts
 * const dt = trainDecisionTransformer({ rows, config, decision: { context: 20, trainableBlocks: 2, riskBuckets: 4 },
 *   lossWeights: { action: 1, size: 0.5, risk: 0.25 }, returnScale: 0.01, validationFraction: 0.1,
 *   initial: backboneWeights, fit: fitOptions });
 * ```
 */
export function trainDecisionTransformer(options: DecisionTrainOptions): TrainedDecisionTransformer {
  const { rows, config, decision } = options;
  if (rows.stateDim !== config.stateDim) {
    throw new TrainingDataError(`states have ${rows.stateDim} floats, the backbone expects ${config.stateDim}`);
  }
  if (3 * decision.context > config.maxTokens) {
    throw new TrainingDataError(`3 × context ${decision.context} exceeds backbone.max_tokens ${config.maxTokens}`);
  }
  const all = options.rowIndices ?? Array.from({ length: rows.t0.length }, (_, i) => i);
  if (all.length === 0) throw new TrainingDataError('no trajectory rows to train on');
  const { train, validation } = splitValidation(all, (i) => rows.t0[i] ?? 0, options.validationFraction);
  if (train.length === 0) throw new TrainingDataError('no training rows are left before the validation slice');
  const normalisation = options.normalisation ?? fitNormalisation(rows.states, rows.stateDim, train);
  const specs = [...backboneSpecs(config), ...decisionTransformerSpecs(config, decision)];
  const rng = new SeededRandom(options.fit.seed).fork('init');
  const params =
    options.initial === undefined
      ? ParameterSet.create(specs, rng)
      : ParameterSet.fromArrays(specs, options.initial, rng);
  try {
    const trainable = [...(options.trainable ?? decisionTransformerTrainable(config, decision))].filter((n) =>
      params.has(n),
    );
    const task = decisionTask(params, options, normalisation, trainable, train, validation);
    const result = fit(task, options.fit);
    return { params, normalisation, result, trainSteps: train.length, validationSteps: validation.length };
  } catch (error) {
    params.dispose();
    throw error;
  }
}

/**
 * Action probabilities, size and risk probabilities at the last step of each context, from
 * inference only (no gradient, no update).
 */
export function predictLast(
  params: ParameterSet,
  config: BackboneConfig,
  decision: DecisionTransformerConfig,
  batch: ContextBatch,
): { actionProbs: Float32Array; size: Float32Array; riskProbs: Float32Array } {
  const { batch: b, context: k } = batch;
  return tf.tidy(() => {
    const out = decisionForward(
      params,
      config,
      decision,
      tf.tensor3d(batch.states, [b, k, config.stateDim]),
      tf.tensor3d(batch.actions, [b, k, 3]),
      tf.tensor3d(batch.returnsToGo, [b, k, 1]),
      batch.mask,
    );
    const last = (t: tf.Tensor, width: number) => tf.reshape(tf.slice(t, [0, k - 1, 0], [b, 1, width]), [b, width]);
    return {
      actionProbs: tf.softmax(last(out.actionLogits, 3)).dataSync() as Float32Array,
      size: last(out.size, 1).dataSync() as Float32Array,
      riskProbs: tf.softmax(last(out.riskLogits, decision.riskBuckets)).dataSync() as Float32Array,
    };
  });
}
