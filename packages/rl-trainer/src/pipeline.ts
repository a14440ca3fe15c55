/**
 * The training commands' work, from files to a new registry version: `pretrain` (backbone),
 * `train` (Decision Transformer on a backbone), `refresh` (last blocks and heads of the current
 * version) and `retrain` (both from scratch). Every one passes its rows through the quarantine
 * first and records what it was trained on.
 *
 * @module
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Clock, ModelConfig } from '@tickerml/core';
import {
  applyQuarantine,
  type Dataset,
  listModelVersions,
  type ModelArchitecture,
  type ModelInfo,
  ModelKind,
  type Quarantined,
  readDataset,
  readModel,
  requireQuarantined,
  writeModel,
} from '@tickerml/rl';
import { type BackendChoice, type BackendSelection, selectBackend } from './backend.js';
import type { PretrainRows, StateNormalisation, TrajectoryRows } from './data.js';
import { trainDecisionTransformer } from './decision.js';
import { ModelRegistryError, TrainingDataError } from './errors.js';
import {
  type BackboneConfig,
  backboneSpecs,
  type DecisionTransformerConfig,
  decisionTransformerSpecs,
  decisionTransformerTrainable,
  pretrainHeadSpecs,
} from './model.js';
import { type LabelStats, pretrainBackbone } from './pretrain.js';
import { type ProgressSink, silentProgress } from './progress.js';
import type { FitOptions, FitResult } from './trainer.js';
import { readTrajectoryFile, type TrajectoryFile } from './trajectory-file.js';

/** Options every training command shares (`--dataset`, `--as-of`, `--seed`, `--backend`, `--epochs`, …). */
export interface TrainingRunOptions {
  /** The dataset file (`pc-trainer dataset`). */
  readonly datasetPath: string;
  /** The quarantine's reference time, µs since the epoch. */
  readonly asOfUs: number;
  readonly seed: number;
  readonly backend: BackendChoice;
  /** `model_config.yaml`, loaded. */
  readonly model: ModelConfig;
  /** Overrides of `training.*`. */
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  /** The registry directory (default `model.modelsDir`). */
  readonly modelsDir?: string;
  /** Checkpoints go under `<checkpointDir>/<kind>`; a rerun with the same directory resumes. */
  readonly checkpointDir?: string;
  readonly clock: Clock;
  /** Receives one-line messages (backend choice, row counts). */
  readonly log?: (line: string) => void;
  /** Progress of the training loop (e.g. a bar on stderr). */
  readonly progress?: (label: string) => ProgressSink;
}

/** A version the run wrote. */
export interface WrittenVersion {
  readonly version: string;
  readonly dir: string;
  readonly kind: ModelKind;
  readonly result: FitResult;
}

/** Extra model.json fields the trainer records beside {@link ModelInfo}'s. */
export interface TrainingRecord {
  /** What the run did: `pretrain`, `train`, `refresh`, `retrain`. */
  readonly command: string;
  readonly seed: number;
  readonly epochsRun: number;
  readonly steps: number;
  readonly bestEpoch: number;
  readonly bestLoss: number;
  readonly stoppedEarly: boolean;
  readonly history: FitResult['history'];
  /** The parent version (a DT's backbone, a refresh's previous DT). */
  readonly parent?: string;
  /** The trajectory file's sha256 and path as given (Decision Transformer versions). */
  readonly trajectoriesSha256?: string;
  readonly trajectoriesPath?: string;
  /** Weights that trained (by name prefix summary). */
  readonly trainable: readonly string[];
  /** Pretraining label statistics (backbone versions). */
  readonly labelStats?: { readonly volatility: LabelStats; readonly spread: LabelStats };
  readonly horizons?: readonly string[];
  readonly trainRows: number;
  readonly validationRows: number;
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return 'unknown';
  }
}

