/**
 * The plain TypeScript reference forward pass of the backbone and the Decision Transformer:
 * float64 arithmetic over the float32 contract weights, written for clarity, not speed. It is the
 * independent implementation the TensorFlow.js model and the ONNX graphs are tested against
 * (docs/learning.md "The model (contract)"); the box runs the ONNX file, not this.
 *
 * @module
 */
import { InvalidArgumentError } from '@tickerml/core';
import {
  checkWeights,
  decisionTransformerWeightSpecs,
  LAYER_NORM_EPS,
  MASK_VALUE,
  type ModelArchitecture,
  type ModelWeights,
  validateArchitecture,
} from './architecture.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * The tanh form of GELU: `0.5x(1 + tanh(√(2/π)(x + 0.044715x³)))`.
 *
 * @example
 * ```ts
 * geluTanh(1); // 0.8411919906082768
 * ```
 */
export function geluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
}

/**
 * Softmax of `logits`, shifted by their maximum so large inputs do not overflow.
 *
 * @example
 * ```ts
 * softmax([0, Math.log(3)]); // Float64Array [0.25, 0.75]
 * ```
 */
export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] as number);
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = Math.exp((logits[i] as number) - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / sum;
  return out;
}

/**
 * LayerNorm of each row of the row-major matrix `x` (`rows × width`): subtract the row mean,
 * divide by `√(variance + 1e-5)` (population variance), scale by `gamma`, add `beta`.
 *
 * @example
 * ```ts
 * layerNorm(Float64Array.of(1, 3), 1, 2, Float32Array.of(1, 1), Float32Array.of(0, 0)); // ≈ [-1, 1]
 * ```
 */
export function layerNorm(
  x: ArrayLike<number>,
  rows: number,
  width: number,
  gamma: ArrayLike<number>,
  beta: ArrayLike<number>,
): Float64Array {
  const out = new Float64Array(rows * width);
  for (let r = 0; r < rows; r++) {
    const base = r * width;
    let mean = 0;
    for (let c = 0; c < width; c++) mean += x[base + c] as number;
    mean /= width;
    let variance = 0;
    for (let c = 0; c < width; c++) {
      const dev = (x[base + c] as number) - mean;
      variance += dev * dev;
    }
    variance /= width;
    const inv = 1 / Math.sqrt(variance + LAYER_NORM_EPS);
    for (let c = 0; c < width; c++) {
      out[base + c] = ((x[base + c] as number) - mean) * inv * (gamma[c] as number) + (beta[c] as number);
    }
  }
  return out;
}

/**
 * `y = x·W + b` for each row of `x` (`rows × inDim`), `W` row-major `[inDim, outDim]`.
 *
 * @example
 * ```ts
 * linear(Float64Array.of(1, 2), 1, 2, 1, Float32Array.of(3, 4), Float32Array.of(0.5)); // [11.5]
 * ```
 */
export function linear(
  x: ArrayLike<number>,
  rows: number,
  inDim: number,
  outDim: number,
  w: ArrayLike<number>,
  b: ArrayLike<number>,
): Float64Array {
  const out = new Float64Array(rows * outDim);
  for (let r = 0; r < rows; r++) {
    const o = r * outDim;
    for (let j = 0; j < outDim; j++) out[o + j] = b[j] as number;
    for (let i = 0; i < inDim; i++) {
      const xi = x[r * inDim + i] as number;
      if (xi === 0) continue;
      const wRow = i * outDim;
      for (let j = 0; j < outDim; j++) out[o + j] = (out[o + j] as number) + xi * (w[wRow + j] as number);
    }
  }
  return out;
}

/**
 * The additive attention mask over `tokens` tokens (row = query, column = key): 0 where the key
 * is at or before the query and is a real token, {@link MASK_VALUE} (−1e9) where it is in the
 * future (causal) or padding. `valid[j]` is nonzero for a real token.
 *
 * @example
 * ```ts
 * attentionBias([0, 1]); // [-1e9, -1e9, -1e9, 0]: the padded key 0 is hidden from both queries
 * ```
 */
export function attentionBias(valid: ArrayLike<number>): Float64Array {
  const n = valid.length;
  const bias = new Float64Array(n * n);
  for (let q = 0; q < n; q++) {
    for (let k = 0; k < n; k++) bias[q * n + k] = k <= q && valid[k] !== 0 ? 0 : MASK_VALUE;
  }
  return bias;
}

