/**
 * The Decision Transformer's inference graph in ONNX (opset 17), written from the registry's
 * weights: float32, and INT8 with the weight MatMuls dynamically quantised (weights symmetric per
 * output channel, activations `DynamicQuantizeLinear` per tensor, `MatMulInteger`). The graph takes
 * raw encoder vectors and unscaled returns-to-go and does the normalisation and scaling itself, so
 * the box feeds it what the encoder gives. docs/learning.md "The model (contract)" fixes the
 * inputs and outputs; "Export" explains the choices.
 *
 * @module
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BaseError } from '@tickerml/core';
import {
  checkDecisionTransformer,
  MASK_VALUE,
  type ModelArchitecture,
  ModelKind,
  type ModelWeights,
  type RegisteredModel,
} from '@tickerml/rl';
import { ElementType, GraphBuilder } from './graph.js';

/** The ONNX opset of the default domain the policy graphs use (LayerNormalization needs 17). */
export const POLICY_OPSET = 17;

/** How the weights are stored in the graph. */
export const Quantisation = {
  /** float32 everywhere. */
  None: 'none',
  /** 8-bit weights (symmetric, per output channel) for the backbone blocks' MatMuls; see {@link buildPolicyGraph}. */
  Int8: 'int8-dynamic',
} as const;
/** One of {@link Quantisation}'s values. */
export type Quantisation = (typeof Quantisation)[keyof typeof Quantisation];

/** The `metadata_props` keys every policy file carries. */
export const POLICY_METADATA_KEYS = {
  modelVersion: 'tickerml.model_version',
  encoderVersion: 'tickerml.encoder_version',
  features: 'tickerml.features',
  normalisation: 'tickerml.normalisation',
  context: 'tickerml.context',
  stateDim: 'tickerml.state_dim',
  riskBuckets: 'tickerml.risk_buckets',
  rtgScale: 'tickerml.rtg_scale',
  defaultTarget: 'tickerml.default_target',
  asOfUs: 'tickerml.as_of_us',
  dataRange: 'tickerml.data_range',
  datasetSha256: 'tickerml.dataset_sha256',
  configHash: 'tickerml.config_hash',
  gitCommit: 'tickerml.git_commit',
  quantisation: 'tickerml.quantisation',
  arch: 'tickerml.arch',
} as const;

/**
 * A registered model that cannot be exported (not a Decision Transformer, or inconsistent).
 *
 * @example
 * ```ts
 * buildPolicyGraph(backboneOnly, Quantisation.None); // throws ExportError: "model bb-1 is a backbone; only a decision_transformer exports as a policy"
 * ```
 */
export class ExportError extends BaseError {
  override name = 'ExportError' as const;
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? {} : { cause });
  }
}

/**
 * The `metadata_props` of a policy file, every value text (JSON for structured ones).
 *
 * @example
 * ```ts
 * policyMetadata(model, Quantisation.None)['tickerml.encoder_version']; // e.g. '1'
 * ```
 */
export function policyMetadata(model: RegisteredModel, quantisation: Quantisation): Record<string, string> {
  const { info } = model;
  const k = POLICY_METADATA_KEYS;
  return {
    [k.modelVersion]: info.version,
    [k.encoderVersion]: info.encoder.version,
    [k.features]: JSON.stringify(info.encoder.features),
    [k.normalisation]: JSON.stringify({
      mean: Array.from(info.normalisation.mean),
      std: Array.from(info.normalisation.std),
    }),
    [k.context]: String(info.arch.context),
    [k.stateDim]: String(info.arch.stateDim),
    [k.riskBuckets]: String(info.arch.riskBuckets),
    [k.rtgScale]: String(info.rtgScale),
    [k.defaultTarget]: String(info.defaultTarget),
    [k.asOfUs]: String(info.asOfUs),
    [k.dataRange]: JSON.stringify(info.dataRange),
    [k.datasetSha256]: info.datasetSha256,
    [k.configHash]: info.configHash,
    [k.gitCommit]: info.gitCommit,
    [k.quantisation]: quantisation,
    [k.arch]: JSON.stringify(info.arch),
  };
}

