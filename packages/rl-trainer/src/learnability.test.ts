import { describe, expect, it } from 'vitest';
import { selectBackend } from './backend.js';
import { buildContexts, predictLast, trainDecisionTransformer } from './decision.js';
import { syntheticOptimalAction, syntheticTrajectories } from './synthetic.js';

// Tiny on purpose (d 16, 2 layers, K 3): the optimal action depends on the current state only.
const config = { stateDim: 8, dModel: 16, heads: 2, layers: 2, dFF: 32, maxTokens: 9 };
const decision = { context: 3, trainableBlocks: 2, riskBuckets: 4 };

describe('Decision Transformer learnability', () => {
  // WASM only: the CPU backend needs twice the time for the same steps (docs/performance.md),
  // and CPU training is covered by the determinism tests.
  for (const backend of ['wasm'] as const) {
    it(`reaches > 90 % action accuracy on held-out states on ${backend}`, async () => {
      await selectBackend(backend);
      const rows = syntheticTrajectories({ episodes: 40, steps: 10, features: 4, seed: 1 });
      const trained = trainDecisionTransformer({
        rows,
        config,
        decision,
        lossWeights: { action: 1, size: 0.5, risk: 0.25 },
        returnScale: 0.01,
        validationFraction: 0.1,
        fit: {
          epochs: 10,
          batchSize: 16,
          learningRate: 1e-2,
          weightDecay: 0.01,
          warmupSteps: 10,
          clipNorm: 1,
          earlyStoppingPatience: 50,
          seed: 3,
        },
      });
      const heldOut = syntheticTrajectories({ episodes: 20, steps: 10, features: 4, seed: 99 });
      const ends = Array.from({ length: heldOut.t0.length }, (_, i) => i);
      const batch = buildContexts(heldOut, ends, decision.context, trained.normalisation, 0.01, decision.riskBuckets);
      // The current step's action is not known at decision time: zero it, as the box does.
      for (let b = 0; b < ends.length; b++)
        batch.actions.fill(
          0,
          (b * decision.context + decision.context - 1) * 3,
          (b * decision.context + decision.context) * 3,
        );
      const { actionProbs } = predictLast(trained.params, config, decision, batch);
      let correct = 0;
      for (let i = 0; i < ends.length; i++) {
        const probs = [actionProbs[3 * i] ?? 0, actionProbs[3 * i + 1] ?? 0, actionProbs[3 * i + 2] ?? 0];
        const predicted = probs.indexOf(Math.max(...probs));
        if (predicted === syntheticOptimalAction(heldOut.states[i * heldOut.stateDim] ?? 0)) correct += 1;
      }
      trained.params.dispose();
      expect(correct / ends.length).toBeGreaterThan(0.9);
    }, 90_000);
  }
});
