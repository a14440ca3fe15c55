import { SeededRandom } from '@tickerml/core';
import { decisionTransformerForward, type ModelArchitecture } from '@tickerml/rl';
import { describe, expect, it } from 'vitest';
import { selectBackend } from './backend.js';
import { predictLast } from './decision.js';
import { backboneSpecs, decisionTransformerSpecs } from './model.js';
import { ParameterSet } from './params.js';

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
const config = { stateDim: 6, dModel: 8, heads: 2, layers: 2, dFF: 16, maxTokens: 12 };
const decision = { context: 4, trainableBlocks: 1, riskBuckets: 3 };

describe('tfjs forward against the plain TypeScript reference (packages/rl)', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    it(`agrees within 1e-4 on ${backend}, padding included`, async () => {
      await selectBackend(backend);
      const rng = new SeededRandom(2024);
      // Large random weights, so that every op changes the outputs noticeably.
      const weights = new Map<string, Float32Array>();
      const arrays = new Map<string, { shape: number[]; data: Float32Array }>();
      for (const spec of [...backboneSpecs(config), ...decisionTransformerSpecs(config, decision)]) {
        const data = Float32Array.from({ length: spec.shape.reduce((a, b) => a * b, 1) }, () => rng.normal(0, 0.4));
        weights.set(spec.name, data);
        arrays.set(spec.name, { shape: [...spec.shape], data });
      }
      const normalisation = {
        mean: Float32Array.from([0.1, -0.2, 0.3, 0, 0, 0]),
        std: Float32Array.from([2, 0.5, 1.5, 1, 1, 1]),
      };
      const rtgScale = 0.01;
      const k = decision.context;
      const contexts = [4, 2, 1].map((real) => {
        const states = Float32Array.from({ length: k * 6 }, () => rng.normal(0, 1));
        const actions = new Float32Array(k * 3);
        const returnsToGo = new Float32Array(k);
        const mask = new Float32Array(k);
        for (let t = k - real; t < k; t++) {
          mask[t] = 1;
          if (t < k - 1) actions[t * 3 + rng.int(0, 2)] = 1;
          returnsToGo[t] = rng.normal(0, 0.02);
        }
        for (let t = 0; t < k - real; t++) states.fill(0, t * 6, (t + 1) * 6);
        return { states, actions, returnsToGo, mask };
      });
      const b = contexts.length;
      const batch = {
        batch: b,
        context: k,
        states: new Float32Array(b * k * 6),
        actions: new Float32Array(b * k * 3),
        returnsToGo: new Float32Array(b * k),
        mask: new Float32Array(b * k),
        size: new Float32Array(b * k),
        risk: new Float32Array(b * k * 3),
      };
      contexts.forEach((c, i) => {
        for (let j = 0; j < k * 6; j++)
          batch.states[i * k * 6 + j] =
            ((c.states[j] ?? 0) - (normalisation.mean[j % 6] ?? 0)) / (normalisation.std[j % 6] ?? 1);
        batch.actions.set(c.actions, i * k * 3);
        for (let t = 0; t < k; t++) batch.returnsToGo[i * k + t] = (c.returnsToGo[t] ?? 0) / rtgScale;
        batch.mask.set(c.mask, i * k);
      });
      const params = ParameterSet.fromArrays(
        [...backboneSpecs(config), ...decisionTransformerSpecs(config, decision)],
        arrays,
      );
      const ours = predictLast(params, config, decision, batch);
      params.dispose();
      let worst = 0;
      contexts.forEach((c, i) => {
        const ref = decisionTransformerForward({ arch, weights, normalisation, rtgScale }, c);
        for (let a = 0; a < 3; a++)
          worst = Math.max(worst, Math.abs((ours.actionProbs[i * 3 + a] ?? 0) - (ref.actionProbs[a] ?? 0)));
        for (let r = 0; r < 3; r++)
          worst = Math.max(worst, Math.abs((ours.riskProbs[i * 3 + r] ?? 0) - (ref.riskProbs[r] ?? 0)));
        worst = Math.max(worst, Math.abs((ours.size[i] ?? 0) - ref.size));
      });
      expect(worst).toBeLessThan(1e-4);
      // The outputs are not degenerate: the three contexts disagree.
      expect(Math.abs((ours.actionProbs[0] ?? 0) - (ours.actionProbs[3] ?? 0))).toBeGreaterThan(1e-3);
    });
  }
});
