/**
 * @packageDocumentation
 * The learning half without TensorFlow.js: the state encoder, datasets, trajectories, the model
 * registry format, the reference forward pass and the ONNX policy on onnxruntime.
 */

export {
  type Drawdown,
  type DsrInput,
  deflatedSharpeRatio,
  expectedMaxSharpe,
  hitRate,
  type Moments,
  maxDrawdown,
  moments,
  normalCdf,
  normalQuantile,
  type PsrInput,
  probabilisticSharpeRatio,
  SHARPE_MINIMUMS,
  type SharpeOptions,
  type SharpeResult,
  sharpeFromEquity,
  sharpeRatio,
  simpleReturns,
  type TimedValue,
  turnover,
} from '@tickerml/core';
export {
  binomial,
  type CpcvGroup,
  type CpcvJson,
  CpcvOptionError,
  type CpcvOptions,
  type CpcvPlan,
  type CpcvSplit,
  combinatorialPurgedCv,
  cpcvToJson,
  MAX_CPCV_SPLITS,
} from './cpcv.js';
export {
  type BuildDatasetFromEventsOptions,
  type BuildDatasetOptions,
  buildDataset,
  buildDatasetFromEvents,
  crossVenuesFor,
  type DatasetBuildSettings,
  type DatasetInstrumentSpec,
  type DatasetProgress,
  type DatasetSummary,
  type ScoredNewsItem,
  scoreNewsRecordings,
} from './dataset.js';
export {
  DATASET_KIND,
  type Dataset,
  type DatasetInstrument,
  type DatasetMeta,
  type DatasetSource,
  DatasetWriter,
  MASK_SUFFIX,
  readDataset,
  sha256File,
} from './dataset-file.js';
export {
  type AgentState,
  type AssetSentiment,
  type CrossVenueQuote,
  ENCODER_VERSION,
  type FeatureSpec,
  StateEncoder,
  type StateEncoderOptions,
} from './encoder.js';
export { DatasetFormatError, DatasetInputError, EncodeTimeError, RlOptionError } from './errors.js';
export {
  type EvaluateOptions,
  type EvaluationReport,
  evaluate,
  evaluationToHtml,
  evaluationToJson,
  type LearningCurve,
  type PathMetrics,
  type PolicyFactory,
  type PolicyFitContext,
  type StrategyEvaluation,
  type Summary,
} from './evaluate.js';
export {
  DEFAULT_LABEL_SETTINGS,
  LabelKind,
  type LabelSettings,
  type LabelSpec,
  LabelTracker,
  labelSpecs,
  maxHorizonUs,
} from './labels.js';
export {
  ACTIONS,
  Action,
  type ActionName,
  backboneWeightSpecs,
  checkWeights,
  decisionTransformerWeightSpecs,
  InvalidArchitectureError,
  LAYER_NORM_EPS,
  MASK_VALUE,
  type ModelArchitecture,
  type ModelWeights,
  shapeSize,
  validateArchitecture,
  WeightMismatchError,
  type WeightSpec,
} from './model/architecture.js';
export {
  type InitWeightsOptions,
  initDecisionTransformerWeights,
  initWeights,
} from './model/init.js';
export { OnnxFormatError, parseOnnxMetadata, readOnnxMetadata } from './model/onnx-metadata.js';
export {
  attentionBias,
  backboneBlocks,
  backboneForward,
  checkDecisionTransformer,
  type DecisionContext,
  type DecisionTransformerParameters,
  decisionTransformerForward,
  geluTanh,
  layerNorm,
  linear,
  type PolicyOutputs,
  type StateNormalisation,
  softmax,
} from './model/reference.js';
export {
  listModelVersions,
  MODEL_FILES,
  MODEL_FORMAT,
  type ModelFeature,
  ModelFileError,
  type ModelInfo,
  ModelKind,
  parseModel,
  type RegisteredModel,
  readModel,
  type WeightManifestEntry,
  weightSpecsFor,
  writeModel,
} from './model/registry.js';
export { fitNormalisation, normalise } from './normalisation.js';
export {
  type DecisionInputs,
  DecisionTransformerPolicy,
  type DecisionTransformerPolicyOptions,
  type ModelChange,
  type PolicyDecision,
} from './policy/decision-transformer-policy.js';
export {
  EncoderVersionMismatchError,
  type LoadPolicyOptions,
  OnnxPolicyModel,
  type PolicyInference,
  PolicyModelError,
  type PolicyModelInfo,
  policyModelInfo,
} from './policy/onnx-model.js';
export {
  applyQuarantine,
  assertQuarantine,
  checkQuarantineDays,
  MIN_QUARANTINE_DAYS,
  type Quarantined,
  QuarantineError,
  QuarantineOptionError,
  type QuarantineOptions,
  type QuarantineStamp,
  quarantineCutoffUs,
  requireQuarantined,
  resolveAsOf,
} from './quarantine.js';
export {
  buyAndHold,
  flatStrategy,
  type Perturbation,
  RolloutError,
  type RolloutOptions,
  type RolloutResult,
  type RolloutStep,
  type RolloutWindow,
  type RolloutWindowsOptions,
  rollout,
  rolloutWindows,
  TrajectoryAction,
  variantRandom,
} from './rollout.js';
export { DEFAULT_MAX_GAP_US, DecisionSampler } from './sampler.js';
export {
  baselineMarkets,
  buildTrajectories,
  type DatasetRecordings,
  type Markets,
  openDatasetRecordings,
  readTrajectories,
  riskBucket,
  riskBucketEdges,
  rowsOf,
  TRAJECTORIES_KIND,
  type Trajectories,
  type TrajectoryFile,
  TrajectoryInputError,
  type TrajectoryOptions,
  type TrajectoryVariant,
  writeFileAtomic,
} from './trajectories.js';
