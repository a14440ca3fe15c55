import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readModel } from '@tickerml/rl';
import { beforeAll, describe, expect, it } from 'vitest';
import { datasetCommand } from './dataset.js';
import { modelsCommand } from './models.js';
import { pretrainCommand } from './pretrain.js';
import { refreshCommand } from './refresh.js';
import { retrainCommand } from './retrain.js';
import { trainCommand } from './train.js';
import { trajectoriesCommand } from './trajectories.js';

const BINANCE = fileURLToPath(
  new URL('../../../pi-trader/recordings/binance/hftbacktest_spot_btcusdt_20240808.gz', import.meta.url),
);

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), isTty: false }, out, err };
}

// A tiny model, so that every training command runs in seconds on 2 cores.
const TINY = `backbone: { d_model: 16, heads: 2, layers: 3, d_ff: 32, max_tokens: 12 }
decision_transformer: { context: 4, trainable_blocks: 2 }
sequence_length: 12
training: { warmup_steps: 2, batch_size: 16 }
`;

describe('pc-trainer pretrain → train → refresh → retrain → models on the bundled Binance recording', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pc-train-'));
  const dataset = join(dir, 'btc.arrow');
  const trajectories = join(dir, 'btc.traj.arrow');
  const models = join(dir, 'registry');
  const config = join(dir, 'config');
  // The recording is of 2024-08-08: an as-of 60 days later clears the 30-day quarantine.
  const common = [
    '--dataset',
    dataset,
    '--as-of',
    '2024-10-08T00:00:00Z',
    '--backend',
    'cpu',
    '--epochs',
    '1',
    '--models',
    models,
    '--config',
    config,
  ];

  beforeAll(async () => {
    copyFileSync(BINANCE, join(dir, 'btcusdt.gz'));
    const { mkdirSync } = await import('node:fs');
    mkdirSync(config);
    writeFileSync(join(config, 'model_config.yaml'), TINY);
    expect(
      await datasetCommand(['--data', join(dir, 'btcusdt.gz'), '--out', dataset, '--interval', '5s'], io().io),
    ).toBe(0);
    const t = io();
    expect(
      await trajectoriesCommand(
        ['--dataset', dataset, '--out', trajectories, '--strategies', 'obi-momentum', '--epsilons', '0,0.3'],
        t.io,
      ),
    ).toBe(0);
  }, 120_000);

  it('refuses a dataset inside the quarantine with exit 1 and the typed error, and bad arguments with exit 2', async () => {
    const refused = io();
    const args = common.map((a) => (a === '2024-10-08T00:00:00Z' ? '2024-08-20T00:00:00Z' : a));
    expect(await pretrainCommand(args, refused.io)).toBe(1);
    expect(refused.err.join('')).toMatch(/quarantine/i);
    expect(refused.out).toEqual([]);
    const bad = io();
    expect(await pretrainCommand([...common, '--backend', 'tpu'], bad.io)).toBe(2);
    expect(bad.err.join('')).toMatch(/--backend must be one of auto, node-gpu, node, wasm, cpu, was "tpu"/);
    const missing = io();
    expect(await trainCommand(common, missing.io)).toBe(2);
    expect(missing.err.join('')).toMatch(/--trajectories <file> is required/);
  });

  it('writes versions with their provenance, freezes the lower blocks, and lists them', async () => {
    const pre = io();
    expect(await pretrainCommand([...common, '--seed', '3'], pre.io)).toBe(0);
    const backbone = pre.out.join('').trim();
    expect(backbone).toMatch(/^backbone-\d{8}T\d{6}Z-[0-9a-f]{8}$/);
    const b = await readModel(join(models, backbone));
    expect(b.info.asOfUs).toBe(Date.parse('2024-10-08T00:00:00Z') * 1000);
    expect(b.info.backend).toBe('cpu');
    expect(b.info.datasetSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(b.info.configHash).toMatch(/^[0-9a-f]{64}$/);
    expect(b.info.dataRange.fromUs).toBeGreaterThan(Date.parse('2024-08-08T00:00:00Z') * 1000);
    expect(b.weights.has('pretrain.dir_10s.w')).toBe(true);

    const tr = io();
    expect(await trainCommand([...common, '--trajectories', trajectories, '--backbone', backbone], tr.io)).toBe(0);
    const dt = tr.out.join('').trim();
    const d = await readModel(join(models, dt));
    expect((d.info as unknown as { training: { parent: string } }).training.parent).toBe(backbone);
    // Block 0 and the embeddings are frozen (bitwise the backbone's); the last block trained.
    expect(d.weights.get('backbone.blocks.0.mlp.fc1.w')).toEqual(b.weights.get('backbone.blocks.0.mlp.fc1.w'));
    expect(d.weights.get('backbone.state_embed.w')).toEqual(b.weights.get('backbone.state_embed.w'));
    expect(d.weights.get('backbone.blocks.2.mlp.fc1.w')).not.toEqual(b.weights.get('backbone.blocks.2.mlp.fc1.w'));
    expect(Array.from(d.info.normalisation.mean)).toEqual(Array.from(b.info.normalisation.mean));

    const re = io();
    expect(await refreshCommand([...common, '--trajectories', trajectories], re.io)).toBe(0);
    const refreshed = await readModel(join(models, re.out.join('').trim()));
    expect((refreshed.info as unknown as { training: { parent: string } }).training.parent).toBe(dt);
    expect(refreshed.weights.get('dt.return_embed.w')).toEqual(d.weights.get('dt.return_embed.w'));
    expect(refreshed.weights.get('dt.head_action.w')).not.toEqual(d.weights.get('dt.head_action.w'));

    const full = io();
    expect(await retrainCommand([...common, '--trajectories', trajectories], full.io)).toBe(0);
    const [newBackbone, newDt] = full.out.join('').trim().split('\n');
    expect(newBackbone).toMatch(/^backbone-/);
    expect(newDt).toMatch(/^dt-/);

    const list = io();
    expect(await modelsCommand(['--models', models, '--json'], list.io)).toBe(0);
    const entries = JSON.parse(list.out.join('')) as { version: string; kind: string; parent: string | null }[];
    expect(entries.map((e) => e.version).sort()).toEqual(
      [backbone, dt, refreshed.info.version, newBackbone, newDt].sort(),
    );
    expect(entries.find((e) => e.version === newDt)?.parent).toBe(newBackbone);
  }, 240_000);
});
