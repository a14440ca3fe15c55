/**
 * The layers tfjs-core lacks, written from its ops so that every backend (WASM included) can
 * differentiate them: linear, LayerNorm, tanh-GELU, causal attention masks, masked losses and
 * global-norm clipping. None uses `tf.gather` (whose gradient needs `UnsortedSegmentSum`, absent
 * on WASM): rows are picked by slicing and reshaping, labels arrive one-hot.
 *
 * @module
 */
import { tf } from './tf.js';

/**
 * `x·W + b` over the last axis of `x` (any rank ≥ 2), with `W` stored `[in, out]`.
 * @example
 * ```ts
 * const y = linear(tf.ones([2, 5, 8]), tf.zeros([8, 4]), tf.zeros([4])); // [2, 5, 4]
 * ```
 */
export function linear(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const inDim = x.shape[x.shape.length - 1] ?? 0;
  const outDim = w.shape[1] ?? 0;
  const flat = tf.reshape(x, [-1, inDim]);
  const y = tf.add(tf.matMul(flat, w), b);
  return tf.reshape(y, [...x.shape.slice(0, -1), outDim]);
}

/** LayerNorm over the last axis: `(x − mean)/√(var + eps)·γ + β`, eps 1e-5 (the contract's). */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps = 1e-5): tf.Tensor {
  const axis = x.shape.length - 1;
  const mean = tf.mean(x, axis, true);
  const centred = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centred), axis, true);
  return tf.add(tf.mul(tf.div(centred, tf.sqrt(tf.add(variance, eps))), gamma), beta);
}

const GELU_C = Math.sqrt(2 / Math.PI);

/** GELU, tanh form: `0.5x(1 + tanh(√(2/π)(x + 0.044715x³)))`. */
export function gelu(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), GELU_C);
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

/** What the contract adds to a masked attention score. */
export const MASKED_SCORE = -1e9;

/**
 * The additive attention mask `[B, 1, T, T]`: 0 where query `i` may see key `j` (`j ≤ i` and key
 * `j` is real), {@link MASKED_SCORE} elsewhere.
 * @param keyMask - `B·T` entries, 1 real token, 0 padding; `undefined`: every token real.
 */
export function attentionMask(batch: number, tokens: number, keyMask?: Float32Array): tf.Tensor {
  const data = new Float32Array(batch * tokens * tokens);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < tokens; i++) {
      const row = (b * tokens + i) * tokens;
      for (let j = 0; j < tokens; j++) {
        const hidden = j > i || (keyMask !== undefined && keyMask[b * tokens + j] === 0);
        data[row + j] = hidden ? MASKED_SCORE : 0;
      }
    }
  }
  return tf.tensor4d(data, [batch, 1, tokens, tokens]);
}

/**
 * Mean cross-entropy of `logits` `[..., C]` against one-hot `targets` of the same shape, over
 * the entries whose `weights` (shape without the last axis) are 1; padding weighs 0.
 */
export function maskedCrossEntropy(logits: tf.Tensor, targets: tf.Tensor, weights: tf.Tensor): tf.Tensor {
  const perEntry = tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), -1));
  return tf.div(tf.sum(tf.mul(perEntry, weights)), tf.maximum(tf.sum(weights), 1));
}

/** Mean squared error over the entries whose `weights` are 1 (`prediction`, `target`, `weights` one shape). */
export function maskedMse(prediction: tf.Tensor, target: tf.Tensor, weights: tf.Tensor): tf.Tensor {
  return tf.div(tf.sum(tf.mul(tf.square(tf.sub(prediction, target)), weights)), tf.maximum(tf.sum(weights), 1));
}

/**
 * Scales every gradient by `min(1, clipNorm / ‖g‖)`, `‖g‖` the global L2 norm over all of them.
 * Returns the clipped gradients (new tensors; the inputs are not disposed) and the norm before
 * clipping.
 */
export function clipByGlobalNorm(
  grads: readonly tf.Tensor[],
  clipNorm: number,
): { clipped: tf.Tensor[]; norm: number } {
  const normTensor = tf.tidy(() => tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))));
  const norm = (normTensor.dataSync()[0] ?? 0) as number;
  normTensor.dispose();
  const scale = norm > clipNorm ? clipNorm / norm : 1;
  const clipped = grads.map((g) => (scale === 1 ? tf.clone(g) : tf.mul(g, scale)));
  return { clipped, norm };
}