/** sha256 of the configuration a run trained with (the model sections and the overrides). */
export function configHash(model: ModelConfig, overrides: Record<string, unknown>): string {
  const relevant = {
    backbone: model.backbone,
    decisionTransformer: model.decisionTransformer,
    training: model.training,
    quarantineDays: model.quarantineDays,
    overrides,
  };
  return createHash('sha256').update(JSON.stringify(relevant)).digest('hex');
}

function fitOptions(options: TrainingRunOptions, label: string, checkpointKind: string): FitOptions {
  const t = options.model.training;
  return {
    epochs: options.epochs ?? t.epochs,
    batchSize: options.batchSize ?? t.batchSize,
    learningRate: options.learningRate ?? t.learningRate,
    weightDecay: t.weightDecay,
    warmupSteps: t.warmupSteps,
    clipNorm: t.clipNorm,
    earlyStoppingPatience: t.earlyStoppingPatience,
    seed: options.seed,
    progress: options.progress?.(label) ?? silentProgress,
    ...(options.checkpointDir === undefined ? {} : { checkpointDir: join(options.checkpointDir, checkpointKind) }),
  };
}

function backboneConfig(model: ModelConfig, stateDim: number): BackboneConfig {
  const b = model.backbone;
  return { stateDim, dModel: b.dModel, heads: b.heads, layers: b.layers, dFF: b.dFf, maxTokens: b.maxTokens };
}

function architecture(config: BackboneConfig, decision: DecisionTransformerConfig): ModelArchitecture {
  return {
    ...config,
    context: decision.context,
    riskBuckets: decision.riskBuckets,
    trainableBlocks: decision.trainableBlocks,
  };
}

function versionName(prefix: string, createdUs: number, weights: ReadonlyMap<string, Float32Array>): string {
  const hash = createHash('sha256');
  for (const [name, data] of weights)
    hash.update(name).update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  const stamp = new Date(Math.floor(createdUs / 1000))
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${prefix}-${stamp}-${hash.digest('hex').slice(0, 8)}`;
}

/**
 * Reads the dataset and passes it through the quarantine.
 * @throws QuarantineError (from `@tickerml/rl`) when any row's `t1` is after `asOf − quarantine_days`.
 */
export function quarantinedDataset(path: string, asOfUs: number, quarantineDays: number): Quarantined<Dataset> {
  const dataset = readDataset(path);
  return applyQuarantine(dataset, dataset.t1, { asOfUs, quarantineDays });
}

/**
 * Pretraining rows from a quarantined dataset, each instrument's rows contiguous and in time
 * order. `quarantined` is what went through `applyQuarantine` (the dataset, or the row set
 * `rows` of a CPCV split). With `rows`, only those rows; a sequence never spans a gap of
 * more than one decision interval (a purged or test stretch).
 */
export function pretrainRowsOf(
  dataset: Dataset,
  quarantined: Quarantined<object>,
  rows?: readonly number[],
): PretrainRows {
  // The proof that these rows passed the quarantine: the dataset itself, or a split's row set.
  requireQuarantined(quarantined);
  const order = (rows === undefined ? Array.from({ length: dataset.rows }, (_, i) => i) : [...rows]).sort(
    (a, b) =>
      (dataset.instrument[a] ?? 0) - (dataset.instrument[b] ?? 0) || (dataset.t0[a] ?? 0) - (dataset.t0[b] ?? 0),
  );
  const s = dataset.dimension;
  const states = new Float32Array(order.length * s);
  order.forEach((row, i) => {
    states.set(dataset.states.subarray(row * s, (row + 1) * s), i * s);
  });
  const pick = (values: Int8Array | Float32Array | undefined, name: string) => {
    if (values === undefined) throw new TrainingDataError(`${dataset.path}: label column ${name} is missing`);
    return order.map((row) => values[row] ?? Number.NaN);
  };
  const labelNames = Object.keys(dataset.labels);
  const direction = new Map<string, Int8Array>();
  for (const name of labelNames.filter((n) => n.startsWith('dir_')))
    direction.set(name.slice(4), Int8Array.from(pick(dataset.labels[name], name)));
  const vol = labelNames.find((n) => n.startsWith('vol_'));
  const spread = labelNames.find((n) => n.startsWith('spread_'));
  if (direction.size === 0 || vol === undefined || spread === undefined) {
    throw new TrainingDataError(
      `${dataset.path}: needs dir_*, vol_* and spread_* label columns, has ${labelNames.join(', ')}`,
    );
  }
  return {
    stateDim: s,
    states,
    t0: Float64Array.from(order.map((row) => dataset.t0[row] ?? 0)),
    instrument: runKeys(order, dataset),
    direction,
    volatility: Float32Array.from(pick(dataset.labels[vol], vol)),
    spread: Float32Array.from(pick(dataset.labels[spread], spread)),
  };
}

/** Per row, its instrument and the index of its run of consecutive decision times (a gap starts a new run). */
function runKeys(order: readonly number[], dataset: Dataset): string[] {
  const keys: string[] = [];
  let run = 0;
  order.forEach((row, i) => {
    const prev = i === 0 ? undefined : order[i - 1];
    if (
      prev !== undefined &&
      (dataset.instrument[prev] !== dataset.instrument[row] ||
        (dataset.t0[row] ?? 0) - (dataset.t0[prev] ?? 0) > 1.5 * dataset.meta.intervalUs)
    ) {
      run += 1;
    }
    keys.push(`${dataset.instrument[row]}#${run}`);
  });
  return keys;
}

