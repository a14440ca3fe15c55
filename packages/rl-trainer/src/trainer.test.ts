import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRandom } from '@tickerml/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from './backend.js';
import { fitNormalisation, splitValidation } from './data.js';
import { decisionTask, trainDecisionTransformer } from './decision.js';
import { backboneSpecs, decisionTransformerSpecs, decisionTransformerTrainable } from './model.js';
import { AdamW, learningRateAt } from './optimizer.js';
import { ParameterSet } from './params.js';
import { syntheticTrajectories } from './synthetic.js';
import { tf } from './tf.js';
import { type FitOptions, trainStep } from './trainer.js';

const config = { stateDim: 8, dModel: 16, heads: 2, layers: 3, dFF: 32, maxTokens: 12 };
const decision = { context: 4, trainableBlocks: 2, riskBuckets: 4 };
const lossWeights = { action: 1, size: 0.5, risk: 0.25 };
const fitOptions: FitOptions = {
  epochs: 2,
  batchSize: 16,
  learningRate: 1e-2,
  weightDecay: 0.01,
  warmupSteps: 2,
  clipNorm: 1,
  earlyStoppingPatience: 5,
  seed: 11,
};
const rows = syntheticTrajectories({ episodes: 8, steps: 8, features: 4, seed: 5 });

function bits(snapshot: Map<string, { data: Float32Array }>): Map<string, string> {
  return new Map(
    [...snapshot].map(([name, s]) => [
      name,
      Buffer.from(s.data.buffer, s.data.byteOffset, s.data.byteLength).toString('base64'),
    ]),
  );
}

function train(options: Partial<FitOptions> = {}, initial?: Map<string, { shape: number[]; data: Float32Array }>) {
  const trained = trainDecisionTransformer({
    rows,
    config,
    decision,
    lossWeights,
    returnScale: 0.01,
    validationFraction: 0.2,
    ...(initial === undefined ? {} : { initial }),
    fit: { ...fitOptions, ...options },
  });
  const snapshot = trained.params.snapshot();
  trained.params.dispose();
  return { snapshot, result: trained.result };
}

describe('training on the CPU backend', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('gives the same weights bit for bit for the same seed, other weights for another seed', () => {
    const a = bits(train().snapshot);
    const b = bits(train().snapshot);
    const c = bits(train({ seed: 12 }).snapshot);
    expect(a).toEqual(b);
    expect(a.get('dt.head_action.w')).not.toEqual(c.get('dt.head_action.w'));
  }, 60_000);

  it('leaves the frozen backbone weights bitwise unchanged and changes the trainable ones', () => {
    const backbone = ParameterSet.create(backboneSpecs(config), new SeededRandom(77));
    const initial = backbone.snapshot();
    backbone.dispose();
    const after = bits(train({}, initial).snapshot);
    const before = bits(initial);
    const trainable = decisionTransformerTrainable(config, decision);
    expect(trainable.has('backbone.blocks.0.attn.q.w')).toBe(false);
    expect(trainable.has('backbone.blocks.1.attn.q.w')).toBe(true);
    let frozen = 0;
    for (const [name, value] of before) {
      if (trainable.has(name)) {
        if (name.endsWith('.w')) expect(after.get(name), name).not.toEqual(value);
      } else {
        expect(after.get(name), name).toEqual(value);
        frozen += 1;
      }
    }
    expect(frozen).toBeGreaterThan(10); // the embeddings and block 0
  }, 60_000);

  it('resumes from a checkpoint to the same weights as an uninterrupted run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rl-trainer-ckpt-'));
    try {
      const straight = train({ epochs: 3, earlyStoppingPatience: 100 });
      const first = train({ epochs: 3, untilEpoch: 1, earlyStoppingPatience: 100, checkpointDir: dir });
      expect(first.result.epochsRun).toBe(1);
      expect(bits(first.snapshot)).not.toEqual(bits(straight.snapshot));
      const resumed = train({ epochs: 3, earlyStoppingPatience: 100, checkpointDir: dir });
      expect(resumed.result.resumed).toBe(true);
      expect(resumed.result.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
      expect(bits(resumed.snapshot)).toEqual(bits(straight.snapshot));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('no tensor leaks', () => {
  afterAll(async () => {
    await selectBackend('cpu');
  });
  it('keeps tf.memory().numTensors flat across 50 training steps (WASM)', async () => {
    await selectBackend('wasm');
    const norm = fitNormalisation(rows.states, rows.stateDim, [0, 1, 2, 3, 4, 5, 6, 7]);
    const params = ParameterSet.create(
      [...backboneSpecs(config), ...decisionTransformerSpecs(config, decision)],
      new SeededRandom(1),
    );
    const trainable = [...decisionTransformerTrainable(config, decision)];
    const task = decisionTask(
      params,
      { rows, config, decision, lossWeights, returnScale: 0.01 },
      norm,
      trainable,
      [],
      [],
    );
    const optimizer = new AdamW(params, trainable, { weightDecay: 0.01 });
    trainStep(task, optimizer, [0, 5, 9, 20], 1e-3, 1);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 50; i++) trainStep(task, optimizer, [i % 60, (i * 7) % 60, 63], 1e-3, 1);
    expect(tf.memory().numTensors).toBe(before);
    optimizer.dispose();
    params.dispose();
  }, 60_000);
});

describe('schedule and validation split', () => {
  it('warms up linearly, then decays by a cosine to a tenth of the peak', () => {
    expect(learningRateAt(0, 1000, 100, 1e-3)).toBeCloseTo(1e-5, 12);
    expect(learningRateAt(99, 1000, 100, 1e-3)).toBeCloseTo(1e-3, 12);
    expect(learningRateAt(100, 1000, 100, 1e-3)).toBeCloseTo(1e-3, 12);
    expect(learningRateAt(999, 1000, 100, 1e-3)).toBeCloseTo(1e-4, 12);
    expect(learningRateAt(600, 1101, 100, 1e-3)).toBeCloseTo(5.5e-4, 12);
    // a 20-step run warms up over 2 steps, not 100
    expect(learningRateAt(1, 20, 100, 1e-3)).toBeCloseTo(1e-3, 12);
  });

  it('validates on the latest rows only', () => {
    const t = [5, 1, 4, 2, 3, 9, 8, 7, 6, 0];
    const { train, validation } = splitValidation([...t.keys()], (i) => t[i] ?? 0, 0.2);
    expect(validation.map((i) => t[i])).toEqual([8, 9]);
    expect(train.map((i) => t[i])).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});
