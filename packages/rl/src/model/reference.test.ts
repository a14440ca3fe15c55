import { SeededRandom } from '@tickerml/core';
import { describe, expect, it } from 'vitest';
import { MASK_VALUE, type ModelArchitecture, validateArchitecture } from './architecture.js';
import { initDecisionTransformerWeights } from './init.js';
import {
  attentionBias,
  type DecisionContext,
  type DecisionTransformerParameters,
  decisionTransformerForward,
  geluTanh,
  layerNorm,
  linear,
  softmax,
} from './reference.js';

const arch: ModelArchitecture = {
  stateDim: 6,
  dModel: 8,
  heads: 2,
  layers: 2,
  dFF: 16,
  maxTokens: 12,
  context: 4,
  riskBuckets: 3,
  trainableBlocks: 1,
};

function params(seed: string): DecisionTransformerParameters {
  const mean = new Float32Array(arch.stateDim);
  const std = new Float32Array(arch.stateDim).fill(1);
  for (let i = 0; i < 3; i++) {
    mean[i] = 0.5 * i;
    std[i] = 1 + i;
  }
  return {
    arch,
    weights: initDecisionTransformerWeights(arch, new SeededRandom(seed)),
    normalisation: { mean, std },
    rtgScale: 0.01,
  };
}

function context(seed: string, realSteps: number): { -readonly [K in keyof DecisionContext]: Float64Array } {
  const rng = new SeededRandom(seed);
  const k = arch.context;
  const states = new Float64Array(k * arch.stateDim);
  const actions = new Float64Array(k * 3);
  const returnsToGo = new Float64Array(k);
  const mask = new Float64Array(k);
  for (let t = k - realSteps; t < k; t++) {
    mask[t] = 1;
    returnsToGo[t] = rng.normal(0.005, 0.002);
    for (let i = 0; i < 3; i++) states[t * arch.stateDim + i] = rng.normal(0, 2);
    for (let i = 3; i < 6; i++) states[t * arch.stateDim + i] = 1;
    if (t < k - 1) actions[t * 3 + rng.int(0, 2)] = 1;
  }
  return { states, actions, returnsToGo, mask };
}

describe('reference pieces against hand-computed values', () => {
  it('LayerNorm uses the population variance and eps 1e-5, then gamma and beta', () => {
    // [1, 3]: mean 2, variance 1 → (∓1)/√(1 + 1e-5)
    const inv = 1 / Math.sqrt(1.00001);
    const out = layerNorm([1, 3, 1, 2], 2, 2, [2, 0.5], [1, -1]);
    expect(out[0]).toBeCloseTo(1 - 2 * inv, 14);
    expect(out[1]).toBeCloseTo(-1 + 0.5 * inv, 14);
    // second row [1, 2]: mean 1.5, variance 0.25 → ∓0.5/√0.25001
    const inv2 = 0.5 / Math.sqrt(0.25001);
    expect(out[2]).toBeCloseTo(1 - 2 * inv2, 14);
    expect(out[3]).toBeCloseTo(-1 + 0.5 * inv2, 14);
    expect(out.length).toBe(4);
  });

  it('tanh-GELU matches its closed form and the known value at 1', () => {
    expect(geluTanh(0)).toBe(0);
    expect(geluTanh(1)).toBeCloseTo(0.8411919906082768, 14);
    // GELU(x) − GELU(−x) = x for the tanh form (tanh is odd)
    for (const x of [0.3, 1.7, 4]) expect(geluTanh(x) - geluTanh(-x)).toBeCloseTo(x, 14);
    // tanh written with exp: 2 → 1 + tanh(√(2/π)·2.35772)
    const z = Math.sqrt(2 / Math.PI) * (2 + 0.044715 * 8);
    expect(geluTanh(2)).toBeCloseTo(1 + (Math.exp(2 * z) - 1) / (Math.exp(2 * z) + 1), 14);
  });

  it('softmax sums to 1 and does not overflow', () => {
    const quarter = softmax([0, Math.log(3)]);
    expect(quarter[0]).toBeCloseTo(0.25, 15);
    expect(quarter[1]).toBeCloseTo(0.75, 15);
    expect(Array.from(softmax([1000, 1000]))).toEqual([0.5, 0.5]);
    const e = Math.E;
    const p = softmax([1, 2, 3]);
    expect(p[0]).toBeCloseTo(e / (e + e * e + e * e * e), 15);
    expect(softmax([MASK_VALUE, 0])[0]).toBe(0);
  });

  it('the attention bias hides future keys and padding keys', () => {
    const m = MASK_VALUE;
    expect(Array.from(attentionBias([0, 1, 1]))).toEqual([m, m, m, m, 0, m, m, 0, 0]);
  });

  it('linear computes x·W + b with W stored [in, out]', () => {
    // x = [1, 2], W = [[1, 2, 3], [4, 5, 6]], b = [0.5, 0, -1] → [9.5, 12, 14]
    expect(Array.from(linear([1, 2], 1, 2, 3, [1, 2, 3, 4, 5, 6], [0.5, 0, -1]))).toEqual([9.5, 12, 14]);
  });

  it('an inconsistent architecture is refused, naming the field', () => {
    expect(() => validateArchitecture({ ...arch, heads: 3 })).toThrow('dModel 8 is not a multiple of heads 3');
    expect(() => validateArchitecture({ ...arch, maxTokens: 11 })).toThrow('maxTokens 11 is less than 3 × context');
  });
});