function weight(weights: ModelWeights, name: string): Float32Array {
  const w = weights.get(name);
  if (w === undefined) throw new InvalidArgumentError(name, 'a weight present in the model');
  return w;
}

/**
 * The backbone blocks and final LayerNorm over already-embedded tokens `x` (`tokens × dModel`,
 * position embedding included): per block `h = x + Attn(LN1(x))`, `y = h + FC2(GELU(FC1(LN2(h))))`,
 * then `backbone.ln_f`. `valid` marks real tokens (see {@link attentionBias}).
 *
 * @returns the hidden states, `tokens × dModel`, row-major.
 * @example
 * ```ts
 * const hidden = backboneBlocks(arch, weights, embedded, new Uint8Array(60).fill(1));
 * ```
 */
export function backboneBlocks(
  arch: ModelArchitecture,
  weights: ModelWeights,
  x: ArrayLike<number>,
  valid: ArrayLike<number>,
): Float64Array {
  const d = arch.dModel;
  const n = valid.length;
  const dh = d / arch.heads;
  const scale = 1 / Math.sqrt(dh);
  const bias = attentionBias(valid);
  let h = Float64Array.from(x);
  for (let block = 0; block < arch.layers; block++) {
    const p = `backbone.blocks.${block}`;
    const a = layerNorm(h, n, d, weight(weights, `${p}.ln1.gamma`), weight(weights, `${p}.ln1.beta`));
    const q = linear(a, n, d, d, weight(weights, `${p}.attn.q.w`), weight(weights, `${p}.attn.q.b`));
    const k = linear(a, n, d, d, weight(weights, `${p}.attn.k.w`), weight(weights, `${p}.attn.k.b`));
    const v = linear(a, n, d, d, weight(weights, `${p}.attn.v.w`), weight(weights, `${p}.attn.v.b`));
    const heads = new Float64Array(n * d);
    const scores = new Float64Array(n);
    for (let head = 0; head < arch.heads; head++) {
      const off = head * dh;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let dot = 0;
          for (let c = 0; c < dh; c++) dot += (q[i * d + off + c] as number) * (k[j * d + off + c] as number);
          scores[j] = dot * scale + (bias[i * n + j] as number);
        }
        let max = Number.NEGATIVE_INFINITY;
        for (let j = 0; j < n; j++) max = Math.max(max, scores[j] as number);
        let sum = 0;
        for (let j = 0; j < n; j++) {
          const e = Math.exp((scores[j] as number) - max);
          scores[j] = e;
          sum += e;
        }
        for (let j = 0; j < n; j++) {
          const pj = (scores[j] as number) / sum;
          if (pj === 0) continue;
          for (let c = 0; c < dh; c++) {
            heads[i * d + off + c] = (heads[i * d + off + c] as number) + pj * (v[j * d + off + c] as number);
          }
        }
      }
    }
    const attn = linear(heads, n, d, d, weight(weights, `${p}.attn.o.w`), weight(weights, `${p}.attn.o.b`));
    for (let i = 0; i < h.length; i++) h[i] = (h[i] as number) + (attn[i] as number);
    const m = layerNorm(h, n, d, weight(weights, `${p}.ln2.gamma`), weight(weights, `${p}.ln2.beta`));
    const f1 = linear(m, n, d, arch.dFF, weight(weights, `${p}.mlp.fc1.w`), weight(weights, `${p}.mlp.fc1.b`));
    for (let i = 0; i < f1.length; i++) f1[i] = geluTanh(f1[i] as number);
    const f2 = linear(f1, n, arch.dFF, d, weight(weights, `${p}.mlp.fc2.w`), weight(weights, `${p}.mlp.fc2.b`));
    const next = new Float64Array(h.length);
    for (let i = 0; i < h.length; i++) next[i] = (h[i] as number) + (f2[i] as number);
    h = next;
  }
  return layerNorm(h, n, d, weight(weights, 'backbone.ln_f.gamma'), weight(weights, 'backbone.ln_f.beta'));
}

/**
 * The pretraining backbone over a sequence of already-normalised state vectors: each state
 * through `backbone.state_embed`, plus `backbone.pos_embed` row `t`, then {@link backboneBlocks}.
 *
 * @param states - `tokens × stateDim`, row-major, already normalised.
 * @param valid - one flag per token, nonzero for a real one (left padding is 0).
 * @returns the hidden states, `tokens × dModel`.
 * @throws `InvalidArgumentError` (core) when the sizes do not match the architecture.
 * @example
 * ```ts
 * const hidden = backboneForward(arch, weights, states, new Uint8Array(60).fill(1));
 * ```
 */
