/**
 * The shape of the Decision Transformer and its backbone, and the names and shapes of every
 * weight, as fixed by docs/learning.md "The model (contract)". The TensorFlow.js model, the ONNX
 * export and the reference forward pass all read their weights by these names.
 *
 * @module
 */
import { BaseError } from '@tickerml/core';

/** The three actions, in the order of the action head's logits and of the one-hot action input. */
export const ACTIONS = ['sell', 'hold', 'buy'] as const;
/** One of {@link ACTIONS}. */
export type ActionName = (typeof ACTIONS)[number];
/** Action indices as stored in trajectories (`action` column) and used by the heads. */
export const Action = { Sell: 0, Hold: 1, Buy: 2 } as const;
/** One of {@link Action}'s values. */
export type Action = (typeof Action)[keyof typeof Action];

/** LayerNorm epsilon of every LayerNorm in the model. */
export const LAYER_NORM_EPS = 1e-5;
/** What the attention masks add to a forbidden score (causal and key padding). */
export const MASK_VALUE = -1e9;

/**
 * The model's dimensions. Field names are the camelCase of model_config.yaml's `backbone` and
 * `decision_transformer` sections, plus what the data fixes (`stateDim`, `riskBuckets`).
 *
 * @example
 * ```ts
 * const arch: ModelArchitecture = {
 *   stateDim: 64, dModel: 32, heads: 2, layers: 3, dFF: 128, maxTokens: 60,
 *   context: 20, riskBuckets: 4, trainableBlocks: 2,
 * };
 * validateArchitecture(arch);
 * ```
 */
export interface ModelArchitecture {
  /** Length of one encoder vector, `2F` (values then masks). */
  readonly stateDim: number;
  /** Width of the hidden state `d`. */
  readonly dModel: number;
  /** Attention heads; `dModel` must be a multiple. */
  readonly heads: number;
  /** Transformer blocks in the backbone. */
  readonly layers: number;
  /** Hidden width of each block's MLP. */
  readonly dFF: number;
  /** Rows of `backbone.pos_embed`; at least `3 × context` for the Decision Transformer. */
  readonly maxTokens: number;
  /** Decision Transformer context `K`, in steps (3 tokens each). */
  readonly context: number;
  /** Classes of the risk head. */
  readonly riskBuckets: number;
  /** How many of the last backbone blocks the Decision Transformer trains (the rest stay frozen). */
  readonly trainableBlocks: number;
}

/**
 * A model architecture that is not self-consistent (a width that does not split into the heads,
 * a context that needs more positions than the backbone has). The message names the field.
 *
 * @example
 * ```ts
 * validateArchitecture({ ...arch, heads: 3 }); // throws InvalidArchitectureError: "dModel 32 is not a multiple of heads 3"
 * ```
 */
export class InvalidArchitectureError extends BaseError {
  override name = 'InvalidArchitectureError' as const;
  constructor(message: string) {
    super(message);
  }
}

/**
 * Checks that every dimension is a positive integer, `dModel % heads = 0`,
 * `maxTokens ≥ 3 × context` and `trainableBlocks ≤ layers`.
 *
 * @throws {@link InvalidArchitectureError} naming the first field that is wrong.
 * @example
 * ```ts
 * validateArchitecture(arch); // returns arch when it is consistent
 * ```
 */
export function validateArchitecture(arch: ModelArchitecture): ModelArchitecture {
  for (const key of ['stateDim', 'dModel', 'heads', 'layers', 'dFF', 'maxTokens', 'context', 'riskBuckets'] as const) {
    const value = arch[key];
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new InvalidArchitectureError(`${key} must be a positive integer, was ${String(value)}`);
    }
  }
  if (!Number.isSafeInteger(arch.trainableBlocks) || arch.trainableBlocks < 0 || arch.trainableBlocks > arch.layers) {
    throw new InvalidArchitectureError(
      `trainableBlocks must be an integer in [0, layers = ${arch.layers}], was ${String(arch.trainableBlocks)}`,
    );
  }
  if (arch.dModel % arch.heads !== 0) {
    throw new InvalidArchitectureError(`dModel ${arch.dModel} is not a multiple of heads ${arch.heads}`);
  }
  if (arch.maxTokens < 3 * arch.context) {
    throw new InvalidArchitectureError(
      `maxTokens ${arch.maxTokens} is less than 3 × context = ${3 * arch.context} tokens`,
    );
  }
  return arch;
}

/** One weight's name and shape (`[in, out]` for a linear layer's `w`, `[out]` for its `b`). */
export interface WeightSpec {
  /** Contract name, e.g. `backbone.blocks.0.attn.q.w`. */
  readonly name: string;
  /** Dimensions, outermost first; the data is row-major float32. */
  readonly shape: readonly number[];
}

/**
 * Number of elements of a shape.
 *
 * @example
 * ```ts
 * shapeSize([20, 32]); // 640
 * ```
 */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const dim of shape) n *= dim;
  return n;
}