/** Symmetric per-output-channel INT8 quantisation of `w` (`[in, out]`): `w ≈ q · scale[out]`. */
export function quantiseWeightsPerChannel(
  w: Float32Array,
  inDim: number,
  outDim: number,
): { readonly q: Int8Array; readonly scale: Float32Array } {
  const scale = new Float32Array(outDim);
  for (let o = 0; o < outDim; o++) {
    let max = 0;
    for (let i = 0; i < inDim; i++) max = Math.max(max, Math.abs(w[i * outDim + o] as number));
    scale[o] = max === 0 ? 1 : max / 127;
  }
  const q = new Int8Array(inDim * outDim);
  for (let i = 0; i < inDim; i++) {
    for (let o = 0; o < outDim; o++) {
      const v = Math.round((w[i * outDim + o] as number) / (scale[o] as number));
      q[i * outDim + o] = Math.max(-127, Math.min(127, v));
    }
  }
  return { q, scale };
}

class PolicyGraph {
  readonly g = new GraphBuilder('tickerml_decision_transformer');
  constructor(
    private readonly weights: ModelWeights,
    private readonly quantise: boolean,
  ) {}

  w(name: string): Float32Array {
    const data = this.weights.get(name);
    if (data === undefined) throw new ExportError(`weight ${name} is missing`);
    return data;
  }

  /** x·W + b for a constant W; quantised when this graph is INT8 and `quantisable`. */
  linear(
    x: string,
    w: Float32Array,
    b: Float32Array,
    inDim: number,
    outDim: number,
    label: string,
    quantisable: boolean,
  ): string {
    const g = this.g;
    const bias = g.floats(`${label}.b`, [outDim], b);
    if (!(this.quantise && quantisable)) {
      const y = g.node('MatMul', [x, g.floats(`${label}.w`, [inDim, outDim], w)]);
      return g.node('Add', [y, bias]);
    }
    const { q, scale } = quantiseWeightsPerChannel(w, inDim, outDim);
    const wScale = g.floats(`${label}.w_scale`, [outDim], scale);
    const [xq, xScale, xZero] = g.nodeMulti('DynamicQuantizeLinear', [x], 3) as [string, string, string];
    // 8-bit symmetric weights held as uint8 around zero point 128: x86's uint8×int8 kernel adds
    // pairs of products into saturating int16 (255·127·2 > 32767) and lost up to 0.17 in the
    // action probabilities of a test model; uint8×uint8 does not saturate (docs/learning.md).
    const wu = g.initializer(
      `${label}.w_q`,
      ElementType.Uint8,
      [inDim, outDim],
      Uint8Array.from(q, (v) => v + 128),
    );
    const yInt = g.node('MatMulInteger', [
      xq,
      wu,
      xZero,
      g.initializer(`${label}.w_zero`, ElementType.Uint8, [], Uint8Array.of(128)),
    ]);
    const yFloat = g.node('Cast', [yInt], { to: { int: ElementType.Float } });
    const combined = g.node('Mul', [xScale, wScale]);
    return g.node('Add', [g.node('Mul', [yFloat, combined]), bias]);
  }

  layerNorm(x: string, prefix: string, d: number): string {
    const g = this.g;
    return g.node(
      'LayerNormalization',
      [
        x,
        g.floats(`${prefix}.gamma`, [d], this.w(`${prefix}.gamma`)),
        g.floats(`${prefix}.beta`, [d], this.w(`${prefix}.beta`)),
      ],
      { axis: { int: -1 }, epsilon: { float: 1e-5 } },
    );
  }
}

