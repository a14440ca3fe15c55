/**
 * The Decision Transformer as a policy for `@tickerml/rl`'s CPCV `evaluate` harness: for each
 * split, a backbone is pretrained and a Decision Transformer trained on that split's training
 * rows only (nothing fitted on all the data is reused, so no test-group label reaches the
 * model), exported to ONNX, and run by the same `DecisionTransformerPolicy` the box runs.
 *
 * @module
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelConfig } from '@tickerml/core';
import {
  DecisionTransformerPolicy,
  ENCODER_VERSION,
  type LearningCurve,
  ModelKind,
  OnnxPolicyModel,
  type PolicyFactory,
  type PolicyFitContext,
  requireQuarantined,
} from '@tickerml/rl';
import type { TrajectoryRows } from './data.js';
import { trainDecisionTransformer } from './decision.js';
import { TrainingDataError } from './errors.js';
import { type BackboneConfig, backboneSpecs } from './model.js';
import { exportPolicy } from './onnx/export.js';
import { pretrainRowsOf } from './pipeline.js';
import { pretrainBackbone } from './pretrain.js';
import type { FitOptions } from './trainer.js';
import type { TrajectoryFile } from './trajectory-file.js';

/**
 * The trajectory steps whose decision time is one of `trainT0`, cut into sub-episodes at every
 * step that is missing (a test group, a purged or embargoed row), with the return-to-go
 * recomputed inside each sub-episode, so no reward after a gap reaches a target.
 *
 * @example
 * ```ts
 * const rows = trajectoriesWithin(file, new Set(trainRows.map((r) => dataset.t0[r])));
 * ```
 */
export function trajectoriesWithin(file: TrajectoryFile, trainT0: ReadonlySet<number>): TrajectoryRows {
  const keep: number[] = [];
  for (let i = 0; i < file.t0.length; i++) if (trainT0.has(file.t0[i] as number)) keep.push(i);
  const n = keep.length;
  const s = file.stateDim;
  const out = {
    stateDim: s,
    states: new Float32Array(n * s),
    t0: new Float64Array(n),
    episode: new Int32Array(n),
    action: new Int8Array(n),
    size: new Float32Array(n),
    returnToGo: new Float64Array(n),
    riskBucket: new Int8Array(n),
  };
  let episode = -1;
  keep.forEach((row, i) => {
    const prev = i === 0 ? undefined : keep[i - 1];
    const continues = prev === row - 1 && file.episode[prev] === file.episode[row];
    if (!continues) episode += 1;
    out.states.set(file.states.subarray(row * s, (row + 1) * s), i * s);
    out.t0[i] = file.t0[row] as number;
    out.episode[i] = episode;
    out.action[i] = file.action[row] as number;
    out.size[i] = file.size[row] as number;
    out.riskBucket[i] = file.riskBucket[row] as number;
  });
  for (let i = n - 1; i >= 0; i--) {
    const last = i === n - 1 || out.episode[i + 1] !== out.episode[i];
    out.returnToGo[i] = (file.reward[keep[i] as number] ?? 0) + (last ? 0 : (out.returnToGo[i + 1] ?? 0));
  }
  return out;
}

/** Settings of {@link decisionTransformerPolicyFactory}. */
export interface EvaluationFitOptions {
  /** The trajectories of the evaluated dataset (the traded instrument's steps). */
  readonly trajectories: TrajectoryFile;
  readonly model: ModelConfig;
  /** Epochs of each split's pretraining and training. */
  readonly epochs: number;
  /** Each split's ONNX files go under `<workDir>/split-<j>`. */
  readonly workDir: string;
  /** Creation time recorded in the in-memory versions, µs. */
  readonly nowUs: () => number;
  readonly log?: (line: string) => void;
}

/**
 * A {@link PolicyFactory} that fits the Decision Transformer per CPCV split, and the learning
 * curves of those fits (validation loss per epoch, one curve per split and stage).
 *
 * The risk head's loss weighs 0 in these fits: its target (the future adverse excursion) looks
 * across the whole original episode, past a test group.
 *
 * @example
 * ```ts
 * const { fit, learningCurves } = decisionTransformerPolicyFactory({ trajectories, model, epochs: 3, workDir: 'eval', nowUs: () => clock.nowUs() });
 * await evaluate({ ...options, policy: { name: 'decision-transformer', fit } });
 * ```
 */
