import { SeededRandom } from '@tickerml/core';
import { describe, expect, it } from 'vitest';
import { selectBackend } from './backend.js';
import { fitNormalisation } from './data.js';
import { decisionTask } from './decision.js';
import { backboneSpecs, decisionTransformerSpecs, decisionTransformerTrainable } from './model.js';
import { AdamW } from './optimizer.js';
import { GradientWorkers } from './parallel.js';
import { ParameterSet } from './params.js';
import { syntheticTrajectories } from './synthetic.js';
import { trainStep } from './trainer.js';

const config = { stateDim: 8, dModel: 16, heads: 2, layers: 2, dFF: 32, maxTokens: 12 };
const decision = { context: 4, trainableBlocks: 1, riskBuckets: 4 };
const lossWeights = { action: 1, size: 0.5, risk: 0.25 };
const rows = syntheticTrajectories({ episodes: 6, steps: 8, features: 4, seed: 5 });
const normalisation = fitNormalisation(rows.states, rows.stateDim, [...rows.t0.keys()]);
const specs = [...backboneSpecs(config), ...decisionTransformerSpecs(config, decision)];
const trainable = [...decisionTransformerTrainable(config, decision)];
const batches = [
  [0, 5, 9, 20, 33, 41, 7, 12],
  [3, 4, 17, 25, 30, 44, 46, 1],
  [2, 8, 11, 19, 27, 36, 40, 47],
];

async function run(workers: number) {
  await selectBackend('wasm');
  const params = ParameterSet.create(specs, new SeededRandom(9));
  const optimizer = new AdamW(params, trainable, { weightDecay: 0.01 });
  const losses: number[] = [];
  if (workers === 0) {
    const task = decisionTask(
      params,
      { rows, config, decision, lossWeights, returnScale: 0.01 },
      normalisation,
      trainable,
      [],
      [],
    );
    for (const b of batches) losses.push(trainStep(task, optimizer, b, 1e-2, 1));
  } else {
    const snapshot = params.snapshot();
    const pool = await GradientWorkers.start(workers, {
      backend: 'wasm',
      specs,
      weights: [...snapshot].map(([name, v]) => ({ name, shape: v.shape, data: v.data })),
      trainable,
      task: { rows, config, decision, lossWeights, returnScale: 0.01, normalisation },
    });
    for (const b of batches) losses.push(await pool.step(params, optimizer, b, 1e-2, 1));
    await pool.close();
  }
  const weights = params.get('dt.head_action.w').dataSync().slice();
  optimizer.dispose();
  params.dispose();
  return { losses, weights };
}

describe('data-parallel gradients over worker threads', () => {
  it('matches one-thread training with one worker bit for bit, and is deterministic with two', async () => {
    const single = await run(0);
    const one = await run(1);
    expect(one.losses).toEqual(single.losses);
    expect(Array.from(one.weights)).toEqual(Array.from(single.weights));
    const twoA = await run(2);
    const twoB = await run(2);
    expect(Array.from(twoA.weights)).toEqual(Array.from(twoB.weights));
    // Shards weighted by their real steps give the full batch's gradient up to float rounding.
    expect(twoA.losses[0]).toBeCloseTo(single.losses[0] ?? 0, 5);
    const diff = Math.max(...Array.from(twoA.weights, (w, i) => Math.abs(w - (single.weights[i] ?? 0))));
    expect(diff).toBeLessThan(1e-4);
  }, 120_000);
});