async function provenance(options: TrainingRunOptions, dataset: Quarantined<Dataset>, backend: BackendSelection) {
  return {
    encoder: {
      version: String(dataset.meta.encoderVersion),
      features: dataset.meta.features.map((f) => ({ name: f.name, unit: f.unit, window: f.window })),
    },
    asOfUs: options.asOfUs,
    dataRange: { fromUs: dataset.meta.dataRange.fromUs, toUs: dataset.meta.dataRange.toUs },
    datasetSha256: dataset.sha256,
    gitCommit: gitCommit(),
    backend: backend.backend,
    createdUs: Math.floor(options.clock.nowUs()),
  };
}

function toWeights(
  snapshot: Map<string, { data: Float32Array }>,
  keep: (name: string) => boolean = () => true,
): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [name, value] of snapshot) if (keep(name)) out.set(name, value.data);
  return out;
}

async function pretrainVersion(
  options: TrainingRunOptions,
  dataset: Quarantined<Dataset>,
  backend: BackendSelection,
  command: string,
): Promise<WrittenVersion> {
  const model = options.model;
  const rows = pretrainRowsOf(dataset, dataset);
  const config = backboneConfig(model, rows.stateDim);
  const decision = {
    context: model.decisionTransformer.context,
    trainableBlocks: model.decisionTransformer.trainableBlocks,
    riskBuckets: model.trajectories.riskBuckets,
  };
  const sequenceLength = Math.min(model.backbone.maxTokens, model.sequenceLength);
  options.log?.(
    `pretrain: ${rows.t0.length} rows, sequences of ${sequenceLength}, ${config.layers} blocks of d=${config.dModel}`,
  );
  const trained = pretrainBackbone({
    rows,
    config,
    lossWeights: model.backbone.lossWeights,
    sequenceLength,
    validationFraction: model.training.validationFraction,
    fit: fitOptions(options, 'pretrain', 'backbone'),
  });
  try {
    const weights = toWeights(trained.params.snapshot());
    const meta = await provenance(options, dataset, backend);
    const version = versionName('backbone', meta.createdUs, weights);
    const horizons = [...rows.direction.keys()];
    const record: TrainingRecord = {
      command,
      seed: options.seed,
      epochsRun: trained.result.epochsRun,
      steps: trained.result.steps,
      bestEpoch: trained.result.bestEpoch,
      bestLoss: trained.result.bestLoss,
      stoppedEarly: trained.result.stoppedEarly,
      history: trained.result.history,
      trainable: ['backbone.*', 'pretrain.*'],
      labelStats: trained.labelStats,
      horizons,
      trainRows: trained.trainRows,
      validationRows: trained.validationSequences,
    };
    const info = {
      version,
      kind: ModelKind.Backbone,
      arch: architecture(config, decision),
      normalisation: {
        mean: Float32Array.from(trained.normalisation.mean),
        std: Float32Array.from(trained.normalisation.std),
      },
      rtgScale: model.decisionTransformer.rtgScale,
      defaultTarget: model.decisionTransformer.defaultTarget,
      ...meta,
      configHash: configHash(model, {
        command,
        epochs: options.epochs,
        batchSize: options.batchSize,
        learningRate: options.learningRate,
        seed: options.seed,
      }),
      training: record,
    } satisfies ModelInfo & { training: TrainingRecord };
    const modelsDir = options.modelsDir ?? model.modelsDir;
    const dir = await writeModel(modelsDir, { info, weights });
    return { version, dir, kind: ModelKind.Backbone, result: trained.result };
  } finally {
    trained.params.dispose();
  }
}

