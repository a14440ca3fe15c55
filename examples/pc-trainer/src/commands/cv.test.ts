import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetWriter } from '@tickerml/rl';
import { describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { cvCommand } from './cv.js';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), isTty: false }, out, err };
}

/**
 * A dataset of 12 rows one second apart; rows 0–5 have 10 s labels, the others 0.5 s labels.
 * Written with the dataset writer so cv reads a real Arrow file.
 */
async function twelveRows(): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), 'pc-cv-')), 'tiny.arrow');
  const features = [{ name: 'x', unit: 'none', window: 't0', description: 'test feature' }];
  const writer = new DatasetWriter(path, features, []);
  const base = 1_700_000_000_000_000;
  for (let i = 0; i < 12; i++) {
    const t0 = base + i * 1_000_000;
    writer.append(t0, t0 + (i < 6 ? 10_000_000 : 500_000), 'binance', 'BTC/USDT', Float32Array.of(i, 1), []);
  }
  await writer.finish({
    encoderVersion: 1,
    intervalUs: 1_000_000,
    sources: [],
    instruments: [{ venue: 'binance', symbol: 'BTC/USDT', tickSize: '0.01', crossVenues: [] }],
  });
  return path;
}

describe('pc-trainer cv', () => {
  it('prints the plan as the issue’s JSON, with long labels purged', async () => {
    const path = await twelveRows();
    const { io: cio, out, err } = io();
    expect(
      await cvCommand(['--dataset', path, '--groups', '3', '--test-groups', '2', '--embargo', '0s', '--json'], cio),
    ).toBe(0);
    expect(err).toEqual([]);
    const plan = JSON.parse(out.join(''));
    expect(Object.keys(plan)).toEqual(['n_splits', 'n_paths', 'splits']);
    expect([plan.n_splits, plan.n_paths]).toEqual([3, 2]);
    // Groups: rows 0–3 [0 s, 13 s], 4–7 [4 s, 15 s] (rows 4, 5 have 10 s labels), 8–11 [8 s, 11.5 s].
    // Split {0,1} tests rows 0–7 (T_end 15 s): rows 8–11 start inside it and are purged.
    // Split {0,2} tests 0–3 and 8–11: rows 4–7 start inside [0, 13 s] and are purged.
    // Split {1,2} tests 4–11 (from 4 s): rows 0–3 have labels ending at 10–13 s, inside it: purged.
    expect(plan.splits).toEqual([
      { test_groups: [0, 1], train: [], test: [0, 1, 2, 3, 4, 5, 6, 7], path_of_group: { '0': 0, '1': 0 } },
      { test_groups: [0, 2], train: [], test: [0, 1, 2, 3, 8, 9, 10, 11], path_of_group: { '0': 1, '2': 0 } },
      { test_groups: [1, 2], train: [], test: [4, 5, 6, 7, 8, 9, 10, 11], path_of_group: { '1': 1, '2': 1 } },
    ]);
    // One test group at a time, split {2} tests rows 8–11 ([8 s, 11.5 s]): rows 0–5 have labels
    // ending at 10–15 s, inside it (purged); rows 6 and 7 end at 6.5 s and 7.5 s (kept).
    const single = io();
    expect(
      await cvCommand(
        ['--dataset', path, '--groups', '3', '--test-groups', '1', '--embargo', '0s', '--json'],
        single.io,
      ),
    ).toBe(0);
    expect(JSON.parse(single.out.join('')).splits[2].train).toEqual([6, 7]);
  });

  it('is registered in pc-trainer, prints a text summary, and exits 1 on bad input and 2 on bad arguments', async () => {
    const path = await twelveRows();
    const text = io();
    expect(await cvCommand(['--dataset', path, '--groups', '4', '--test-groups', '2'], text.io)).toBe(0);
    expect(text.out.join('')).toMatch(/splits\s+6\npaths\s+3\n/);
    const bad = io();
    expect(await cvCommand(['--dataset', path, '--groups', '13', '--test-groups', '2'], bad.io)).toBe(1);
    expect(bad.err.join('')).toMatch(/12 rows cannot form 13 groups/);
    const missing = io();
    expect(await cvCommand(['--dataset', join(tmpdir(), 'no-such.arrow')], missing.io)).toBe(1);
    const args = io();
    expect(await cvCommand(['--dataset', path, '--groups', 'many'], args.io)).toBe(2);
    expect(args.err.join('')).toMatch(/--groups must be an integer/);
    const log = console.log;
    const lines: string[] = [];
    console.log = (t: string) => lines.push(t);
    try {
      expect(await main(['--help'])).toBe(0);
    } finally {
      console.log = log;
    }
    expect(lines.join('')).toMatch(/\n {2}cv {12}/);
  });
});
