/**
 * The backbone (causal pre-LN transformer with pretraining heads) and the Decision Transformer,
 * with the weight names and layout of docs/learning.md "The model (contract)".
 *
 * @module
 */
import { TrainingDataError } from './errors.js';
import { attentionMask, gelu, layerNorm, linear } from './ops.js';
import type { ParameterSet, ParamSpec } from './params.js';
import { tf } from './tf.js';

/** Sizes of the backbone (`model_config.yaml` `backbone.*`). */
export interface BackboneConfig {
  /** S: length of a state vector (`2F`: values then masks). */
  readonly stateDim: number;
  readonly dModel: number;
  readonly heads: number;
  readonly layers: number;
  readonly dFF: number;
  /** Length of the learned positional embedding: the longest token sequence. */
  readonly maxTokens: number;
}

/** Label horizons of the direction heads, e.g. `['1s', '10s', '60s']` (names `pretrain.dir_<h>`). */
export type DirectionHorizons = readonly string[];

/** Sizes of the Decision Transformer (`model_config.yaml` `decision_transformer.*`). */
export interface DecisionTransformerConfig {
  /** K: steps per context; `3K ≤ maxTokens`. */
  readonly context: number;
  /** Backbone blocks at the top that train; the rest (and the embeddings) stay frozen. */
  readonly trainableBlocks: number;
  /** Classes of the risk head. */
  readonly riskBuckets: number;
}

/** Backbone weights in contract order. */
export function backboneSpecs(cfg: BackboneConfig): ParamSpec[] {
  const { stateDim: s, dModel: d, dFF: f, layers } = cfg;
  const w = (name: string, shape: number[], std = 0.02): ParamSpec => ({ name, shape, init: { kind: 'normal', std } });
  const z = (name: string, shape: number[]): ParamSpec => ({ name, shape, init: { kind: 'zeros' } });
  const o = (name: string, shape: number[]): ParamSpec => ({ name, shape, init: { kind: 'ones' } });
  const residualStd = 0.02 / Math.sqrt(2 * layers);
  const specs: ParamSpec[] = [w('backbone.state_embed.w', [s, d]), z('backbone.state_embed.b', [d])];
  specs.push(w('backbone.pos_embed', [cfg.maxTokens, d]));
  for (let i = 0; i < layers; i++) {
    const p = `backbone.blocks.${i}`;
    specs.push(o(`${p}.ln1.gamma`, [d]), z(`${p}.ln1.beta`, [d]));
    for (const m of ['q', 'k', 'v', 'o']) {
      specs.push(w(`${p}.attn.${m}.w`, [d, d], m === 'o' ? residualStd : 0.02), z(`${p}.attn.${m}.b`, [d]));
    }
    specs.push(o(`${p}.ln2.gamma`, [d]), z(`${p}.ln2.beta`, [d]));
    specs.push(w(`${p}.mlp.fc1.w`, [d, f]), z(`${p}.mlp.fc1.b`, [f]));
    specs.push(w(`${p}.mlp.fc2.w`, [f, d], residualStd), z(`${p}.mlp.fc2.b`, [d]));
  }
  specs.push(o('backbone.ln_f.gamma', [d]), z('backbone.ln_f.beta', [d]));
  return specs;
}

/** Pretraining head weights (not exported to ONNX). */
export function pretrainHeadSpecs(cfg: BackboneConfig, horizons: DirectionHorizons): ParamSpec[] {
  const d = cfg.dModel;
  const specs: ParamSpec[] = [];
  for (const h of horizons) {
    specs.push({ name: `pretrain.dir_${h}.w`, shape: [d, 3], init: { kind: 'normal', std: 0.02 } });
    specs.push({ name: `pretrain.dir_${h}.b`, shape: [3], init: { kind: 'zeros' } });
  }
  for (const head of ['vol', 'spread']) {
    specs.push({ name: `pretrain.${head}.w`, shape: [d, 1], init: { kind: 'normal', std: 0.02 } });
    specs.push({ name: `pretrain.${head}.b`, shape: [1], init: { kind: 'zeros' } });
  }
  return specs;
}

