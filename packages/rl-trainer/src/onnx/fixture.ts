/**
 * Seeded random Decision Transformers and contexts for the export's parity tests and bench.
 *
 * @module
 */
import { SeededRandom } from '@tickerml/core';
import {
  type DecisionContext,
  initDecisionTransformerWeights,
  type ModelArchitecture,
  ModelKind,
  type RegisteredModel,
} from '@tickerml/rl';

/**
 * A random but well-formed Decision Transformer of `arch`, with non-trivial normalisation
 * statistics (features 0..F-1 with means and stds away from 0 and 1; masks mean 0, std 1).
 *
 * @example
 * ```ts
 * const model = randomPolicyModel(arch, 'parity');
 * ```
 */
export function randomPolicyModel(arch: ModelArchitecture, seed: string, version = `random-${seed}`): RegisteredModel {
  const rng = new SeededRandom(`${seed}/normalisation`);
  const f = arch.stateDim / 2;
  const mean = new Float32Array(arch.stateDim);
  const std = new Float32Array(arch.stateDim).fill(1);
  for (let i = 0; i < f; i++) {
    mean[i] = rng.normal(0, 3);
    std[i] = rng.uniform(0.2, 5);
  }
  return {
    info: {
      version,
      kind: ModelKind.DecisionTransformer,
      arch,
      normalisation: { mean, std },
      rtgScale: 0.01,
      defaultTarget: 0.005,
      encoder: {
        version: 'test-encoder',
        features: Array.from({ length: f }, (_, i) => ({ name: `feature_${i}`, unit: 'unit', window: '' })),
      },
      asOfUs: 1_765_000_000_000_000,
      dataRange: { fromUs: 1_760_000_000_000_000, toUs: 1_762_000_000_000_000 },
      datasetSha256: '0'.repeat(64),
      configHash: '0'.repeat(64),
      gitCommit: 'unknown',
      backend: 'reference',
      createdUs: 1_765_000_000_000_000,
    },
    weights: initDecisionTransformerWeights(arch, new SeededRandom(seed)),
  };
}

/** A context as the four float32 input tensors' data for one batch row. */
export interface Float32Context extends DecisionContext {
  /** `K × stateDim`. */
  readonly states: Float32Array;
  /** `K × 3`. */
  readonly actions: Float32Array;
  /** `K`. */
  readonly returnsToGo: Float32Array;
  /** `K`. */
  readonly mask: Float32Array;
}

/**
 * `count` random contexts for `model`: a random number of real steps (left padding before),
 * features drawn around the normalisation statistics, some masked out, random past actions and
 * returns-to-go around the default target.
 *
 * @example
 * ```ts
 * const contexts = randomContexts(model, 1000, 'held-out');
 * ```
 */
export function randomContexts(model: RegisteredModel, count: number, seed: string): Float32Context[] {
  const { arch, normalisation } = model.info;
  const rng = new SeededRandom(seed);
  const f = arch.stateDim / 2;
  const k = arch.context;
  const out: Float32Context[] = [];
  for (let n = 0; n < count; n++) {
    const states = new Float32Array(k * arch.stateDim);
    const actions = new Float32Array(k * 3);
    const returnsToGo = new Float32Array(k);
    const mask = new Float32Array(k);
    const real = rng.int(1, k);
    for (let t = k - real; t < k; t++) {
      mask[t] = 1;
      returnsToGo[t] = rng.normal(model.info.defaultTarget, 0.005);
      for (let i = 0; i < f; i++) {
        if (rng.bool(0.1)) continue;
        states[t * arch.stateDim + i] = rng.normal(normalisation.mean[i] as number, normalisation.std[i] as number);
        states[t * arch.stateDim + f + i] = 1;
      }
      if (t < k - 1) actions[t * 3 + rng.int(0, 2)] = 1;
    }
    out.push({ states, actions, returnsToGo, mask });
  }
  return out;
}
