import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTrajectories } from '@tickerml/rl';
import { describe, expect, it } from 'vitest';
import { cvCommand } from './cv.js';
import { datasetCommand } from './dataset.js';
import { trajectoriesCommand } from './trajectories.js';

const BINANCE = fileURLToPath(
  new URL('../../../pi-trader/recordings/binance/hftbacktest_spot_btcusdt_20240808.gz', import.meta.url),
);

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), isTty: false }, out, err };
}

describe('pc-trainer dataset → cv → trajectories on the bundled Binance recording', () => {
  it('produces a trajectory file a pandas user can open, the same bytes for the same seed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pc-traj-'));
    const recording = join(dir, 'btcusdt.gz');
    copyFileSync(BINANCE, recording);
    const dataset = join(dir, 'btc.arrow');
    const d = io();
    expect(
      await datasetCommand(['--data', recording, '--out', dataset, '--interval', '5s', '--horizons', '1s,5s'], d.io),
    ).toBe(0);
    const cv = io();
    expect(await cvCommand(['--dataset', dataset, '--groups', '4', '--test-groups', '2', '--json'], cv.io)).toBe(0);
    expect(JSON.parse(cv.out.join('')).n_paths).toBe(3);
    const run = async (out: string, seed: string) => {
      const t = io();
      const args = ['--dataset', dataset, '--out', out, '--seed', seed, '--strategies', 'obi-momentum'];
      const code = await trajectoriesCommand([...args, '--epsilons', '0,0.5', '--json'], t.io);
      expect(t.err).toEqual([]);
      return { code, summary: JSON.parse(t.out.join('')) };
    };
    const first = await run(join(dir, 'a.arrow'), '3');
    expect(first.code).toBe(0);
    expect(first.summary.variants.map((v: { epsilon: number }) => v.epsilon)).toEqual([0, 0.5]);
    const file = readTrajectories(join(dir, 'a.arrow'));
    expect(file.rows).toBe(first.summary.rows);
    expect(file.strategy[0]).toBe('obi-momentum');
    expect(new Set(file.action).size).toBeGreaterThan(1);
    expect(file.rewardInfo.unit).toBe('fraction of starting equity');
    await run(join(dir, 'b.arrow'), '3');
    expect(readFileSync(join(dir, 'a.arrow')).equals(readFileSync(join(dir, 'b.arrow')))).toBe(true);
    // Bad input exits 1, bad arguments 2.
    const missing = io();
    expect(
      await trajectoriesCommand(['--dataset', join(dir, 'none.arrow'), '--out', join(dir, 'c.arrow')], missing.io),
    ).toBe(1);
    const bad = io();
    expect(await trajectoriesCommand(['--dataset', dataset, '--out', 'x', '--epsilons', '0,2'], bad.io)).toBe(2);
    expect(bad.err.join('')).toMatch(/--epsilons takes numbers in \[0, 1\], was "2"/);
  }, 180_000);
});