/** Decision Transformer weights of its own (the backbone's come from {@link backboneSpecs}). */
export function decisionTransformerSpecs(cfg: BackboneConfig, dt: DecisionTransformerConfig): ParamSpec[] {
  const d = cfg.dModel;
  const w = (name: string, shape: number[]): ParamSpec => ({ name, shape, init: { kind: 'normal', std: 0.02 } });
  const z = (name: string, shape: number[]): ParamSpec => ({ name, shape, init: { kind: 'zeros' } });
  return [
    w('dt.return_embed.w', [1, d]),
    z('dt.return_embed.b', [d]),
    w('dt.action_embed.w', [3, d]),
    z('dt.action_embed.b', [d]),
    w('dt.timestep_embed', [dt.context, d]),
    { name: 'dt.embed_ln.gamma', shape: [d], init: { kind: 'ones' } },
    z('dt.embed_ln.beta', [d]),
    w('dt.head_action.w', [d, 3]),
    z('dt.head_action.b', [3]),
    w('dt.head_size.w', [d, 1]),
    z('dt.head_size.b', [1]),
    w('dt.head_risk.w', [d, dt.riskBuckets]),
    z('dt.head_risk.b', [dt.riskBuckets]),
  ];
}

/**
 * Names of the weights the Decision Transformer trains: the last `trainableBlocks` backbone
 * blocks, `backbone.ln_f` and every `dt.*` weight. The state and positional embeddings and the
 * lower blocks stay frozen.
 */
export function decisionTransformerTrainable(cfg: BackboneConfig, dt: DecisionTransformerConfig): Set<string> {
  const firstTrainable = Math.max(0, cfg.layers - dt.trainableBlocks);
  const names = new Set<string>();
  for (const spec of [...backboneSpecs(cfg), ...decisionTransformerSpecs(cfg, dt)]) {
    const block = /^backbone\.blocks\.(\d+)\./.exec(spec.name);
    if (spec.name.startsWith('dt.') || spec.name.startsWith('backbone.ln_f.')) names.add(spec.name);
    else if (block !== null && Number(block[1]) >= firstTrainable) names.add(spec.name);
  }
  return names;
}

function block(p: ParameterSet, i: number, x: tf.Tensor, mask: tf.Tensor, cfg: BackboneConfig): tf.Tensor {
  const n = `backbone.blocks.${i}`;
  const [batch, tokens] = x.shape as [number, number, number];
  const heads = cfg.heads;
  const dh = cfg.dModel / heads;
  const split = (t: tf.Tensor): tf.Tensor => tf.transpose(tf.reshape(t, [batch, tokens, heads, dh]), [0, 2, 1, 3]);
  const a = layerNorm(x, p.get(`${n}.ln1.gamma`), p.get(`${n}.ln1.beta`));
  const q = split(linear(a, p.get(`${n}.attn.q.w`), p.get(`${n}.attn.q.b`)));
  const k = split(linear(a, p.get(`${n}.attn.k.w`), p.get(`${n}.attn.k.b`)));
  const v = split(linear(a, p.get(`${n}.attn.v.w`), p.get(`${n}.attn.v.b`)));
  const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dh)), mask);
  const attended = tf.matMul(tf.softmax(scores), v);
  const merged = tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [batch, tokens, cfg.dModel]);
  const h = tf.add(x, linear(merged, p.get(`${n}.attn.o.w`), p.get(`${n}.attn.o.b`)));
  const m = layerNorm(h, p.get(`${n}.ln2.gamma`), p.get(`${n}.ln2.beta`));
  const ff = linear(
    gelu(linear(m, p.get(`${n}.mlp.fc1.w`), p.get(`${n}.mlp.fc1.b`))),
    p.get(`${n}.mlp.fc2.w`),
    p.get(`${n}.mlp.fc2.b`),
  );
  return tf.add(h, ff);
}

/**
 * Adds `backbone.pos_embed` rows `0..T−1`, runs every block under the causal (and key-padding)
 * mask, then `backbone.ln_f`. `x`: token embeddings `[B, T, d]`; returns `[B, T, d]`.
 * @param keyMask - `B·T` entries, 1 real token, 0 padding.
 */
export function backboneBlocks(p: ParameterSet, cfg: BackboneConfig, x: tf.Tensor, keyMask?: Float32Array): tf.Tensor {
  const [batch, tokens] = x.shape as [number, number, number];
  if (tokens > cfg.maxTokens)
    throw new TrainingDataError(`${tokens} tokens exceed backbone.max_tokens ${cfg.maxTokens}`);
  const mask = attentionMask(batch, tokens, keyMask);
  let h = tf.add(x, tf.slice(p.get('backbone.pos_embed'), [0, 0], [tokens, cfg.dModel]));
  for (let i = 0; i < cfg.layers; i++) h = block(p, i, h, mask, cfg);
  return layerNorm(h, p.get('backbone.ln_f.gamma'), p.get('backbone.ln_f.beta'));
}

