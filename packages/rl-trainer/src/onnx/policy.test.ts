import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MarketEvent, SeededRandom } from '@tickerml/core';
import type { InstrumentSpec } from '@tickerml/execution';
import {
  DecisionTransformerPolicy,
  ENCODER_VERSION,
  EncoderVersionMismatchError,
  type ModelArchitecture,
  type ModelChange,
  OnnxPolicyModel,
  type PolicyDecision,
  rollout,
  StateEncoder,
} from '@tickerml/rl';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPolicyGraph, Quantisation } from './export.js';
import { randomContexts, randomPolicyModel } from './fixture.js';

const VENUE = 'binance';
const SYMBOL = 'BTC/USDT';
const instrument: InstrumentSpec = {
  venue: VENUE,
  symbol: SYMBOL,
  base: 'BTC',
  quote: 'USDT',
  tickSize: '0.01',
  lotSize: '0.00001',
};
const encoder = new StateEncoder({ venue: VENUE, symbol: SYMBOL });
const encoderDimension = encoder.dimension;
const encoderFeatures = encoder.features.map((f) => ({ name: f.name, unit: f.unit, window: f.window }));
const arch: ModelArchitecture = {
  stateDim: encoderDimension,
  dModel: 16,
  heads: 2,
  layers: 2,
  dFF: 32,
  maxTokens: 30,
  context: 10,
  riskBuckets: 4,
  trainableBlocks: 1,
};

function policyBytes(
  seed: string,
  version: string,
  encoderVersion = String(ENCODER_VERSION),
  actionBias?: readonly [number, number, number],
  features = encoderFeatures,
): Uint8Array {
  const model = randomPolicyModel(arch, seed, version);
  const weights = new Map(model.weights);
  if (actionBias !== undefined) weights.set('dt.head_action.b', Float32Array.from(actionBias));
  return buildPolicyGraph(
    { info: { ...model.info, encoder: { version: encoderVersion, features } }, weights },
    Quantisation.Int8,
  );
}

const START_US = 1_723_100_000_000_000;
/** A random-walk book (10 levels a side, a snapshot every 100 ms) with trades, for `seconds`. */
function* syntheticMarket(seconds: number): Generator<MarketEvent> {
  const rng = new SeededRandom('market');
  let mid = 6_000_000; // 60,000.00 in ticks of 0.01
  for (let i = 0; i < seconds * 10; i++) {
    const ts = START_US + i * 100_000;
    mid += rng.int(-3, 3);
    const level = (j: number, side: 1 | -1) => ({ priceTicks: mid + side * (1 + j), qtyLots: rng.int(1, 50) * 100 });
    yield {
      kind: 'book_snapshot',
      venue: VENUE,
      symbol: SYMBOL,
      exchTs: ts,
      localTs: ts,
      bids: Array.from({ length: 10 }, (_, j) => level(j, -1)),
      asks: Array.from({ length: 10 }, (_, j) => level(j, 1)),
    };
    if (rng.bool(0.5)) {
      const buy = rng.bool();
      yield {
        kind: 'trade',
        venue: VENUE,
        symbol: SYMBOL,
        exchTs: ts + 50_000,
        localTs: ts + 50_000,
        tradeId: `t${i}`,
        priceTicks: buy ? mid + 1 : mid - 1,
        qtyLots: rng.int(1, 20) * 100,
        aggressor: buy ? 'buy' : 'sell',
      };
    }
  }
}

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickerml-policy-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Replaces `path` atomically, as docs/learning.md tells operators to. */
async function replace(path: string, bytes: Uint8Array | string): Promise<void> {
  await writeFile(`${path}.tmp`, bytes);
  await rename(`${path}.tmp`, path);
}

describe('OnnxPolicyModel', () => {
  it('runs synchronously with the same outputs as onnxruntime-node`s public API', async () => {
    const path = join(dir, 'sync.onnx');
    await writeFile(path, policyBytes('sync', 'dt-sync'));
    const model = await OnnxPolicyModel.load(path, {
      encoderVersion: String(ENCODER_VERSION),
      stateDim: encoderDimension,
    });
    expect(model.info.version).toBe('dt-sync');
    expect(model.info.context).toBe(10);
    const session = await ort.InferenceSession.create(path);
    const contexts = randomContexts(randomPolicyModel(arch, 'sync'), 5, 'sync-contexts');
    for (const c of contexts) {
      const sync = model.infer(c.states, c.actions, c.returnsToGo, c.mask);
      const out = await session.run({
        states: new ort.Tensor('float32', c.states, [1, 10, arch.stateDim]),
        actions: new ort.Tensor('float32', c.actions, [1, 10, 3]),
        returns_to_go: new ort.Tensor('float32', c.returnsToGo, [1, 10, 1]),
        mask: new ort.Tensor('float32', c.mask, [1, 10]),
      });
      expect(Array.from(sync.actionProbs)).toEqual(Array.from(out['action_probs']?.data as Float32Array));
      expect(sync.size).toBe((out['size']?.data as Float32Array | undefined)?.[0]);
    }
    model.dispose();
    expect(() =>
      model.infer(new Float32Array(0), new Float32Array(0), new Float32Array(0), new Float32Array(0)),
    ).toThrow('was disposed');
  });

  it('refuses a model trained on another encoder version, naming both', async () => {
    const path = join(dir, 'other-encoder.onnx');
    await writeFile(path, policyBytes('enc', 'dt-enc', '999'));
    const loading = OnnxPolicyModel.load(path, { encoderVersion: String(ENCODER_VERSION) });
    await expect(loading).rejects.toBeInstanceOf(EncoderVersionMismatchError);
    await expect(loading).rejects.toThrow(`model encoder version 999, runtime encoder version ${ENCODER_VERSION}`);
  });

  it('a policy refuses a model whose features are not its encoder`s, naming the first difference', async () => {
    const path = join(dir, 'other-features.onnx');
    const renamed = encoderFeatures.map((f, i) => (i === 3 ? { ...f, name: 'something_else' } : f));
    await writeFile(path, policyBytes('feat', 'dt-feat', String(ENCODER_VERSION), undefined, renamed));
    const model = await OnnxPolicyModel.load(path, {
      encoderVersion: String(ENCODER_VERSION),
      stateDim: encoderDimension,
    });
    expect(() => new DecisionTransformerPolicy({ venue: VENUE, symbol: SYMBOL, model, capLots: 10 })).toThrow(
      `model features differ from the encoder's at 3: model 'something_else', encoder '${encoderFeatures[3]?.name}'`,
    );
    model.dispose();
  });

  it('refuses a file that is not a policy, naming it', async () => {
    const path = join(dir, 'junk.onnx');
    await writeFile(path, 'not a model');
    await expect(OnnxPolicyModel.load(path, { encoderVersion: '1' })).rejects.toThrow(`${path}: is not an ONNX model`);
  });
});