/**
 * `pc-trainer pretrain`: quarantine the dataset, pretrain a backbone, write a version.
 * @throws QuarantineError when the dataset reaches into the quarantine.
 * @throws {@link TrainingDataError} when the dataset is too small or lacks labels.
 * @example
 * ```ts
 * const { version } = await runPretrain({ datasetPath: 'btc.arrow', asOfUs, seed: 1, backend: 'auto', model, clock });
 * ```
 */
export async function runPretrain(options: TrainingRunOptions): Promise<WrittenVersion> {
  const dataset = quarantinedDataset(options.datasetPath, options.asOfUs, options.model.quarantineDays);
  const backend = await selectBackend(options.backend, options.log);
  return pretrainVersion(options, dataset, backend, 'pretrain');
}

/** Options of the Decision Transformer commands. */
export interface DecisionRunOptions extends TrainingRunOptions {
  /** The trajectory file (`pc-trainer trajectories`). */
  readonly trajectoriesPath: string;
}

function checkTrajectories(trajectories: TrajectoryFile, dataset: Dataset): void {
  if (trajectories.datasetSha256 !== dataset.sha256) {
    throw new TrainingDataError(
      `${trajectories.path} was built from dataset ${trajectories.datasetSha256.slice(0, 12)}…, not ${dataset.path} (${dataset.sha256.slice(0, 12)}…)`,
    );
  }
  if (trajectories.stateDim !== dataset.dimension) {
    throw new TrainingDataError(
      `${trajectories.path} has ${trajectories.stateDim / 2} features, the dataset ${dataset.dimension / 2}`,
    );
  }
}