/**
 * The backbone's weights, in a fixed order (the order of `weights.bin`): state embedding,
 * position embedding, each block, final LayerNorm. Pretraining heads are not listed: they are
 * never exported.
 *
 * @example
 * ```ts
 * backboneWeightSpecs(arch)[0]; // { name: 'backbone.state_embed.w', shape: [64, 32] }
 * ```
 */
export function backboneWeightSpecs(arch: ModelArchitecture): WeightSpec[] {
  const { stateDim: s, dModel: d, dFF: f } = arch;
  const specs: WeightSpec[] = [
    { name: 'backbone.state_embed.w', shape: [s, d] },
    { name: 'backbone.state_embed.b', shape: [d] },
    { name: 'backbone.pos_embed', shape: [arch.maxTokens, d] },
  ];
  for (let i = 0; i < arch.layers; i++) {
    const p = `backbone.blocks.${i}`;
    specs.push({ name: `${p}.ln1.gamma`, shape: [d] }, { name: `${p}.ln1.beta`, shape: [d] });
    for (const m of ['q', 'k', 'v', 'o']) {
      specs.push({ name: `${p}.attn.${m}.w`, shape: [d, d] }, { name: `${p}.attn.${m}.b`, shape: [d] });
    }
    specs.push(
      { name: `${p}.ln2.gamma`, shape: [d] },
      { name: `${p}.ln2.beta`, shape: [d] },
      { name: `${p}.mlp.fc1.w`, shape: [d, f] },
      { name: `${p}.mlp.fc1.b`, shape: [f] },
      { name: `${p}.mlp.fc2.w`, shape: [f, d] },
      { name: `${p}.mlp.fc2.b`, shape: [d] },
    );
  }
  specs.push({ name: 'backbone.ln_f.gamma', shape: [d] }, { name: 'backbone.ln_f.beta', shape: [d] });
  return specs;
}

/**
 * Every weight of the Decision Transformer: the backbone's ({@link backboneWeightSpecs}) followed
 * by the `dt.*` embeddings and heads.
 *
 * @example
 * ```ts
 * decisionTransformerWeightSpecs(arch).at(-1); // { name: 'dt.head_risk.b', shape: [4] }
 * ```
 */
export function decisionTransformerWeightSpecs(arch: ModelArchitecture): WeightSpec[] {
  const d = arch.dModel;
  return [
    ...backboneWeightSpecs(arch),
    { name: 'dt.return_embed.w', shape: [1, d] },
    { name: 'dt.return_embed.b', shape: [d] },
    { name: 'dt.action_embed.w', shape: [3, d] },
    { name: 'dt.action_embed.b', shape: [d] },
    { name: 'dt.timestep_embed', shape: [arch.context, d] },
    { name: 'dt.embed_ln.gamma', shape: [d] },
    { name: 'dt.embed_ln.beta', shape: [d] },
    { name: 'dt.head_action.w', shape: [d, 3] },
    { name: 'dt.head_action.b', shape: [3] },
    { name: 'dt.head_size.w', shape: [d, 1] },
    { name: 'dt.head_size.b', shape: [1] },
    { name: 'dt.head_risk.w', shape: [d, arch.riskBuckets] },
    { name: 'dt.head_risk.b', shape: [arch.riskBuckets] },
  ];
}

/** Weights by contract name, each a row-major float32 array of its {@link WeightSpec}'s size. */
export type ModelWeights = ReadonlyMap<string, Float32Array>;

/**
 * A weight that is missing or has the wrong number of elements for its shape.
 *
 * @example
 * ```ts
 * checkWeights(new Map(), decisionTransformerWeightSpecs(arch)); // throws WeightMismatchError: "missing weight backbone.state_embed.w [64, 32]"
 * ```
 */
export class WeightMismatchError extends BaseError {
  override name = 'WeightMismatchError' as const;
  /** The weight's contract name. */
  readonly weight: string;
  constructor(weight: string, message: string) {
    super(message);
    this.weight = weight;
  }
}

/**
 * Checks that `weights` holds every spec'd weight with the right size and only finite values.
 * Extra weights (pretraining heads) are allowed.
 *
 * @throws {@link WeightMismatchError} naming the first weight that is missing, mis-sized or not finite.
 * @example
 * ```ts
 * checkWeights(weights, decisionTransformerWeightSpecs(arch));
 * ```
 */
export function checkWeights(weights: ModelWeights, specs: readonly WeightSpec[]): void {
  for (const spec of specs) {
    const data = weights.get(spec.name);
    if (data === undefined) {
      throw new WeightMismatchError(spec.name, `missing weight ${spec.name} [${spec.shape.join(', ')}]`);
    }
    const expected = shapeSize(spec.shape);
    if (data.length !== expected) {
      throw new WeightMismatchError(
        spec.name,
        `weight ${spec.name} expected ${expected} values for shape [${spec.shape.join(', ')}], was ${data.length}`,
      );
    }
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) {
        throw new WeightMismatchError(spec.name, `weight ${spec.name} has a non-finite value at index ${i}`);
      }
    }
  }
}
