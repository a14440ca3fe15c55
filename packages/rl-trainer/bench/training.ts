/**
 * Training throughput per TensorFlow.js backend: the same Decision Transformer (model_config.yaml
 * defaults: d_model 32, 2 heads, 3 blocks, d_ff 128, context 20 = 60 tokens, 17 features → 34
 * state floats, batch 32) on the same synthetic trajectories, one AdamW step at a time, the
 * backends alternated run by run so that load drifts hit both alike; then WASM data-parallel
 * over 2 worker threads (`GradientWorkers`, each worker one WASM instance on half the batch).
 *
 * Run: npx tsx --conditions=@tickerml/source packages/rl-trainer/bench/training.ts [--runs 5] [--steps 4]
 *
 * Prints per backend the median samples/s over the runs (wall clock and per CPU-second of this
 * process, since the machine is shared), their min and max, the peak tensor bytes of one step
 * (tf.profile) and the tensors left after the runs (must equal the count before), with the load
 * average before and after.
 */
import { readFileSync } from 'node:fs';
import { SeededRandom } from '@tickerml/core';
import { type BackendName, selectBackend } from '../src/backend.js';
import { fitNormalisation } from '../src/data.js';
import { decisionTask } from '../src/decision.js';
import { backboneSpecs, decisionTransformerSpecs, decisionTransformerTrainable } from '../src/model.js';
import { AdamW } from '../src/optimizer.js';
import { GradientWorkers } from '../src/parallel.js';
import { ParameterSet } from '../src/params.js';
import { syntheticTrajectories } from '../src/synthetic.js';
import { tf } from '../src/tf.js';
import { trainStep } from '../src/trainer.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const RUNS = arg('--runs', 5);
const STEPS = arg('--steps', 4);
const BATCH = 32;
const config = { stateDim: 34, dModel: 32, heads: 2, layers: 3, dFF: 128, maxTokens: 60 };
const decision = { context: 20, trainableBlocks: 2, riskBuckets: 4 };
const rows = syntheticTrajectories({ episodes: 20, steps: 60, features: 17, seed: 1 });
const norm = fitNormalisation(
  rows.states,
  rows.stateDim,
  Array.from({ length: rows.t0.length }, (_, i) => i),
);
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

interface Setup {
  params: ParameterSet;
  optimizer: AdamW;
  task: ReturnType<typeof decisionTask>;
  rng: SeededRandom;
}

async function setup(backend: BackendName): Promise<Setup> {
  await selectBackend(backend);
  const params = ParameterSet.create(
    [...backboneSpecs(config), ...decisionTransformerSpecs(config, decision)],
    new SeededRandom(7),
  );
  const trainable = [...decisionTransformerTrainable(config, decision)];
  const task = decisionTask(
    params,
    { rows, config, decision, lossWeights: { action: 1, size: 0.5, risk: 0.25 }, returnScale: 0.01 },
    norm,
    trainable,
    [],
    [],
  );
  return { params, optimizer: new AdamW(params, trainable, { weightDecay: 0.01 }), task, rng: new SeededRandom(3) };
}

const batch = (rng: SeededRandom) => Array.from({ length: BATCH }, () => rng.int(0, rows.t0.length - 1));

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

type Mode = BackendName | 'wasm, 2 workers';
const backends: Mode[] = ['wasm', 'cpu', 'wasm, 2 workers'];
const results = new Map<Mode, { wall: number[]; cpu: number[]; peakBytes: number; leaked: number; params: number }>();
console.log(`load average before: ${loadavg()}`);
for (let run = 0; run < RUNS; run++) {
  for (const backend of backends) {
    const s = await setup(backend === 'cpu' ? 'cpu' : 'wasm');
    if (backend === 'wasm, 2 workers') {
      const snapshot = s.params.snapshot();
      const pool = await GradientWorkers.start(2, {
        backend: 'wasm',
        specs: [...backboneSpecs(config), ...decisionTransformerSpecs(config, decision)],
        weights: [...snapshot].map(([name, v]) => ({ name, shape: v.shape, data: v.data })),
        trainable: [...decisionTransformerTrainable(config, decision)],
        task: {
          rows,
          config,
          decision,
          lossWeights: { action: 1, size: 0.5, risk: 0.25 },
          returnScale: 0.01,
          normalisation: norm,
        },
      });
      await pool.step(s.params, s.optimizer, batch(s.rng), 1e-3, 1); // warm-up
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      for (let i = 0; i < STEPS; i++) await pool.step(s.params, s.optimizer, batch(s.rng), 1e-3, 1);
      const c1 = process.cpuUsage(c0);
      const wallS = (performance.now() - t0) / 1000;
      const cpuS = (c1.user + c1.system) / 1e6;
      const r = results.get(backend) ?? { wall: [], cpu: [], peakBytes: 0, leaked: 0, params: s.params.count() };
      r.wall.push((STEPS * BATCH) / wallS);
      r.cpu.push((STEPS * BATCH) / cpuS);
      results.set(backend, r);
      console.log(
        `run ${run + 1} ${backend}: ${((STEPS * BATCH) / wallS).toFixed(1)} samples/s wall, ${((STEPS * BATCH) / cpuS).toFixed(1)} per CPU-s (all threads)`,
      );
      await pool.close();
      s.optimizer.dispose();
      s.params.dispose();
      continue;
    }
    trainStep(s.task, s.optimizer, batch(s.rng), 1e-3, 1); // warm-up (kernels, first allocation)
    const before = tf.memory().numTensors;
    const profile = await tf.profile(() => {
      trainStep(s.task, s.optimizer, batch(s.rng), 1e-3, 1);
    });
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let i = 0; i < STEPS; i++) trainStep(s.task, s.optimizer, batch(s.rng), 1e-3, 1);
    const c1 = process.cpuUsage(c0);
    const wallS = (performance.now() - t0) / 1000;
    const cpuS = (c1.user + c1.system) / 1e6;
    const r = results.get(backend) ?? { wall: [], cpu: [], peakBytes: 0, leaked: 0, params: s.params.count() };
    r.wall.push((STEPS * BATCH) / wallS);
    r.cpu.push((STEPS * BATCH) / cpuS);
    r.peakBytes = Math.max(r.peakBytes, profile.peakBytes);
    r.leaked = Math.max(r.leaked, tf.memory().numTensors - before);
    results.set(backend, r);
    console.log(
      `run ${run + 1} ${backend}: ${((STEPS * BATCH) / wallS).toFixed(1)} samples/s wall, ${((STEPS * BATCH) / cpuS).toFixed(1)} per CPU-s`,
    );
    s.optimizer.dispose();
    s.params.dispose();
  }
}
console.log(`load average after: ${loadavg()}`);
for (const [backend, r] of results) {
  console.log(
    `${backend.padEnd(16)} ${r.params} weights, batch ${BATCH} × 60 tokens: median ${median(r.wall).toFixed(1)} samples/s wall (min ${Math.min(...r.wall).toFixed(1)}, max ${Math.max(...r.wall).toFixed(1)}), median ${median(r.cpu).toFixed(1)} samples per CPU-second (min ${Math.min(...r.cpu).toFixed(1)}, max ${Math.max(...r.cpu).toFixed(1)}); peak tensor memory of one step ${(r.peakBytes / 2 ** 20).toFixed(1)} MiB; tensors left after the steps ${r.leaked}`,
  );
}
