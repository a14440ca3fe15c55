/**
 * The training loop shared by pretraining and the Decision Transformer: seeded shuffling,
 * AdamW with warm-up and cosine decay, global-norm clipping, early stopping on a validation
 * slice, checkpoints to resume from, and a progress report.
 *
 * @module
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SeededRandom } from '@tickerml/core';
import { ModelRegistryError, TrainingDataError } from './errors.js';
import { clipByGlobalNorm } from './ops.js';
import { AdamW, learningRateAt } from './optimizer.js';
import { deserializeArrays, type ParameterSet, serializeArrays, type WeightManifestEntry } from './params.js';
import { type ProgressSink, silentProgress } from './progress.js';
import { tf } from './tf.js';

/** What the loop trains: weights, which of them train, and a loss over examples by index. */
export interface TrainingTask {
  readonly params: ParameterSet;
  /** Names of the weights that train; every other weight stays bitwise unchanged. */
  readonly trainable: readonly string[];
  /** Indices of the training examples. */
  readonly trainIndices: readonly number[];
  /** Indices of the validation examples (may be empty: then no early stopping). */
  readonly validationIndices: readonly number[];
  /** The mean loss over the examples `indices`, built from tf ops (called inside a tidy). */
  loss(indices: readonly number[]): tf.Scalar;
}

/** Settings of {@link fit} (`model_config.yaml` `training.*`). */
export interface FitOptions {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly weightDecay: number;
  readonly warmupSteps: number;
  readonly clipNorm: number;
  /** Epochs without a better validation loss before stopping. */
  readonly earlyStoppingPatience: number;
  readonly seed: number;
  /** Directory for `checkpoint.json` + `.bin` files after every epoch; resumed from when present. */
  readonly checkpointDir?: string;
  readonly progress?: ProgressSink;
  /** Stop after this many updates (benchmarks, tests); shortens the schedule too. Default: no limit. */
  readonly maxSteps?: number;
  /**
   * Pause after this epoch (1-based) with the schedule still planned for `epochs`: a later call
   * with the same `checkpointDir` continues exactly where this one stopped. Default: `epochs`.
   */
  readonly untilEpoch?: number;
}

/** One epoch's figures. */
export interface EpochRecord {
  readonly epoch: number;
  readonly trainLoss: number;
  readonly validationLoss: number | null;
}

/** What {@link fit} did. */
export interface FitResult {
  readonly epochsRun: number;
  readonly steps: number;
  readonly history: readonly EpochRecord[];
  /** Best validation loss (or last training loss without validation rows). */
  readonly bestLoss: number;
  readonly bestEpoch: number;
  readonly stoppedEarly: boolean;
  /** Whether the run continued from a checkpoint. */
  readonly resumed: boolean;
}

interface CheckpointState {
  readonly epoch: number;
  readonly step: number;
  readonly rngState: [number, number, number, number];
  readonly history: EpochRecord[];
  readonly bestLoss: number;
  readonly bestEpoch: number;
  readonly badEpochs: number;
  readonly weights: WeightManifestEntry[];
  readonly best: WeightManifestEntry[];
  readonly optimizer: WeightManifestEntry[];
}

/** Batches of `indices` in a seeded order. */
function batches(indices: readonly number[], batchSize: number, rng: SeededRandom): number[][] {
  const order = rng.shuffle([...indices]);
  const out: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) out.push(order.slice(i, i + batchSize));
  return out;
}

/**
 * One AdamW update on the examples `indices`; returns the loss before it. Allocates no tensor
 * that outlives the call.
 */
export function trainStep(
  task: TrainingTask,
  optimizer: AdamW,
  indices: readonly number[],
  learningRate: number,
  clipNorm: number,
): number {
  const vars = task.trainable.map((name) => task.params.get(name));
  const { value, grads } = tf.variableGrads(() => task.loss(indices), vars);
  const ordered = vars.map((v) => grads[v.name] as tf.Tensor);
  const { clipped } = clipByGlobalNorm(ordered, clipNorm);
  const byName = new Map(task.trainable.map((name, i) => [name, clipped[i] as tf.Tensor]));
  optimizer.apply(byName, learningRate);
  const loss = value.dataSync()[0] ?? Number.NaN;
  tf.dispose([value, ...ordered, ...clipped]);
  return loss;
}

/** Mean loss over `indices` in batches, without gradients. */
export function evaluateLoss(task: TrainingTask, indices: readonly number[], batchSize: number): number {
  let total = 0;
  for (let i = 0; i < indices.length; i += batchSize) {
    const chunk = indices.slice(i, i + batchSize);
    const t = tf.tidy(() => task.loss(chunk));
    total += (t.dataSync()[0] ?? 0) * chunk.length;
    t.dispose();
  }
  return indices.length === 0 ? Number.NaN : total / indices.length;
}

function writeCheckpoint(
  dir: string,
  state: Omit<CheckpointState, 'weights' | 'best' | 'optimizer'>,
  parts: Record<'weights' | 'best' | 'optimizer', Map<string, { shape: number[]; data: Float32Array }>>,
): void {
  mkdirSync(dir, { recursive: true });
  const manifests: Record<string, WeightManifestEntry[]> = {};
  for (const [key, arrays] of Object.entries(parts)) {
    const { manifest, bytes } = serializeArrays(arrays);
    writeFileSync(join(dir, `${key}.bin.tmp`), bytes);
    renameSync(join(dir, `${key}.bin.tmp`), join(dir, `${key}.bin`));
    manifests[key] = manifest;
  }
  writeFileSync(join(dir, 'checkpoint.json.tmp'), JSON.stringify({ ...state, ...manifests }));
  renameSync(join(dir, 'checkpoint.json.tmp'), join(dir, 'checkpoint.json'));
}

