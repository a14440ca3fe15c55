// Runs the box's policy.onnx in the browser with onnxruntime-web on the box's latest decision
// context and compares the action with the one the box took.
import * as ort from '/vendor/ort/ort.wasm.min.mjs';

const token = new URLSearchParams(location.search).get('token');
const q = token ? `?token=${encodeURIComponent(token)}` : '';
const $ = (id) => document.getElementById(id);
const ACTIONS = ['sell', 'hold', 'buy'];
const fmt = (p) => Array.from(p, (x) => x.toFixed(4)).join(' / ');

async function run() {
  ort.env.wasm.wasmPaths = '/vendor/ort/';
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  const snapshot = await (await fetch(`/api/snapshot${q}`)).json();
  const ctx = snapshot.modelContext;
  if (!ctx) throw new Error('the box has not decided with a model yet');
  const bytes = new Uint8Array(await (await fetch(`/model/policy.onnx${q}`)).arrayBuffer());
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const k = ctx.context;
  const out = await session.run({
    states: new ort.Tensor('float32', Float32Array.from(ctx.states), [1, k, ctx.stateDim]),
    actions: new ort.Tensor('float32', Float32Array.from(ctx.actions), [1, k, 3]),
    returns_to_go: new ort.Tensor('float32', Float32Array.from(ctx.returnsToGo), [1, k, 1]),
    mask: new ort.Tensor('float32', Float32Array.from(ctx.mask), [1, k]),
  });
  const p = out.action_probs.data;
  const action = p[0] >= p[1] && p[0] >= p[2] ? 0 : p[1] >= p[2] ? 1 : 2;
  let diff = 0;
  for (let i = 0; i < 3; i++) diff = Math.max(diff, Math.abs(p[i] - ctx.actionProbs[i]));
  $('version').textContent = ctx.version;
  $('box').textContent = `${ACTIONS[ctx.action]} (${fmt(ctx.actionProbs)})`;
  $('browser').textContent = `${ACTIONS[action]} (${fmt(p)})`;
  $('diff').textContent = diff.toExponential(2);
  $('status').textContent = action === ctx.action ? 'same action' : 'different action';
  document.body.dataset.status = action === ctx.action ? 'match' : 'mismatch';
}

run().catch((error) => {
  $('status').textContent = `error: ${error instanceof Error ? error.message : String(error)}`;
  document.body.dataset.status = 'error';
});
