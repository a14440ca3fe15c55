import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRandom } from '@tickerml/core';
import { afterAll, describe, expect, it } from 'vitest';
import type { ModelArchitecture } from './architecture.js';
import { initDecisionTransformerWeights } from './init.js';
import { listModelVersions, type ModelInfo, ModelKind, readModel, writeModel } from './registry.js';

const arch: ModelArchitecture = {
  stateDim: 4,
  dModel: 4,
  heads: 1,
  layers: 1,
  dFF: 8,
  maxTokens: 6,
  context: 2,
  riskBuckets: 2,
  trainableBlocks: 1,
};

const info: ModelInfo = {
  version: 'dt-test-1',
  kind: ModelKind.DecisionTransformer,
  arch,
  normalisation: { mean: Float32Array.of(0.1, -2, 0, 0), std: Float32Array.of(0.3, 5, 1, 1) },
  rtgScale: 0.01,
  defaultTarget: 0.005,
  encoder: { version: 'enc-test', features: [{ name: 'spread_bps', unit: 'bps', window: '' }] },
  asOfUs: 1_760_000_000_000_000,
  dataRange: { fromUs: 1_750_000_000_000_000, toUs: 1_757_000_000_000_000 },
  datasetSha256: 'ab'.repeat(32),
  configHash: 'cd'.repeat(32),
  gitCommit: 'unknown',
  backend: 'reference',
  createdUs: 1_760_000_000_000_001,
};

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tickerml-registry-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('model registry files', () => {
  it('round-trips metadata and every weight bit for bit, extra weights included', async () => {
    const root = await tempDir();
    const weights = initDecisionTransformerWeights(arch, new SeededRandom(3));
    weights.set('pretrain.vol.b', Float32Array.of(0.25));
    const dir = await writeModel(root, { info, weights });
    expect(dir).toBe(join(root, 'dt-test-1'));
    const back = await readModel(dir);
    expect(back.info).toEqual(info);
    expect([...back.weights.keys()]).toEqual([...weights.keys()]);
    for (const [name, data] of weights) expect(back.weights.get(name)).toEqual(data);
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('tickerml.model/1');
    expect(json.weights[0]).toEqual({ name: 'backbone.state_embed.w', shape: [4, 4], offset: 0 });
    expect(await listModelVersions(root)).toEqual(['dt-test-1']);
    await expect(writeModel(root, { info, weights })).rejects.toThrow('already exists');
  });

  it('refuses a truncated weights.bin, a wrong shape and a wrong format, naming the file', async () => {
    const root = await tempDir();
    const dir = await writeModel(root, { info, weights: initDecisionTransformerWeights(arch, new SeededRandom(4)) });
    const bin = await readFile(join(dir, 'weights.bin'));
    const json = await readFile(join(dir, 'model.json'), 'utf8');

    await writeFile(join(dir, 'weights.bin'), bin.subarray(0, bin.length - 4));
    await expect(readModel(dir)).rejects.toThrow(
      /weights\.bin: weight dt\.head_risk\.b at byte \d+ \(2 float32\) does not fit/,
    );
    await writeFile(join(dir, 'weights.bin'), bin);

    const wrongShape = JSON.parse(json);
    wrongShape.weights[0].shape = [2, 8];
    await writeFile(join(dir, 'model.json'), JSON.stringify(wrongShape));
    await expect(readModel(dir)).rejects.toThrow(
      'weight backbone.state_embed.w has shape [2, 8], the architecture needs [4, 4]',
    );

    await writeFile(join(dir, 'model.json'), JSON.stringify({ ...JSON.parse(json), format: 'other/2' }));
    await expect(readModel(dir)).rejects.toThrow(`model.json: format must be 'tickerml.model/1', was 'other/2'`);

    await writeFile(join(dir, 'model.json'), JSON.stringify({ ...JSON.parse(json), rtgScale: 0 }));
    await expect(readModel(dir)).rejects.toThrow('rtgScale must be a positive number, was 0');

    await expect(readModel(join(root, 'missing'))).rejects.toThrow('missing/model.json: cannot be read');
  });
});