function concatColumns(parts: readonly Float32Array[], inDim: number, outDim: number): Float32Array {
  const out = new Float32Array(inDim * outDim * parts.length);
  const width = outDim * parts.length;
  parts.forEach((p, n) => {
    for (let i = 0; i < inDim; i++) out.set(p.subarray(i * outDim, (i + 1) * outDim), i * width + n * outDim);
  });
  return out;
}

/**
 * The inference graph of a Decision Transformer: inputs `states [B,K,2F]`, `actions [B,K,3]`,
 * `returns_to_go [B,K,1]`, `mask [B,K]`; outputs `action_probs [B,3]`, `size [B,1]`,
 * `risk_probs [B,R]`, for the last step. The q, k and v projections of a block share one MatMul
 * (their weights side by side). With {@link Quantisation.Int8} every block's attention (q/k/v and
 * output) and MLP MatMuls are 8-bit; the embeddings and the heads stay float32 (the state
 * embedding's input has a wide range, the others are a few hundred weights that decide the
 * outputs directly).
 *
 * @returns the serialised ONNX model.
 * @throws {@link ExportError} when the model is not a consistent Decision Transformer.
 * @example
 * ```ts
 * const bytes = buildPolicyGraph(await readModel('models/registry/v1'), Quantisation.Int8);
 * ```
 */