describe('decisionTransformerForward', () => {
  it('the heads read the last state token: zero head weights give softmax(bias) and sigmoid(bias)', () => {
    const p = params('heads');
    const weights = new Map(p.weights);
    weights.set('dt.head_action.w', new Float32Array(arch.dModel * 3));
    weights.set('dt.head_action.b', Float32Array.of(0, Math.log(2), Math.log(3)));
    weights.set('dt.head_size.w', new Float32Array(arch.dModel));
    weights.set('dt.head_size.b', Float32Array.of(0));
    const out = decisionTransformerForward({ ...p, weights }, context('c', 4));
    expect(out.actionProbs[0]).toBeCloseTo(1 / 6, 6);
    expect(out.actionProbs[2]).toBeCloseTo(3 / 6, 6);
    expect(out.size).toBe(0.5);
    expect(out.riskProbs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('left padding and the current action do not change the output; an earlier real step does', () => {
    const p = params('mask');
    const base = context('ctx', 2);
    const out = decisionTransformerForward(p, base);
    const padded = { ...base, states: base.states.slice(), returnsToGo: base.returnsToGo.slice() };
    padded.states[0] = 123;
    padded.returnsToGo[1] = -7;
    expect(Array.from(decisionTransformerForward(p, padded).actionLogits)).toEqual(Array.from(out.actionLogits));
    const current = { ...base, actions: base.actions.slice() };
    current.actions[(arch.context - 1) * 3 + 2] = 1;
    expect(decisionTransformerForward(p, current).size).toBe(out.size);
    const earlier = { ...base, states: base.states.slice() };
    earlier.states[2 * arch.stateDim] = 5;
    expect(decisionTransformerForward(p, earlier).actionLogits[0]).not.toBe(out.actionLogits[0]);
  });

  it('normalises states and scales returns-to-go inside the model', () => {
    const p = params('scale');
    const c = context('ctx2', 4);
    const out = decisionTransformerForward(p, c);
    const rescaled = decisionTransformerForward(
      { ...p, rtgScale: 0.02 },
      { ...c, returnsToGo: c.returnsToGo.map((r) => r * 2) },
    );
    for (let i = 0; i < 3; i++) expect(rescaled.actionLogits[i]).toBeCloseTo(out.actionLogits[i] as number, 12);
    const shiftedMean = new Float32Array(p.normalisation.mean);
    shiftedMean[0] = (shiftedMean[0] as number) + 1;
    const shiftedStates = c.states.slice();
    for (let t = 0; t < arch.context; t++)
      shiftedStates[t * arch.stateDim] = (shiftedStates[t * arch.stateDim] as number) + 1;
    const shifted = decisionTransformerForward(
      { ...p, normalisation: { mean: shiftedMean, std: p.normalisation.std } },
      { ...c, states: shiftedStates },
    );
    for (let i = 0; i < 3; i++) expect(shifted.actionLogits[i]).toBeCloseTo(out.actionLogits[i] as number, 9);
  });

  it('refuses a context of the wrong length', () => {
    const c = context('x', 4);
    expect(() => decisionTransformerForward(params('x'), { ...c, mask: [1, 1] })).toThrow('K 4 mask values');
  });
});