export function decisionTransformerPolicyFactory(options: EvaluationFitOptions): {
  readonly fit: PolicyFactory;
  readonly learningCurves: () => LearningCurve[];
} {
  const curves: LearningCurve[] = [];
  const fit: PolicyFactory = async (context: PolicyFitContext) => {
    const { dataset, split, seed } = context;
    const model = options.model;
    const training = model.training;
    const fitOptions = (label: string): FitOptions => ({
      epochs: options.epochs,
      batchSize: training.batchSize,
      learningRate: training.learningRate,
      weightDecay: training.weightDecay,
      warmupSteps: training.warmupSteps,
      clipNorm: training.clipNorm,
      earlyStoppingPatience: training.earlyStoppingPatience,
      seed: seed + (label === 'train' ? 1 : 0),
    });
    const stamp = requireQuarantined(context.train);
    const rows = pretrainRowsOf(dataset, context.train, context.train.rows);
    const config: BackboneConfig = {
      stateDim: dataset.dimension,
      dModel: model.backbone.dModel,
      heads: model.backbone.heads,
      layers: model.backbone.layers,
      dFF: model.backbone.dFf,
      maxTokens: model.backbone.maxTokens,
    };
    const sequenceLength = Math.min(model.backbone.maxTokens, model.sequenceLength);
    const backbone = pretrainBackbone({
      rows,
      config,
      lossWeights: model.backbone.lossWeights,
      sequenceLength: Math.min(sequenceLength, Math.max(2, Math.floor(rows.t0.length / 4))),
      validationFraction: training.validationFraction,
      fit: fitOptions('pretrain'),
    });
    const backboneWeights = backbone.params.snapshot();
    backbone.params.dispose();
    curves.push({
      name: `split ${split} pretrain validation`,
      points: backbone.result.history.map((h) => ({ x: h.epoch, y: h.validationLoss ?? h.trainLoss })),
    });
    const trainT0 = new Set(context.train.rows.map((r) => dataset.t0[r] as number));
    const steps = trajectoriesWithin(options.trajectories, trainT0);
    if (steps.t0.length === 0)
      throw new TrainingDataError(`split ${split}: no trajectory step falls in its training rows`);
    const decision = {
      context: model.decisionTransformer.context,
      trainableBlocks: model.decisionTransformer.trainableBlocks,
      riskBuckets: options.trajectories.riskBuckets,
    };
    const backboneNames = new Set(backboneSpecs(config).map((s) => s.name));
    const initial = new Map([...backboneWeights].filter(([name]) => backboneNames.has(name)));
    const dt = trainDecisionTransformer({
      rows: steps,
      config,
      decision,
      lossWeights: { ...model.decisionTransformer.lossWeights, risk: 0 },
      returnScale: model.decisionTransformer.rtgScale,
      validationFraction: training.validationFraction,
      initial,
      normalisation: backbone.normalisation,
      fit: fitOptions('train'),
    });
    const weights = new Map([...dt.params.snapshot()].map(([name, v]) => [name, v.data]));
    dt.params.dispose();
    curves.push({
      name: `split ${split} decision transformer validation`,
      points: dt.result.history.map((h) => ({ x: h.epoch, y: h.validationLoss ?? h.trainLoss })),
    });
    options.log?.(
      `split ${split}: ${rows.t0.length} rows, ${steps.t0.length} trajectory steps, best validation ${dt.result.bestLoss.toFixed(4)}`,
    );
    const nowUs = Math.floor(options.nowUs());
    const version = `eval-split-${split}`;
    const dir = join(options.workDir, `split-${split}`);
    mkdirSync(dir, { recursive: true });
    const exported = await exportPolicy(
      {
        info: {
          version,
          kind: ModelKind.DecisionTransformer,
          arch: { ...config, ...decision },
          normalisation: {
            mean: Float32Array.from(backbone.normalisation.mean),
            std: Float32Array.from(backbone.normalisation.std),
          },
          rtgScale: model.decisionTransformer.rtgScale,
          defaultTarget: model.decisionTransformer.defaultTarget,
          encoder: {
            version: String(dataset.meta.encoderVersion),
            features: dataset.meta.features.map((f) => ({ name: f.name, unit: f.unit, window: f.window })),
          },
          asOfUs: stamp.asOfUs,
          dataRange: dataset.meta.dataRange,
          datasetSha256: dataset.sha256,
          configHash: 'evaluation',
          gitCommit: 'unknown',
          backend: 'evaluation',
          createdUs: nowUs,
        },
        weights,
      },
      dir,
    );
    const onnx = await OnnxPolicyModel.load(exported.float32Path, {
      encoderVersion: String(ENCODER_VERSION),
      stateDim: dataset.dimension,
    });
    const traded = context.markets.markets[0];
    if (traded === undefined) throw new TrainingDataError('the evaluation has no traded market');
    return new DecisionTransformerPolicy({
      venue: traded.instrument.venue,
      symbol: traded.instrument.symbol,
      // The dataset's encoder layout: the same cross venues, so the vector has the same columns.
      encoder: {
        tickSize: Number(traded.instrument.spec.tickSize),
        crossVenues: (
          dataset.meta.instruments.find(
            (i) => i.venue === traded.instrument.venue && i.symbol === traded.instrument.symbol,
          )?.crossVenues ?? []
        ).map((c) => (c.symbol === undefined ? { venue: c.venue } : { venue: c.venue, symbol: c.symbol })),
      },
      model: onnx,
      capLots: context.markets.capLots,
      decisionIntervalUs: dataset.meta.intervalUs,
      modelCheckIntervalUs: 0,
    });
  };
  return { fit, learningCurves: () => [...curves] };
}
