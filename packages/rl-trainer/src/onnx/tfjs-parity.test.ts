import { type ModelArchitecture, type RegisteredModel, shapeSize } from '@tickerml/rl';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../backend.js';
import { type ContextBatch, predictLast } from '../decision.js';
import { backboneSpecs, decisionTransformerSpecs } from '../model.js';
import { ParameterSet } from '../params.js';
import { buildPolicyGraph, Quantisation } from './export.js';
import { type Float32Context, randomContexts, randomPolicyModel } from './fixture.js';

// The default model (model_config.yaml) over a 34-entry state vector (17 features).
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

/** The trainer's batch: states normalised and returns-to-go scaled outside the model, as tfjs trains on them. */
function tfjsBatch(model: RegisteredModel, contexts: readonly Float32Context[]): ContextBatch {
  const b = contexts.length;
  const { mean, std } = model.info.normalisation;
  const batch = {
    batch: b,
    context: k,
    states: new Float32Array(b * k * s),
    actions: new Float32Array(b * k * 3),
    returnsToGo: new Float32Array(b * k),
    mask: new Float32Array(b * k),
    size: new Float32Array(b * k),
    risk: new Float32Array(b * k * arch.riskBuckets),
  };
  contexts.forEach((c, i) => {
    for (let j = 0; j < k * s; j++) {
      batch.states[i * k * s + j] = ((c.states[j] as number) - (mean[j % s] as number)) / (std[j % s] as number);
    }
    batch.actions.set(c.actions, i * k * 3);
    for (let t = 0; t < k; t++) batch.returnsToGo[i * k + t] = (c.returnsToGo[t] as number) / model.info.rtgScale;
    batch.mask.set(c.mask, i * k);
  });
  return batch as ContextBatch;
}

describe('policy.onnx against the TensorFlow.js model (rl-trainer)', () => {
  it('onnxruntime-node float32 matches tfjs (WASM backend) within 1e-4 over 200 held-out contexts (tfjs is the slow side here)', async () => {
    await selectBackend('wasm');
    const model = randomPolicyModel(arch, 'tfjs-parity');
    const contexts = randomContexts(model, 200, 'tfjs-held-out');
    const config = {
      stateDim: s,
      dModel: arch.dModel,
      heads: arch.heads,
      layers: arch.layers,
      dFF: arch.dFF,
      maxTokens: arch.maxTokens,
    };
    const decision = { context: k, trainableBlocks: arch.trainableBlocks, riskBuckets: arch.riskBuckets };
    const specs = [...backboneSpecs(config), ...decisionTransformerSpecs(config, decision)];
    const arrays = new Map(
      specs.map((spec) => {
        const data = model.weights.get(spec.name);
        if (data === undefined || data.length !== shapeSize(spec.shape))
          throw new Error(`weight ${spec.name} does not fit`);
        return [spec.name, { shape: [...spec.shape], data }];
      }),
    );
    const params = ParameterSet.fromArrays(specs, arrays);
    const ours = predictLast(params, config, decision, tfjsBatch(model, contexts));
    params.dispose();

    const session = await ort.InferenceSession.create(buildPolicyGraph(model, Quantisation.None), {
      intraOpNumThreads: 1,
    });
    const b = contexts.length;
    const join = (pick: (c: Float32Context) => Float32Array, width: number) => {
      const out = new Float32Array(b * width);
      contexts.forEach((c, i) => {
        out.set(pick(c), i * width);
      });
      return out;
    };
    const out = await session.run({
      states: new ort.Tensor(
        'float32',
        join((c) => c.states, k * s),
        [b, k, s],
      ),
      actions: new ort.Tensor(
        'float32',
        join((c) => c.actions, k * 3),
        [b, k, 3],
      ),
      returns_to_go: new ort.Tensor(
        'float32',
        join((c) => c.returnsToGo, k),
        [b, k, 1],
      ),
      mask: new ort.Tensor(
        'float32',
        join((c) => c.mask, k),
        [b, k],
      ),
    });
    let worst = 0;
    const compare = (a: Float32Array, onnx: unknown) => {
      const o = onnx as Float32Array;
      expect(o.length).toBe(a.length);
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (o[i] as number)));
    };
    compare(ours.actionProbs, out['action_probs']?.data);
    compare(ours.size, out['size']?.data);
    compare(ours.riskProbs, out['risk_probs']?.data);
    expect(worst).toBeLessThanOrEqual(1e-4);
    // not degenerate: the contexts give different actions
    expect(Math.abs((ours.actionProbs[0] as number) - (ours.actionProbs[3] as number))).toBeGreaterThan(1e-3);
  }, 120_000);
});