export function backboneForward(
  arch: ModelArchitecture,
  weights: ModelWeights,
  states: ArrayLike<number>,
  valid: ArrayLike<number>,
): Float64Array {
  const n = valid.length;
  if (n > arch.maxTokens) throw new InvalidArgumentError(String(n), `at most maxTokens = ${arch.maxTokens} tokens`);
  if (states.length !== n * arch.stateDim) {
    throw new InvalidArgumentError(String(states.length), `${n} × stateDim ${arch.stateDim} state values`);
  }
  const x = linear(
    states,
    n,
    arch.stateDim,
    arch.dModel,
    weight(weights, 'backbone.state_embed.w'),
    weight(weights, 'backbone.state_embed.b'),
  );
  const pos = weight(weights, 'backbone.pos_embed');
  for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) + (pos[i] as number);
  return backboneBlocks(arch, weights, x, valid);
}

/** Per-feature normalisation of the encoder vector: `(state − mean) / std`. */
export interface StateNormalisation {
  /** One mean per vector entry (`stateDim`); mask entries 0. */
  readonly mean: Float32Array;
  /** One standard deviation per entry, all > 0 (a zero std is stored as 1); mask entries 1. */
  readonly std: Float32Array;
}

/** What the Decision Transformer's forward pass needs: the architecture, weights and the two input scalings. */
export interface DecisionTransformerParameters {
  /** The model's dimensions. */
  readonly arch: ModelArchitecture;
  /** Every weight of {@link decisionTransformerWeightSpecs}. */
  readonly weights: ModelWeights;
  /** Applied to the raw encoder vectors. */
  readonly normalisation: StateNormalisation;
  /** Returns-to-go are divided by this before the return embedding (a fraction of equity). */
  readonly rtgScale: number;
}

/**
 * One decision's K-step context, oldest step first, left-padded: the same arrays the ONNX graph
 * takes for one batch row.
 */
export interface DecisionContext {
  /** Raw encoder vectors, `K × stateDim` (not normalised). */
  readonly states: ArrayLike<number>;
  /** One-hot actions, `K × 3` (sell, hold, buy); zeros for the current step and padding. */
  readonly actions: ArrayLike<number>;
  /** Returns-to-go, unscaled (fraction of starting equity), `K`. */
  readonly returnsToGo: ArrayLike<number>;
  /** 1 for a real step, 0 for left padding, `K`. */
  readonly mask: ArrayLike<number>;
}

/** The Decision Transformer's outputs for the last step of a context. */
export interface PolicyOutputs {
  /** Action logits: sell, hold, buy. */
  readonly actionLogits: Float64Array;
  /** Softmax of the logits. */
  readonly actionProbs: Float64Array;
  /** Position size as a fraction in [0, 1] (sigmoid of the size head). */
  readonly size: number;
  /** Risk-bucket logits, `riskBuckets`. */
  readonly riskLogits: Float64Array;
  /** Softmax of the risk logits. */
  readonly riskProbs: Float64Array;
}

/**
 * Checks that a Decision Transformer's parameters fit together (architecture, every weight's
 * size and finiteness, normalisation length, rtg scale); call it once per model before
 * {@link decisionTransformerForward}.
 *
 * @throws {@link InvalidArchitectureError} or {@link WeightMismatchError} when the model is inconsistent.
 * @example
 * ```ts
 * checkDecisionTransformer(params);
 * ```
 */
export function checkDecisionTransformer(params: DecisionTransformerParameters): void {
  validateArchitecture(params.arch);
  checkWeights(params.weights, decisionTransformerWeightSpecs(params.arch));
  const s = params.arch.stateDim;
  if (params.normalisation.mean.length !== s || params.normalisation.std.length !== s) {
    throw new InvalidArgumentError(
      `${params.normalisation.mean.length}/${params.normalisation.std.length}`,
      `normalisation mean/std of stateDim ${s} entries`,
    );
  }
  if (!(params.rtgScale > 0) || !Number.isFinite(params.rtgScale)) {
    throw new InvalidArgumentError(String(params.rtgScale), 'a positive finite rtgScale');
  }
}

