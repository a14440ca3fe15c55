/**
 * Seeded random weights for tests and for the first step of training.
 *
 * @module
 */
import type { SeededRandom } from '@tickerml/core';
import { decisionTransformerWeightSpecs, type ModelArchitecture, shapeSize, type WeightSpec } from './architecture.js';

/** Options of {@link initWeights}. */
export interface InitWeightsOptions {
  /**
   * Standard deviation of the bias, LayerNorm-offset and embedding-table entries, and of the
   * LayerNorm gains around 1. Defaults to 0.1, so that heads and masks all matter in a parity test;
   * a trainer starting from scratch may pass 0.
   */
  readonly spread?: number;
}

/**
 * Random weights for `specs`: each linear layer's `w` normal with std `1/√in` (so activations keep
 * their scale), embedding tables (`pos_embed`, `timestep_embed`) and biases normal with std
 * `spread`, LayerNorm `gamma` `1 + spread·N(0,1)` and `beta` `spread·N(0,1)`. Deterministic for a seed.
 *
 * @example
 * ```ts
 * const weights = initWeights(decisionTransformerWeightSpecs(arch), new SeededRandom(7));
 * ```
 */
export function initWeights(
  specs: readonly WeightSpec[],
  rng: SeededRandom,
  options: InitWeightsOptions = {},
): Map<string, Float32Array> {
  const spread = options.spread ?? 0.1;
  const weights = new Map<string, Float32Array>();
  for (const spec of specs) {
    const data = new Float32Array(shapeSize(spec.shape));
    const leaf = spec.name.slice(spec.name.lastIndexOf('.') + 1);
    if (leaf === 'w') {
      const std = 1 / Math.sqrt(spec.shape[0] ?? 1);
      for (let i = 0; i < data.length; i++) data[i] = rng.normal(0, std);
    } else if (leaf === 'gamma') {
      for (let i = 0; i < data.length; i++) data[i] = 1 + rng.normal(0, spread);
    } else {
      for (let i = 0; i < data.length; i++) data[i] = spread === 0 ? 0 : rng.normal(0, spread);
    }
    weights.set(spec.name, data);
  }
  return weights;
}

/**
 * Random weights for every Decision Transformer weight of `arch`; see {@link initWeights}.
 *
 * @example
 * ```ts
 * const weights = initDecisionTransformerWeights(arch, new SeededRandom('parity'));
 * ```
 */
export function initDecisionTransformerWeights(
  arch: ModelArchitecture,
  rng: SeededRandom,
  options: InitWeightsOptions = {},
): Map<string, Float32Array> {
  return initWeights(decisionTransformerWeightSpecs(arch), rng, options);
}