async function decisionVersion(
  options: DecisionRunOptions,
  dataset: Quarantined<Dataset>,
  trajectories: Quarantined<TrajectoryFile>,
  backend: BackendSelection,
  parent: {
    version: string;
    arch: ModelArchitecture;
    normalisation: StateNormalisation;
    weights: ReadonlyMap<string, Float32Array>;
  },
  command: string,
  trainable?: ReadonlySet<string>,
): Promise<WrittenVersion> {
  requireQuarantined(trajectories);
  const model = options.model;
  const a = parent.arch;
  const config: BackboneConfig = {
    stateDim: a.stateDim,
    dModel: a.dModel,
    heads: a.heads,
    layers: a.layers,
    dFF: a.dFF,
    maxTokens: a.maxTokens,
  };
  const decision: DecisionTransformerConfig = {
    context: model.decisionTransformer.context,
    trainableBlocks: model.decisionTransformer.trainableBlocks,
    riskBuckets: trajectories.riskBuckets,
  };
  const initial = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  const specs = new Map(
    [...backboneSpecs(config), ...decisionTransformerSpecs(config, decision)].map((s) => [s.name, s.shape]),
  );
  for (const [name, data] of parent.weights) {
    const shape = specs.get(name);
    if (shape !== undefined) initial.set(name, { shape, data });
  }
  const rows: TrajectoryRows = trajectories;
  options.log?.(`${command}: ${rows.t0.length} trajectory steps, context ${decision.context}, from ${parent.version}`);
  const trained = trainDecisionTransformer({
    rows,
    config,
    decision,
    lossWeights: model.decisionTransformer.lossWeights,
    returnScale: model.decisionTransformer.rtgScale,
    validationFraction: model.training.validationFraction,
    initial,
    normalisation: parent.normalisation,
    ...(trainable === undefined ? {} : { trainable }),
    fit: fitOptions(options, command, 'decision_transformer'),
  });
  try {
    const weights = toWeights(trained.params.snapshot());
    const meta = await provenance(options, dataset, backend);
    const version = versionName('dt', meta.createdUs, weights);
    const record: TrainingRecord = {
      command,
      seed: options.seed,
      epochsRun: trained.result.epochsRun,
      steps: trained.result.steps,
      bestEpoch: trained.result.bestEpoch,
      bestLoss: trained.result.bestLoss,
      stoppedEarly: trained.result.stoppedEarly,
      history: trained.result.history,
      parent: parent.version,
      trajectoriesSha256: trajectories.sha256,
      trajectoriesPath: trajectories.path,
      trainable: [...(trainable ?? decisionTransformerTrainable(config, decision))],
      trainRows: trained.trainSteps,
      validationRows: trained.validationSteps,
    };
    const info = {
      version,
      kind: ModelKind.DecisionTransformer,
      arch: architecture(config, decision),
      normalisation: {
        mean: Float32Array.from(trained.normalisation.mean),
        std: Float32Array.from(trained.normalisation.std),
      },
      rtgScale: model.decisionTransformer.rtgScale,
      defaultTarget: model.decisionTransformer.defaultTarget,
      ...meta,
      dataRange: {
        fromUs: Math.min(meta.dataRange.fromUs, trajectories.dataRange.fromUs),
        toUs: Math.max(meta.dataRange.toUs, trajectories.dataRange.toUs),
      },
      configHash: configHash(model, {
        command,
        epochs: options.epochs,
        batchSize: options.batchSize,
        learningRate: options.learningRate,
        seed: options.seed,
        parent: parent.version,
      }),
      training: record,
    } satisfies ModelInfo & { training: TrainingRecord };
    const dir = await writeModel(options.modelsDir ?? model.modelsDir, { info, weights });
    return { version, dir, kind: ModelKind.DecisionTransformer, result: trained.result };
  } finally {
    trained.params.dispose();
  }
}

function quarantinedInputs(options: DecisionRunOptions): {
  dataset: Quarantined<Dataset>;
  trajectories: Quarantined<TrajectoryFile>;
} {
  const dataset = quarantinedDataset(options.datasetPath, options.asOfUs, options.model.quarantineDays);
  const file = readTrajectoryFile(options.trajectoriesPath);
  checkTrajectories(file, dataset);
  const trajectories = applyQuarantine(file, file.labelEndUs, {
    asOfUs: options.asOfUs,
    quarantineDays: options.model.quarantineDays,
  });
  return { dataset, trajectories };
}

async function loadVersion(modelsDir: string, version: string, kind: ModelKind) {
  const model = await readModel(join(modelsDir, version));
  if (model.info.kind !== kind)
    throw new ModelRegistryError(`version ${version} is a ${model.info.kind}, expected a ${kind}`);
  return model;
}

/**
 * `pc-trainer train`: the Decision Transformer on a pretrained backbone version (its lower blocks
 * frozen), trained on quarantined trajectories.
 * @throws QuarantineError, {@link TrainingDataError}, `ModelFileError` (unknown backbone version).
 * @example
 * ```ts
 * await runTrain({ ...common, trajectoriesPath: 'btc.traj.arrow' }, 'backbone-20250101T000000Z-1a2b3c4d');
 * ```
 */
