/**
 * @packageDocumentation
 * The learning half without TensorFlow.js: the state encoder, datasets, trajectories, the model
 * registry format, the reference forward pass and the ONNX policy on onnxruntime.
 */

export {
  type AgentState,
  type CrossVenueQuote,
  ENCODER_VERSION,
  type FeatureSpec,
  StateEncoder,
  type StateEncoderOptions,
} from './encoder.js';
export { DatasetFormatError, DatasetInputError, EncodeTimeError, RlOptionError } from './errors.js';
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