function readCheckpoint(dir: string): {
  state: CheckpointState;
  parts: Record<'weights' | 'best' | 'optimizer', Map<string, { shape: number[]; data: Float32Array }>>;
} {
  try {
    const state = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as CheckpointState;
    const read = (key: 'weights' | 'best' | 'optimizer') =>
      deserializeArrays(state[key], readFileSync(join(dir, `${key}.bin`)));
    return { state, parts: { weights: read('weights'), best: read('best'), optimizer: read('optimizer') } };
  } catch (error) {
    throw new ModelRegistryError(`checkpoint in ${dir} cannot be read`, { cause: error });
  }
}

/**
 * Trains `task.trainable` with AdamW: each epoch shuffles the training indices with a
 * generator seeded from `seed`, clips the global gradient norm, follows
 * {@link learningRateAt}, then scores the validation indices; stops after
 * `earlyStoppingPatience` epochs without improvement and leaves the best epoch's weights in
 * `task.params`. The same seed on the CPU backend gives the same weights bit for bit.
 *
 * With `checkpointDir`, the state after every epoch (weights, best weights, optimizer moments,
 * generator state, history) is written there, and a later call with the same directory
 * continues from it.
 *
 * @throws {@link TrainingDataError} when there are no training examples.
 * @throws {@link ModelRegistryError} when a checkpoint exists but cannot be read.
 * @example
 * ```ts
 * const result = fit(task, { epochs: 10, batchSize: 32, learningRate: 1e-3, weightDecay: 0.01,
 *   warmupSteps: 100, clipNorm: 1, earlyStoppingPatience: 5, seed: 7 });
 * ```
 */
export function fit(task: TrainingTask, options: FitOptions): FitResult {
  if (task.trainIndices.length === 0) throw new TrainingDataError('no training examples');
  const progress = options.progress ?? silentProgress;
  const optimizer = new AdamW(task.params, task.trainable, { weightDecay: options.weightDecay });
  const stepsPerEpoch = Math.ceil(task.trainIndices.length / options.batchSize);
  const totalSteps = Math.min(options.maxSteps ?? Number.POSITIVE_INFINITY, stepsPerEpoch * options.epochs);
  let rng = new SeededRandom(options.seed).fork('batches');
  let epoch = 0;
  let history: EpochRecord[] = [];
  let bestLoss = Number.POSITIVE_INFINITY;
  let bestEpoch = 0;
  let badEpochs = 0;
  let best = task.params.snapshot();
  let resumed = false;
  const checkpoint = options.checkpointDir;
  try {
    if (checkpoint !== undefined && existsSync(join(checkpoint, 'checkpoint.json'))) {
      const { state, parts } = readCheckpoint(checkpoint);
      task.params.restore(parts.weights);
      optimizer.restore(parts.optimizer, state.step);
      rng = SeededRandom.fromState(state.rngState);
      ({ epoch, history, bestLoss, bestEpoch, badEpochs } = state);
      best = parts.best;
      resumed = true;
    }
    let samples = 0;
    let stoppedEarly = false;
    const lastEpoch = Math.min(options.epochs, options.untilEpoch ?? options.epochs);
    while (epoch < lastEpoch && optimizer.step < totalSteps && !stoppedEarly) {
      let lossSum = 0;
      let lossCount = 0;
      for (const batch of batches(task.trainIndices, options.batchSize, rng)) {
        if (optimizer.step >= totalSteps) break;
        const lr = learningRateAt(optimizer.step, totalSteps, options.warmupSteps, options.learningRate);
        const loss = trainStep(task, optimizer, batch, lr, options.clipNorm);
        lossSum += loss * batch.length;
        lossCount += batch.length;
        samples += batch.length;
        progress.step(optimizer.step, totalSteps, lossSum / lossCount, samples);
      }
      epoch += 1;
      const trainLoss = lossSum / Math.max(1, lossCount);
      const validationLoss =
        task.validationIndices.length > 0 ? evaluateLoss(task, task.validationIndices, options.batchSize) : null;
      history.push({ epoch, trainLoss, validationLoss });
      progress.epoch(epoch, options.epochs, trainLoss, validationLoss ?? undefined);
      const score = validationLoss ?? trainLoss;
      if (score < bestLoss) {
        bestLoss = score;
        bestEpoch = epoch;
        badEpochs = 0;
        best = task.params.snapshot();
      } else {
        badEpochs += 1;
        if (validationLoss !== null && badEpochs >= options.earlyStoppingPatience) stoppedEarly = true;
      }
      if (checkpoint !== undefined) {
        writeCheckpoint(
          checkpoint,
          { epoch, step: optimizer.step, rngState: rng.state(), history, bestLoss, bestEpoch, badEpochs },
          { weights: task.params.snapshot(), best, optimizer: optimizer.snapshot() },
        );
      }
    }
    progress.finish();
    task.params.restore(best);
    return { epochsRun: epoch, steps: optimizer.step, history, bestLoss, bestEpoch, stoppedEarly, resumed };
  } finally {
    optimizer.dispose();
  }
}
