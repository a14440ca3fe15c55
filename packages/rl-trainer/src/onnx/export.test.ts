import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decisionTransformerForward, type ModelArchitecture, readOnnxMetadata } from '@tickerml/rl';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPolicyGraph, exportPolicy, POLICY_METADATA_KEYS, Quantisation } from './export.js';
import { type Float32Context, randomContexts, randomPolicyModel } from './fixture.js';

// The default model of config/model_config.yaml (d 32, 2 heads, 3 blocks, d_ff 128, K 20) over a
// 40-entry state vector.
const arch: ModelArchitecture = {
  stateDim: 40,
  dModel: 32,
  heads: 2,
  layers: 3,
  dFF: 128,
  maxTokens: 60,
  context: 20,
  riskBuckets: 4,
  trainableBlocks: 2,
};
const model = randomPolicyModel(arch, 'parity');
const heldOut = randomContexts(model, 1000, 'held-out');
const k = arch.context;

interface Outputs {
  readonly actionProbs: Float32Array;
  readonly size: Float32Array;
  readonly riskProbs: Float32Array;
}

type Runtime = typeof ortNode | typeof ortWeb;

function feeds(ort: Runtime, contexts: readonly Float32Context[]): Record<string, ortNode.Tensor> {
  const b = contexts.length;
  const join32 = (pick: (c: Float32Context) => Float32Array, width: number): Float32Array => {
    const out = new Float32Array(b * width);
    contexts.forEach((c, i) => {
      out.set(pick(c), i * width);
    });
    return out;
  };
  return {
    states: new ort.Tensor(
      'float32',
      join32((c) => c.states, k * arch.stateDim),
      [b, k, arch.stateDim],
    ),
    actions: new ort.Tensor(
      'float32',
      join32((c) => c.actions, k * 3),
      [b, k, 3],
    ),
    returns_to_go: new ort.Tensor(
      'float32',
      join32((c) => c.returnsToGo, k),
      [b, k, 1],
    ),
    mask: new ort.Tensor(
      'float32',
      join32((c) => c.mask, k),
      [b, k],
    ),
  } as Record<string, ortNode.Tensor>;
}