/** Outputs of the pretraining heads at every position. */
export interface PretrainOutputs {
  /** Per horizon, direction logits `[B, T, 3]` (down, flat, up). */
  readonly direction: tf.Tensor[];
  /** Future volatility, standardised, `[B, T, 1]`. */
  readonly volatility: tf.Tensor;
  /** Future spread, standardised, `[B, T, 1]`. */
  readonly spread: tf.Tensor;
}

/** The backbone over normalised state sequences `[B, T, S]` with the pretraining heads. */
export function pretrainForward(
  p: ParameterSet,
  cfg: BackboneConfig,
  horizons: DirectionHorizons,
  states: tf.Tensor,
): PretrainOutputs {
  const x = linear(states, p.get('backbone.state_embed.w'), p.get('backbone.state_embed.b'));
  const h = backboneBlocks(p, cfg, x);
  return {
    direction: horizons.map((hz) => linear(h, p.get(`pretrain.dir_${hz}.w`), p.get(`pretrain.dir_${hz}.b`))),
    volatility: linear(h, p.get('pretrain.vol.w'), p.get('pretrain.vol.b')),
    spread: linear(h, p.get('pretrain.spread.w'), p.get('pretrain.spread.b')),
  };
}

/** Outputs of the Decision Transformer at every step (read from the `s_t` token). */
export interface DecisionOutputs {
  /** `[B, K, 3]` logits: sell, hold, buy. */
  readonly actionLogits: tf.Tensor;
  /** `[B, K, 1]` position size in [0, 1] (after the sigmoid). */
  readonly size: tf.Tensor;
  /** `[B, K, R]` risk-bucket logits. */
  readonly riskLogits: tf.Tensor;
}

/**
 * The Decision Transformer: tokens `(R_t, s_t, a_t)` at positions `3t, 3t+1, 3t+2`.
 * @param states - normalised states `[B, K, S]`.
 * @param actions - one-hot actions `[B, K, 3]`.
 * @param returnsToGo - scaled returns-to-go (`rtg / rtg_scale`) `[B, K, 1]`.
 * @param stepMask - `B·K` entries, 1 real step, 0 left padding.
 */
export function decisionForward(
  p: ParameterSet,
  cfg: BackboneConfig,
  dt: DecisionTransformerConfig,
  states: tf.Tensor,
  actions: tf.Tensor,
  returnsToGo: tf.Tensor,
  stepMask: Float32Array,
): DecisionOutputs {
  const [batch, k] = states.shape as [number, number, number];
  if (k > dt.context) throw new TrainingDataError(`${k} steps exceed decision_transformer.context ${dt.context}`);
  const d = cfg.dModel;
  const timestep = tf.slice(p.get('dt.timestep_embed'), [0, 0], [k, d]);
  const r = tf.add(linear(returnsToGo, p.get('dt.return_embed.w'), p.get('dt.return_embed.b')), timestep);
  const s = tf.add(linear(states, p.get('backbone.state_embed.w'), p.get('backbone.state_embed.b')), timestep);
  const a = tf.add(linear(actions, p.get('dt.action_embed.w'), p.get('dt.action_embed.b')), timestep);
  const tokens = tf.reshape(tf.stack([r, s, a], 2), [batch, 3 * k, d]);
  const embedded = layerNorm(tokens, p.get('dt.embed_ln.gamma'), p.get('dt.embed_ln.beta'));
  const keyMask = new Float32Array(batch * 3 * k);
  for (let i = 0; i < batch * k; i++) {
    const m = stepMask[i] ?? 0;
    keyMask[3 * i] = m;
    keyMask[3 * i + 1] = m;
    keyMask[3 * i + 2] = m;
  }
  const h = backboneBlocks(p, cfg, embedded, keyMask);
  const stateTokens = tf.reshape(tf.slice(tf.reshape(h, [batch, k, 3, d]), [0, 0, 1, 0], [batch, k, 1, d]), [
    batch,
    k,
    d,
  ]);
  return {
    actionLogits: linear(stateTokens, p.get('dt.head_action.w'), p.get('dt.head_action.b')),
    size: tf.sigmoid(linear(stateTokens, p.get('dt.head_size.w'), p.get('dt.head_size.b'))),
    riskLogits: linear(stateTokens, p.get('dt.head_risk.w'), p.get('dt.head_risk.b')),
  };
}
