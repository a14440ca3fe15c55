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
