/**
 * Inference of the Decision Transformer, batch 1, one thread: onnxruntime-node (the box's path:
 * the native session run synchronously, as `OnnxPolicyModel.infer`), onnxruntime-web (WASM, in
 * Node) and TensorFlow.js (WASM backend, `predictLast`), float32 and INT8 (tfjs has no INT8), the
 * default model of model_config.yaml (d_model 32, 2 heads, 3 blocks, d_ff 128, K 20 = 60 tokens,
 * 34 state floats) with seeded random weights (timing does not depend on the values). The
 * runtimes take turns round by round so that load drifts hit all alike. Also: the decision latency
 * of `DecisionTransformerPolicy` (encode + context + inference + order) inside the Engine over the
 * bundled Binance recording, with the demo model.
 *
 * Run: npx tsx --conditions=@tickerml/source packages/rl-trainer/bench/inference.ts [--rounds 5] [--calls 400]
 *
 * Prints per runtime p50 and p99 over all calls (ms), the spread of the per-round medians, file
 * sizes, and the load average before and after.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DecisionTransformerPolicy,
  ENCODER_VERSION,
  type ModelArchitecture,
  OnnxPolicyModel,
  rollout,
} from '@tickerml/rl';
import * as ortWeb from 'onnxruntime-web';
// rl-trainer does not depend on exchanges; the bench reads the recording through its source.
import { openEvents } from '../../exchanges/src/index.js';
import { selectBackend } from '../src/backend.js';
import { predictLast } from '../src/decision.js';
import { backboneSpecs, decisionTransformerSpecs } from '../src/model.js';
import { buildPolicyGraph, Quantisation } from '../src/onnx/export.js';
import { randomContexts, randomPolicyModel } from '../src/onnx/fixture.js';
import { ParameterSet } from '../src/params.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const ROUNDS = arg('--rounds', 5);
const CALLS = arg('--calls', 400);
const loadBefore = loadavg();

const arch: ModelArchitecture = {
  stateDim: 34,
  dModel: 32,
  heads: 2,
  layers: 3,
  dFF: 128,
  maxTokens: 60,
  context: 20,
  riskBuckets: 4,
  trainableBlocks: 2,
};
const k = arch.context;
const s = arch.stateDim;
const model = randomPolicyModel(arch, 'bench');
const contexts = randomContexts(model, 64, 'bench-contexts');
const dir = mkdtempSync(join(tmpdir(), 'tickerml-inference-bench-'));
const files = {
  float32: join(dir, 'policy.onnx'),
  int8: join(dir, 'policy.int8.onnx'),
};
const bytes = { float32: buildPolicyGraph(model, Quantisation.None), int8: buildPolicyGraph(model, Quantisation.Int8) };
writeFileSync(files.float32, bytes.float32);
writeFileSync(files.int8, bytes.int8);

type Runner = () => Promise<void> | void;
const runners = new Map<string, Runner>();
let n = 0;
const next = () => contexts[n++ % contexts.length] as (typeof contexts)[number];

for (const precision of ['float32', 'int8'] as const) {
  const m = await OnnxPolicyModel.load(files[precision], { encoderVersion: model.info.encoder.version });
  runners.set(`onnxruntime-node ${precision}`, () => {
    const c = next();
    m.infer(c.states, c.actions, c.returnsToGo, c.mask);
  });
}
ortWeb.env.wasm.numThreads = 1;
for (const precision of ['float32', 'int8'] as const) {
  const session = await ortWeb.InferenceSession.create(bytes[precision], {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
  });
  runners.set(`onnxruntime-web WASM ${precision}`, async () => {
    const c = next();
    await session.run({
      states: new ortWeb.Tensor('float32', c.states, [1, k, s]),
      actions: new ortWeb.Tensor('float32', c.actions, [1, k, 3]),
      returns_to_go: new ortWeb.Tensor('float32', c.returnsToGo, [1, k, 1]),
      mask: new ortWeb.Tensor('float32', c.mask, [1, k]),
    });
  });
}
const backend = await selectBackend('wasm');
const config = { stateDim: s, dModel: 32, heads: 2, layers: 3, dFF: 128, maxTokens: 60 };
const decision = { context: k, trainableBlocks: 2, riskBuckets: 4 };
const specs = [...backboneSpecs(config), ...decisionTransformerSpecs(config, decision)];
const params = ParameterSet.fromArrays(
  specs,
  new Map(
    specs.map((spec) => [spec.name, { shape: [...spec.shape], data: model.weights.get(spec.name) as Float32Array }]),
  ),
);
runners.set(`tfjs ${backend.tfjsName} float32`, () => {
  const c = next();
  predictLast(params, config, decision, {
    batch: 1,
    context: k,
    states: c.states,
    actions: c.actions,
    returnsToGo: c.returnsToGo,
    mask: c.mask,
    size: new Float32Array(k),
    risk: new Float32Array(k * 4),
  });
});

const times = new Map<string, number[]>([...runners.keys()].map((name) => [name, []]));
const roundMedians = new Map<string, number[]>([...runners.keys()].map((name) => [name, []]));
const quantile = (values: readonly number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
};
for (const [, run] of runners) for (let i = 0; i < 50; i++) await run(); // warm-up
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of runners) {
    const own: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      const t0 = performance.now();
      await run();
      own.push(performance.now() - t0);
    }
    times.get(name)?.push(...own);
    roundMedians.get(name)?.push(quantile(own, 0.5));
  }
}

// Decision latency with the model in the loop: the demo model deciding every second over the
// bundled Binance recording inside the Engine (one venue; the four-venue soak was not run).
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const recording = await openEvents([
  join(repo, 'examples/pi-trader/recordings/binance/hftbacktest_spot_btcusdt_20240808.gz'),
]);
const demo = await OnnxPolicyModel.load(join(repo, 'examples/pi-trader/models/demo/policy.onnx'), {
  encoderVersion: String(ENCODER_VERSION),
});
const traded = recording.instruments.find((i) => i.venue === 'binance') ?? recording.instruments[0];
if (traded === undefined) throw new Error('no instrument in the recording');
const policy = new DecisionTransformerPolicy({
  venue: traded.venue,
  symbol: traded.symbol,
  encoder: { tickSize: Number(traded.tickSize), crossVenues: [{ venue: traded.venue }] },
  model: demo,
  capLots: 3000,
  modelCheckIntervalUs: 0,
  stopwatchMs: () => performance.now(),
});
const decisionMs: number[] = [];
const wrapped = {
  name: policy.name,
  onStart: policy.onStart.bind(policy),
  onEvent: policy.onEvent.bind(policy),
  onTimer: (timer: Parameters<typeof policy.onTimer>[0], ctx: Parameters<typeof policy.onTimer>[1]) => {
    const t0 = performance.now();
    policy.onTimer(timer, ctx);
    if (timer.name === 'dt.decide') decisionMs.push(performance.now() - t0);
  },
};
let first = Number.POSITIVE_INFINITY;
for await (const e of recording.events()) {
  first = e.localTs;
  break;
}
await rollout({
  events: recording.events(),
  instruments: recording.instruments,
  traded: { venue: traded.venue, symbol: traded.symbol },
  decisionTimesUs: Array.from({ length: 300 }, (_, i) => first + 30_000_000 + i * 1_000_000),
  strategy: wrapped,
  capLots: 3000,
  seed: 1,
});
rmSync(dir, { recursive: true, force: true });

console.log(
  `inference, batch 1, one thread, default model (K ${k}, 60 tokens, d 32, 3 blocks), ${ROUNDS} rounds × ${CALLS} calls each`,
);
console.log('runtime                               p50 ms   p99 ms   round medians min..max ms');
for (const [name, values] of times) {
  const medians = roundMedians.get(name) ?? [];
  console.log(
    `${name.padEnd(36)}  ${quantile(values, 0.5).toFixed(3).padStart(6)}  ${quantile(values, 0.99).toFixed(3).padStart(7)}   ${Math.min(...medians).toFixed(3)}..${Math.max(...medians).toFixed(3)}`,
  );
}
const p50 = (name: string) => quantile(times.get(name) ?? [], 0.5);
console.log(
  `INT8 speed-up at p50: onnxruntime-node ${(p50('onnxruntime-node float32') / p50('onnxruntime-node int8')).toFixed(2)}x, onnxruntime-web ${(p50('onnxruntime-web WASM float32') / p50('onnxruntime-web WASM int8')).toFixed(2)}x`,
);
console.log(
  `file sizes: policy.onnx ${bytes.float32.byteLength} B, policy.int8.onnx ${bytes.int8.byteLength} B (${(bytes.float32.byteLength / bytes.int8.byteLength).toFixed(2)}x)`,
);
const demoSizes = ['policy.onnx', 'policy.int8.onnx'].map(
  (f) => readFileSync(join(repo, 'examples/pi-trader/models/demo', f)).byteLength,
);
console.log(`demo model files: ${demoSizes.join(' B, ')} B`);
console.log(
  `decision latency (encode + context + onnxruntime-node float32 + order), demo model, Engine over the Binance recording: ${decisionMs.length} decisions, p50 ${quantile(decisionMs, 0.5).toFixed(3)} ms, p99 ${quantile(decisionMs, 0.99).toFixed(3)} ms, max ${Math.max(...decisionMs).toFixed(3)} ms`,
);
console.log(
  `load average before ${loadBefore.map((x) => x.toFixed(2)).join(' ')}, after ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