async function runAll(
  ort: Runtime,
  session: ortNode.InferenceSession | ortWeb.InferenceSession,
  contexts: readonly Float32Context[],
  batch: number,
): Promise<Outputs> {
  const actionProbs = new Float32Array(contexts.length * 3);
  const size = new Float32Array(contexts.length);
  const riskProbs = new Float32Array(contexts.length * arch.riskBuckets);
  for (let start = 0; start < contexts.length; start += batch) {
    const slice = contexts.slice(start, start + batch);
    const out = await session.run(feeds(ort, slice) as never);
    actionProbs.set(out['action_probs']?.data as Float32Array, start * 3);
    size.set(out['size']?.data as Float32Array, start);
    riskProbs.set(out['risk_probs']?.data as Float32Array, start * arch.riskBuckets);
  }
  return { actionProbs, size, riskProbs };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

function argmax3(p: ArrayLike<number>, row: number): number {
  const a = p[row * 3] as number;
  const h = p[row * 3 + 1] as number;
  const b = p[row * 3 + 2] as number;
  return a >= h && a >= b ? 0 : h >= b ? 1 : 2;
}

const options = { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' } as const;
const float32Bytes = buildPolicyGraph(model, Quantisation.None);
const int8Bytes = buildPolicyGraph(model, Quantisation.Int8);
let nodeFloat: Outputs;
let nodeInt8: Outputs;

beforeAll(async () => {
  nodeFloat = await runAll(ortNode, await ortNode.InferenceSession.create(float32Bytes, options), heldOut, 100);
  nodeInt8 = await runAll(ortNode, await ortNode.InferenceSession.create(int8Bytes, options), heldOut, 100);
});

describe('policy.onnx parity', () => {
  it('onnxruntime-node float32 matches the TypeScript reference within 1e-4 over 1,000 contexts', () => {
    const params = {
      arch,
      weights: model.weights,
      normalisation: model.info.normalisation,
      rtgScale: model.info.rtgScale,
    };
    let maxDiff = 0;
    heldOut.forEach((context, i) => {
      const ref = decisionTransformerForward(params, context);
      for (let j = 0; j < 3; j++) {
        maxDiff = Math.max(
          maxDiff,
          Math.abs((ref.actionProbs[j] as number) - (nodeFloat.actionProbs[i * 3 + j] as number)),
        );
      }
      maxDiff = Math.max(maxDiff, Math.abs(ref.size - (nodeFloat.size[i] as number)));
      for (let j = 0; j < arch.riskBuckets; j++) {
        const onnx = nodeFloat.riskProbs[i * arch.riskBuckets + j] as number;
        maxDiff = Math.max(maxDiff, Math.abs((ref.riskProbs[j] as number) - onnx));
      }
    });
    expect(maxDiff).toBeLessThanOrEqual(1e-4);
    // the contexts are not degenerate: every action wins somewhere
    const wins = new Int32Array(3);
    for (let i = 0; i < heldOut.length; i++) {
      const a = argmax3(nodeFloat.actionProbs, i);
      wins[a] = (wins[a] as number) + 1;
    }
    expect(Math.min(...wins)).toBeGreaterThan(20);
  }, 180_000);

  it('batch 1 gives the same outputs as a batch of 100', async () => {
    const session = await ortNode.InferenceSession.create(float32Bytes, options);
    const single = await runAll(ortNode, session, heldOut.slice(0, 20), 1);
    expect(maxAbsDiff(single.actionProbs, nodeFloat.actionProbs.subarray(0, 60))).toBeLessThanOrEqual(1e-6);
  });

  it('INT8 picks the same action on ≥ 99 % of held-out contexts with size within 0.02, in a smaller file', () => {
    let same = 0;
    for (let i = 0; i < heldOut.length; i++)
      if (argmax3(nodeInt8.actionProbs, i) === argmax3(nodeFloat.actionProbs, i)) same++;
    expect(same / heldOut.length).toBeGreaterThanOrEqual(0.99);
    expect(maxAbsDiff(nodeInt8.size, nodeFloat.size)).toBeLessThanOrEqual(0.02);
    // and it is really quantised: not bit-identical to float32
    expect(maxAbsDiff(nodeInt8.actionProbs, nodeFloat.actionProbs)).toBeGreaterThan(1e-5);
    // the blocks' weights are 4× smaller; embeddings, heads and the causal-mask constant stay float32
    expect(int8Bytes.byteLength).toBeLessThan(float32Bytes.byteLength * 0.55);
  });

  it('onnxruntime-web (WASM) in Node matches onnxruntime-node: float32 within 1e-5, INT8 on the action', async () => {
    ortWeb.env.wasm.numThreads = 1;
    const sample = heldOut.slice(0, 200);
    const webFloat = await ortWeb.InferenceSession.create(float32Bytes, { executionProviders: ['wasm'] });
    const web = await runAll(ortWeb, webFloat, sample, 50);
    expect(maxAbsDiff(web.actionProbs, nodeFloat.actionProbs.subarray(0, 600))).toBeLessThanOrEqual(1e-5);
    expect(maxAbsDiff(web.size, nodeFloat.size.subarray(0, 200))).toBeLessThanOrEqual(1e-5);
    expect(maxAbsDiff(web.riskProbs, nodeFloat.riskProbs.subarray(0, 200 * arch.riskBuckets))).toBeLessThanOrEqual(
      1e-5,
    );
    await webFloat.release();
    // INT8: the WASM build quantises activations with its own kernels, so outputs differ by a
    // few quantisation steps (measured up to ~0.02 in a probability); the action must agree.
    const webInt8 = await ortWeb.InferenceSession.create(int8Bytes, { executionProviders: ['wasm'] });
    const webQ = await runAll(ortWeb, webInt8, sample, 50);
    let same = 0;
    for (let i = 0; i < sample.length; i++)
      if (argmax3(webQ.actionProbs, i) === argmax3(nodeInt8.actionProbs, i)) same++;
    expect(same / sample.length).toBeGreaterThanOrEqual(0.99);
    expect(maxAbsDiff(webQ.size, nodeInt8.size.subarray(0, 200))).toBeLessThanOrEqual(0.02);
    console.log(`INT8 web vs node: max |Δp| ${maxAbsDiff(webQ.actionProbs, nodeInt8.actionProbs.subarray(0, 600))}`);
    await webInt8.release();
  }, 120_000);
});

describe('exportPolicy', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tickerml-export-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes both files with the model metadata, readable without onnx-proto', async () => {
    const out = await exportPolicy(model, dir);
    expect(out.float32Path).toBe(join(dir, 'policy.onnx'));
    const meta = await readOnnxMetadata(out.int8Path);
    expect(meta[POLICY_METADATA_KEYS.encoderVersion]).toBe('test-encoder');
    expect(meta[POLICY_METADATA_KEYS.modelVersion]).toBe('random-parity');
    expect(meta[POLICY_METADATA_KEYS.quantisation]).toBe('int8-dynamic');
    expect(JSON.parse(meta[POLICY_METADATA_KEYS.normalisation] ?? '{}').mean).toHaveLength(arch.stateDim);
    expect(meta[POLICY_METADATA_KEYS.context]).toBe('20');
    const session = await ortNode.InferenceSession.create(out.float32Path, options);
    expect(session.inputNames).toEqual(['states', 'actions', 'returns_to_go', 'mask']);
    expect(session.outputNames).toEqual(['action_probs', 'size', 'risk_probs']);
  });

  it('refuses a backbone-only model', () => {
    expect(() => buildPolicyGraph({ ...model, info: { ...model.info, kind: 'backbone' } }, Quantisation.None)).toThrow(
      'only a decision_transformer exports as a policy',
    );
  });
});