export function buildPolicyGraph(model: RegisteredModel, quantisation: Quantisation): Uint8Array {
  const { info, weights } = model;
  if (info.kind !== ModelKind.DecisionTransformer) {
    throw new ExportError(`model ${info.version} is a ${info.kind}; only a decision_transformer exports as a policy`);
  }
  try {
    checkDecisionTransformer({ arch: info.arch, weights, normalisation: info.normalisation, rtgScale: info.rtgScale });
  } catch (error) {
    throw new ExportError(`model ${info.version} cannot be exported`, error);
  }
  const arch: ModelArchitecture = info.arch;
  const { context: k, stateDim: s, dModel: d, heads, dFF: f, riskBuckets: r } = arch;
  const tokens = 3 * k;
  const dh = d / heads;
  const p = new PolicyGraph(weights, quantisation === Quantisation.Int8);
  const g = p.g;
  const B = 'batch';

  const states = g.input('states', ElementType.Float, [B, k, s]);
  const actions = g.input('actions', ElementType.Float, [B, k, 3]);
  const rtg = g.input('returns_to_go', ElementType.Float, [B, k, 1]);
  const mask = g.input('mask', ElementType.Float, [B, k]);

  // Embeddings: normalised state, scaled return-to-go, one-hot action; each + timestep row t.
  const normalised = g.node('Div', [
    g.node('Sub', [states, g.floats('norm.mean', [s], info.normalisation.mean)]),
    g.floats('norm.std', [s], info.normalisation.std),
  ]);
  const timestep = g.floats('dt.timestep_embed', [k, d], p.w('dt.timestep_embed'));
  const stateTok = g.node('Add', [
    // float32 even in INT8: absent features normalise to −mean/std, far from the others, so one
    // activation scale per tensor would be coarse; and this MatMul is over K tokens, not 3K.
    p.linear(
      normalised,
      p.w('backbone.state_embed.w'),
      p.w('backbone.state_embed.b'),
      s,
      d,
      'backbone.state_embed',
      false,
    ),
    timestep,
  ]);
  const scaled = g.node('Div', [rtg, g.floats('rtg_scale', [], [info.rtgScale])]);
  const returnTok = g.node('Add', [
    p.linear(scaled, p.w('dt.return_embed.w'), p.w('dt.return_embed.b'), 1, d, 'dt.return_embed', false),
    timestep,
  ]);
  const actionTok = g.node('Add', [
    p.linear(actions, p.w('dt.action_embed.w'), p.w('dt.action_embed.b'), 3, d, 'dt.action_embed', false),
    timestep,
  ]);
  // Interleave (R_t, s_t, a_t) → [B, 3K, d].
  const axis2 = g.int64s('axes_2', [1], [2]);
  const stacked = g.node(
    'Concat',
    [
      g.node('Unsqueeze', [returnTok, axis2]),
      g.node('Unsqueeze', [stateTok, axis2]),
      g.node('Unsqueeze', [actionTok, axis2]),
    ],
    { axis: { int: 2 } },
  );
  const seq = g.node('Reshape', [stacked, g.int64s('shape_tokens', [3], [0, tokens, d])]);
  let h = g.node('Add', [
    p.layerNorm(seq, 'dt.embed_ln', d),
    g.floats('backbone.pos_embed', [tokens, d], p.w('backbone.pos_embed').subarray(0, tokens * d)),
  ]);

  // Attention bias [B, 1, 3K, 3K]: causal (constant) plus key padding from the step mask.
  const causal = new Float32Array(tokens * tokens);
  for (let i = 0; i < tokens; i++) for (let j = i + 1; j < tokens; j++) causal[i * tokens + j] = MASK_VALUE;
  const tokenValid = g.node('Reshape', [
    g.node('Expand', [g.node('Unsqueeze', [mask, axis2]), g.int64s('shape_1_1_3', [3], [1, 1, 3])]),
    g.int64s('shape_valid', [2], [0, tokens]),
  ]);
  const padBias = g.node('Mul', [
    g.node('Sub', [tokenValid, g.floats('one', [], [1])]),
    g.floats('mask_magnitude', [], [-MASK_VALUE]),
  ]);
  const bias = g.node('Add', [
    g.floats('causal_bias', [tokens, tokens], causal),
    g.node('Unsqueeze', [padBias, g.int64s('axes_1_2', [2], [1, 2])]),
  ]);

  const headShape = g.int64s('shape_heads', [4], [0, tokens, heads, dh]);
  const mergeShape = g.int64s('shape_merge', [3], [0, tokens, d]);
  const split = g.int64s('split_qkv', [3], [d, d, d]);
  const scale = g.floats('attn_scale', [], [1 / Math.sqrt(dh)]);
  const half = g.floats('half', [], [0.5]);
  const geluC = g.floats('gelu_c', [], [Math.sqrt(2 / Math.PI)]);
  const geluA = g.floats('gelu_a', [], [0.044715]);
  for (let block = 0; block < arch.layers; block++) {
    const pre = `backbone.blocks.${block}`;
    const a = p.layerNorm(h, `${pre}.ln1`, d);
    const wqkv = concatColumns([p.w(`${pre}.attn.q.w`), p.w(`${pre}.attn.k.w`), p.w(`${pre}.attn.v.w`)], d, d);
    const bqkv = Float32Array.of(...p.w(`${pre}.attn.q.b`), ...p.w(`${pre}.attn.k.b`), ...p.w(`${pre}.attn.v.b`));
    const qkv = p.linear(a, wqkv, bqkv, d, 3 * d, `${pre}.attn.qkv`, true);
    const [q, kk, v] = g.nodeMulti('Split', [qkv, split], 3, { axis: { int: -1 } }) as [string, string, string];
    const qh = g.node('Transpose', [g.node('Reshape', [q, headShape])], { perm: { ints: [0, 2, 1, 3] } });
    const kh = g.node('Transpose', [g.node('Reshape', [kk, headShape])], { perm: { ints: [0, 2, 3, 1] } });
    const vh = g.node('Transpose', [g.node('Reshape', [v, headShape])], { perm: { ints: [0, 2, 1, 3] } });
    const scores = g.node('Add', [g.node('Mul', [g.node('MatMul', [qh, kh]), scale]), bias]);
    const probs = g.node('Softmax', [scores], { axis: { int: -1 } });
    const ctx = g.node('Reshape', [
      g.node('Transpose', [g.node('MatMul', [probs, vh])], { perm: { ints: [0, 2, 1, 3] } }),
      mergeShape,
    ]);
    const attn = p.linear(ctx, p.w(`${pre}.attn.o.w`), p.w(`${pre}.attn.o.b`), d, d, `${pre}.attn.o`, true);
    h = g.node('Add', [h, attn]);
    const m = p.layerNorm(h, `${pre}.ln2`, d);
    const f1 = p.linear(m, p.w(`${pre}.mlp.fc1.w`), p.w(`${pre}.mlp.fc1.b`), d, f, `${pre}.mlp.fc1`, true);
    // tanh-GELU: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
    const cube = g.node('Mul', [g.node('Mul', [f1, f1]), f1]);
    const inner = g.node('Mul', [g.node('Add', [f1, g.node('Mul', [cube, geluA])]), geluC]);
    const gelu = g.node('Mul', [
      g.node('Mul', [f1, half]),
      g.node('Add', [g.node('Tanh', [inner]), g.floats('one_f', [], [1])]),
    ]);
    const f2 = p.linear(gelu, p.w(`${pre}.mlp.fc2.w`), p.w(`${pre}.mlp.fc2.b`), f, d, `${pre}.mlp.fc2`, true);
    h = g.node('Add', [h, f2]);
  }
  const final = p.layerNorm(h, 'backbone.ln_f', d);
  const last = g.node('Gather', [final, g.int64s('last_state_token', [], [3 * (k - 1) + 1])], { axis: { int: 1 } });

  const actionLogits = p.linear(last, p.w('dt.head_action.w'), p.w('dt.head_action.b'), d, 3, 'dt.head_action', false);
  g.node('Softmax', [actionLogits], { axis: { int: -1 } }, 'action_probs');
  g.output('action_probs', ElementType.Float, [B, 3]);
  const sizeLogit = p.linear(last, p.w('dt.head_size.w'), p.w('dt.head_size.b'), d, 1, 'dt.head_size', false);
  g.node('Sigmoid', [sizeLogit], {}, 'size');
  g.output('size', ElementType.Float, [B, 1]);
  const riskLogits = p.linear(last, p.w('dt.head_risk.w'), p.w('dt.head_risk.b'), d, r, 'dt.head_risk', false);
  g.node('Softmax', [riskLogits], { axis: { int: -1 } }, 'risk_probs');
  g.output('risk_probs', ElementType.Float, [B, r]);

  return g.toModel({
    opset: POLICY_OPSET,
    producer: 'tickerml-rl-trainer',
    producerVersion: '0.1.0',
    metadata: policyMetadata(model, quantisation),
    docString: `TickerML Decision Transformer ${info.version} (${quantisation})`,
  });
}