describe('DecisionTransformerPolicy in the Engine', () => {
  it('decides every second with the encoder, a rolling context and a decremented target; hot-reloads a new file and keeps the old model on a bad one', async () => {
    const path = join(dir, 'policy.onnx');
    await writeFile(path, policyBytes('first', 'dt-first'));
    const model = await OnnxPolicyModel.load(path, {
      encoderVersion: String(ENCODER_VERSION),
      stateDim: encoderDimension,
    });
    const decisions: PolicyDecision[] = [];
    const changes: ModelChange[] = [];
    const policy = new DecisionTransformerPolicy({
      venue: VENUE,
      symbol: SYMBOL,
      model,
      capLots: 1e9,
      targetReturn: 0.01,
      modelCheckIntervalUs: 0,
      minSize: 0,
      onDecision: (d) => decisions.push(d),
      onModelChange: (c) => changes.push(c),
    });
    // The market pauses at 20 s to swap in a new model file, and at 40 s to put a bad one and
    // one of another encoder version in its place.
    async function* market(): AsyncGenerator<MarketEvent> {
      let phase = 0;
      for (const e of syntheticMarket(90)) {
        if (phase === 0 && e.localTs >= START_US + 20_000_000) {
          phase = 1;
          // a model that leans to buying, so orders go out after the volatility window fills
          await replace(path, policyBytes('second', 'dt-second', String(ENCODER_VERSION), [-10, -10, 10]));
          await policy.checkModelFile();
        }
        if (phase === 1 && e.localTs >= START_US + 40_000_000) {
          phase = 2;
          await replace(path, 'not a model');
          await policy.checkModelFile();
          await replace(path, policyBytes('third', 'dt-third', '999'));
          await policy.checkModelFile();
        }
        yield e;
      }
    }
    const result = await rollout({
      events: market(),
      instruments: [instrument],
      traded: { venue: VENUE, symbol: SYMBOL },
      decisionTimesUs: Array.from({ length: 80 }, (_, i) => START_US + 5_000_000 + i * 1_000_000),
      strategy: policy,
      capLots: 1e9,
      seed: 1,
      startingBalance: '1000000000000',
    });
    expect(decisions.length).toBeGreaterThanOrEqual(80);
    const versionAt = (s: number) => decisions.find((d) => d.atUs >= START_US + s * 1_000_000)?.modelVersion;
    expect(versionAt(10)).toBe('dt-first');
    expect(versionAt(30)).toBe('dt-second');
    expect(versionAt(50)).toBe('dt-second');
    expect(changes.map((c) => c.kind)).toEqual(['loaded', 'refused', 'refused']);
    const refused = changes.filter((c) => c.kind === 'refused');
    expect(refused[0]?.kind === 'refused' && refused[0].error.message).toContain(`${path}: is not an ONNX model`);
    expect(refused[1]?.kind === 'refused' && refused[1].error.message).toContain(
      `model encoder version 999, runtime encoder version ${ENCODER_VERSION}`,
    );
    expect(policy.lastModelError?.message).toContain('encoder version 999');

    for (const d of decisions) {
      expect(d.actionProbs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(d.targetReturnToGo + d.realisedReturn).toBeCloseTo(0.01, 12);
      expect(d.size).toBeGreaterThanOrEqual(0);
      expect(d.size).toBeLessThanOrEqual(1);
    }
    // orders really went out, with the model's direction, and the rollout saw them as actions
    const sent = decisions.filter((d) => d.orderId !== undefined);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((d) => d.sent === d.action && d.qtyLots > 0)).toBe(true);
    expect(result.steps.some((s) => s.action !== 1)).toBe(true);
    // once 60 s of mids exist the encoder's realised volatility is known and orders carry an edge
    const late = sent.filter((d) => d.atUs >= START_US + 61_000_000);
    expect(late.length).toBeGreaterThan(0);
    expect(late.every((d) => d.edge !== undefined && d.edge.variance > 0)).toBe(true);
    expect(sent.filter((d) => d.atUs < START_US + 59_000_000).every((d) => d.edge === undefined)).toBe(true);
  }, 60_000);
});