/**
 * The Decision Transformer for one context: tokens `(R_t, s_t, a_t)` at positions `3t, 3t+1, 3t+2`,
 * each embedded (returns-to-go scaled by `rtgScale`, states normalised then through the backbone's
 * state embedding, actions one-hot), plus `dt.timestep_embed` row `t`, then `dt.embed_ln`, plus
 * `backbone.pos_embed`, then the backbone; the heads read the last step's state token.
 *
 * @returns the last step's action and risk logits and probabilities and its size in [0, 1].
 * @throws `InvalidArgumentError` (core) when an array's length does not match the architecture.
 * @example
 * ```ts
 * const out = decisionTransformerForward(params, { states, actions, returnsToGo, mask });
 * out.actionProbs; // [p(sell), p(hold), p(buy)]
 * ```
 */
export function decisionTransformerForward(
  params: DecisionTransformerParameters,
  context: DecisionContext,
): PolicyOutputs {
  const { arch, weights, normalisation } = params;
  const k = arch.context;
  const s = arch.stateDim;
  const d = arch.dModel;
  if (context.states.length !== k * s) {
    throw new InvalidArgumentError(String(context.states.length), `K ${k} × stateDim ${s} state values`);
  }
  if (context.actions.length !== k * 3) {
    throw new InvalidArgumentError(String(context.actions.length), `K ${k} × 3 action values`);
  }
  if (context.returnsToGo.length !== k) {
    throw new InvalidArgumentError(String(context.returnsToGo.length), `K ${k} returns-to-go`);
  }
  if (context.mask.length !== k) throw new InvalidArgumentError(String(context.mask.length), `K ${k} mask values`);

  const normalised = new Float64Array(k * s);
  for (let t = 0; t < k; t++) {
    for (let i = 0; i < s; i++) {
      normalised[t * s + i] =
        ((context.states[t * s + i] as number) - (normalisation.mean[i] as number)) / (normalisation.std[i] as number);
    }
  }
  const stateTokens = linear(
    normalised,
    k,
    s,
    d,
    weight(weights, 'backbone.state_embed.w'),
    weight(weights, 'backbone.state_embed.b'),
  );
  const scaledRtg = new Float64Array(k);
  for (let t = 0; t < k; t++) scaledRtg[t] = (context.returnsToGo[t] as number) / params.rtgScale;
  const returnTokens = linear(
    scaledRtg,
    k,
    1,
    d,
    weight(weights, 'dt.return_embed.w'),
    weight(weights, 'dt.return_embed.b'),
  );
  const actionTokens = linear(
    Float64Array.from(context.actions),
    k,
    3,
    d,
    weight(weights, 'dt.action_embed.w'),
    weight(weights, 'dt.action_embed.b'),
  );
  const timestep = weight(weights, 'dt.timestep_embed');
  const tokens = new Float64Array(3 * k * d);
  const valid = new Uint8Array(3 * k);
  for (let t = 0; t < k; t++) {
    const real = context.mask[t] !== 0 ? 1 : 0;
    const sources = [returnTokens, stateTokens, actionTokens];
    for (let m = 0; m < 3; m++) {
      const src = sources[m] as Float64Array;
      const row = (3 * t + m) * d;
      valid[3 * t + m] = real;
      for (let c = 0; c < d; c++) tokens[row + c] = (src[t * d + c] as number) + (timestep[t * d + c] as number);
    }
  }
  const x = layerNorm(tokens, 3 * k, d, weight(weights, 'dt.embed_ln.gamma'), weight(weights, 'dt.embed_ln.beta'));
  const pos = weight(weights, 'backbone.pos_embed');
  for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) + (pos[i] as number);
  const hidden = backboneBlocks(arch, weights, x, valid);
  const last = hidden.subarray((3 * (k - 1) + 1) * d, (3 * (k - 1) + 2) * d);
  const actionLogits = linear(last, 1, d, 3, weight(weights, 'dt.head_action.w'), weight(weights, 'dt.head_action.b'));
  const sizeLogit = linear(
    last,
    1,
    d,
    1,
    weight(weights, 'dt.head_size.w'),
    weight(weights, 'dt.head_size.b'),
  )[0] as number;
  const riskLogits = linear(
    last,
    1,
    d,
    arch.riskBuckets,
    weight(weights, 'dt.head_risk.w'),
    weight(weights, 'dt.head_risk.b'),
  );
  return {
    actionLogits,
    actionProbs: softmax(actionLogits),
    size: 1 / (1 + Math.exp(-sizeLogit)),
    riskLogits,
    riskProbs: softmax(riskLogits),
  };
}