/** What {@link exportPolicy} wrote. */
export interface ExportedPolicy {
  /** Path of policy.onnx (float32). */
  readonly float32Path: string;
  /** Path of policy.int8.onnx. */
  readonly int8Path: string;
  /** Sizes in bytes. */
  readonly float32Bytes: number;
  /** Sizes in bytes. */
  readonly int8Bytes: number;
}

/**
 * Writes `policy.onnx` (float32) and `policy.int8.onnx` (INT8) for `model` into `outDir`.
 *
 * @throws {@link ExportError} when the model cannot be exported.
 * @example
 * ```ts
 * const out = await exportPolicy(await readModel('models/registry/v1'), 'models/export');
 * console.log(out.float32Bytes, out.int8Bytes);
 * ```
 */
export async function exportPolicy(model: RegisteredModel, outDir: string): Promise<ExportedPolicy> {
  const float32 = buildPolicyGraph(model, Quantisation.None);
  const int8 = buildPolicyGraph(model, Quantisation.Int8);
  await mkdir(outDir, { recursive: true });
  const float32Path = join(outDir, 'policy.onnx');
  const int8Path = join(outDir, 'policy.int8.onnx');
  await writeFile(float32Path, float32);
  await writeFile(int8Path, int8);
  return { float32Path, int8Path, float32Bytes: float32.byteLength, int8Bytes: int8.byteLength };
}
