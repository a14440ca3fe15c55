/**
 * @packageDocumentation
 * Offline training on the PC: the pretrained transformer backbone and the Decision Transformer
 * in TensorFlow.js (tfjs-core ops only), AdamW training with checkpoints, the model registry
 * commands, and the ONNX export.
 */
export {
  BACKEND_CHOICES,
  type BackendChoice,
  type BackendName,
  type BackendSelection,
  selectBackend,
} from './backend.js';
export {
  fitNormalisation as fitStateNormalisation,
  type PretrainRows,
  type StateNormalisation as TrainerStateNormalisation,
  sequenceStarts,
  splitValidation,
  type TrajectoryRows,
  writeNormalised,
} from './data.js';
export {
  buildContexts,
  type ContextBatch,
  type DecisionLossWeights,
  type DecisionTrainOptions,
  decisionTask,
  predictLast,
  type TrainedDecisionTransformer,
  trainDecisionTransformer,
} from './decision.js';
export { BackendUnavailableError, ModelRegistryError, TrainingDataError } from './errors.js';
export { decisionTransformerPolicyFactory, type EvaluationFitOptions, trajectoriesWithin } from './evaluate-policy.js';
export {
  type BackboneConfig,
  backboneBlocks as backboneBlocksTf,
  backboneSpecs,
  type DecisionOutputs,
  type DecisionTransformerConfig,
  type DirectionHorizons,
  decisionForward,
  decisionTransformerSpecs,
  decisionTransformerTrainable,
  type PretrainOutputs,
  pretrainForward,
  pretrainHeadSpecs,
} from './model.js';
export {
  buildPolicyGraph,
  ExportError,
  type ExportedPolicy,
  exportPolicy,
  POLICY_METADATA_KEYS,
  POLICY_OPSET,
  policyMetadata,
  Quantisation,
  quantiseWeightsPerChannel,
} from './onnx/export.js';
export { type Float32Context, randomContexts, randomPolicyModel } from './onnx/fixture.js';
export { type AttributeValue, type Dimension, ElementType, GraphBuilder } from './onnx/graph.js';
export {
  attentionMask,
  clipByGlobalNorm,
  gelu,
  layerNorm as layerNormTf,
  linear as linearTf,
  MASKED_SCORE,
  maskedCrossEntropy,
  maskedMse,
} from './ops.js';
export { AdamW, type AdamWOptions, decays, learningRateAt } from './optimizer.js';
export { GradientWorkers, type ParallelInit, type ParallelRequest, type ParallelResponse } from './parallel.js';
export {
  deserializeArrays,
  ParameterSet,
  type ParamInit,
  type ParamSpec,
  serializeArrays,
  type WeightManifestEntry as TrainerWeightManifestEntry,
} from './params.js';
export {
  configHash,
  currentVersion,
  type DecisionRunOptions,
  pretrainHeadNames,
  pretrainRowsOf,
  quarantinedDataset,
  runPretrain,
  runRefresh,
  runRetrain,
  runTrain,
  type TrainingRecord,
  type TrainingRunOptions,
  type WrittenVersion,
} from './pipeline.js';
export {
  type LabelStats,
  type PretrainedBackbone,
  type PretrainLossWeights,
  type PretrainOptions,
  pretrainBackbone,
  pretrainTask,
} from './pretrain.js';
export { type ProgressSink, progressBar as trainingProgressBar, silentProgress } from './progress.js';
export { syntheticOptimalAction, syntheticPretrainRows, syntheticTrajectories } from './synthetic.js';
export {
  type EpochRecord,
  evaluateLoss,
  type FitOptions,
  type FitResult,
  fit,
  type TrainingTask,
  trainStep,
} from './trainer.js';
export { readTrajectoryFile, type TrajectoryFile } from './trajectory-file.js';