export async function runTrain(options: DecisionRunOptions, backboneVersion: string): Promise<WrittenVersion> {
  const { dataset, trajectories } = quarantinedInputs(options);
  const modelsDir = options.modelsDir ?? options.model.modelsDir;
  const backbone = await loadVersion(modelsDir, backboneVersion, ModelKind.Backbone);
  const backend = await selectBackend(options.backend, options.log);
  return decisionVersion(
    options,
    dataset,
    trajectories,
    backend,
    { ...backbone.info, weights: backbone.weights },
    'train',
  );
}

/**
 * The newest version of `kind` in the registry (by creation time), or `undefined`.
 * @example
 * ```ts
 * await currentVersion('models/registry', ModelKind.DecisionTransformer); // 'dt-20250301T…'
 * ```
 */
export async function currentVersion(modelsDir: string, kind: ModelKind): Promise<string | undefined> {
  let best: { version: string; createdUs: number } | undefined;
  for (const version of await listModelVersions(modelsDir)) {
    const model = await readModel(join(modelsDir, version)).catch(() => undefined);
    if (model === undefined || model.info.kind !== kind) continue;
    if (best === undefined || model.info.createdUs >= best.createdUs)
      best = { version, createdUs: model.info.createdUs };
  }
  return best?.version;
}

/**
 * `pc-trainer refresh` (weekly): from the current Decision Transformer version, train only its
 * last `trainable_blocks` blocks, `backbone.ln_f` and the three heads on quarantined
 * trajectories; the rest (embeddings, lower blocks) and the normalisation stay the parent's.
 * @throws {@link ModelRegistryError} when there is no Decision Transformer version to refresh.
 */
export async function runRefresh(options: DecisionRunOptions, fromVersion?: string): Promise<WrittenVersion> {
  const { dataset, trajectories } = quarantinedInputs(options);
  const modelsDir = options.modelsDir ?? options.model.modelsDir;
  const from = fromVersion ?? (await currentVersion(modelsDir, ModelKind.DecisionTransformer));
  if (from === undefined)
    throw new ModelRegistryError(
      `no Decision Transformer version in ${modelsDir} to refresh; run pc-trainer train or retrain first`,
    );
  const parent = await loadVersion(modelsDir, from, ModelKind.DecisionTransformer);
  const backend = await selectBackend(options.backend, options.log);
  const a = parent.info.arch;
  // The last blocks, the final LayerNorm and the heads; the token embeddings stay the parent's.
  const trainable = new Set(
    [...decisionTransformerTrainable(a, a)].filter((name) => !name.startsWith('dt.') || name.startsWith('dt.head_')),
  );
  return decisionVersion(
    options,
    dataset,
    trajectories,
    backend,
    { ...parent.info, weights: parent.weights },
    'refresh',
    trainable,
  );
}

/**
 * `pc-trainer retrain` (monthly): a new backbone pretrained from scratch, then a new Decision
 * Transformer on it; returns both versions (backbone first).
 */
export async function runRetrain(options: DecisionRunOptions): Promise<[WrittenVersion, WrittenVersion]> {
  const { dataset, trajectories } = quarantinedInputs(options);
  const backend = await selectBackend(options.backend, options.log);
  const backbone = await pretrainVersion(options, dataset, backend, 'retrain');
  const loaded = await loadVersion(options.modelsDir ?? options.model.modelsDir, backbone.version, ModelKind.Backbone);
  const dt = await decisionVersion(
    options,
    dataset,
    trajectories,
    backend,
    { ...loaded.info, weights: loaded.weights },
    'retrain',
  );
  return [backbone, dt];
}

/** Names of the pretraining heads' weights (kept in backbone versions, not exported). */
export function pretrainHeadNames(config: BackboneConfig, horizons: readonly string[]): string[] {
  return pretrainHeadSpecs(config, horizons).map((s) => s.name);
}
