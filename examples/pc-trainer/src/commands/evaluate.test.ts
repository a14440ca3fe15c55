import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flatStrategy } from '@tickerml/rl';
import { describe, expect, it } from 'vitest';
import { datasetCommand } from './dataset.js';
import { evaluateCommand } from './evaluate.js';

const BINANCE = fileURLToPath(
  new URL('../../../pi-trader/recordings/binance/hftbacktest_spot_btcusdt_20240808.gz', import.meta.url),
);

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), isTty: false }, out, err };
}

describe('pc-trainer evaluate on the bundled Binance recording', () => {
  it('evaluates the benchmarks and baselines without a model, writes JSON and HTML, and refuses what it must', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pc-eval-'));
    copyFileSync(BINANCE, join(dir, 'btc.gz'));
    const dataset = join(dir, 'btc.arrow');
    const d = io();
    expect(
      await datasetCommand(
        ['--data', join(dir, 'btc.gz'), '--out', dataset, '--interval', '5s', '--horizons', '1s,5s'],
        d.io,
      ),
    ).toBe(0);
    const common = ['--dataset', dataset, '--groups', '3', '--test-groups', '2', '--embargo', '5s'];
    const run = io();
    const code = await evaluateCommand(
      [...common, '--as-of', '2026-01-01T00:00:00Z', '--baselines', 'obi-momentum', '--out', join(dir, 'eval')],
      run.io,
    );
    expect(run.err).toEqual([]);
    expect(code).toBe(0);
    expect(run.out.join('')).toMatch(/cv\s+3 splits, 2 paths; DSR over 3 trials/);
    expect(run.out.join('')).toMatch(/\nflat\s+0\.000000/);
    const report = JSON.parse(readFileSync(join(dir, 'eval', 'evaluation.json'), 'utf8'));
    expect(report.asOf).toBe('2026-01-01T00:00:00.000Z');
    expect(report.quarantine.quarantineDays).toBe(30);
    expect(report.strategies.map((s: { name: string }) => s.name)).toEqual(['flat', 'buy-and-hold', 'obi-momentum']);
    expect(readFileSync(join(dir, 'eval', 'evaluation.html'), 'utf8')).toMatch(
      /<svg[\s\S]*Equity per path: obi-momentum/,
    );
    // A model is evaluated through the loader the trainer passes.
    const withModel = io();
    expect(
      await evaluateCommand(
        [...common, '--as-of', '2026-01-01T00:00:00Z', '--baselines', '', '--model', 'v1', '--json'],
        withModel.io,
        async (version) => ({ name: `model ${version}`, fit: () => flatStrategy }),
      ),
    ).toBe(1); // '' is not a baseline name
    expect(withModel.err.join('')).toMatch(/unknown strategy ''/);
    const model = io();
    expect(
      await evaluateCommand(
        [...common, '--as-of', '2026-01-01T00:00:00Z', '--baselines', 'obi-momentum', '--model', 'v1', '--json'],
        model.io,
        async (version) => ({ name: `model ${version}`, fit: () => flatStrategy }),
      ),
    ).toBe(0);
    expect(JSON.parse(model.out.join('')).strategies[0].name).toBe('model v1');
    // Without a loader --model is refused; so is an as-of within 30 days of the data (exit 1).
    const noLoader = io();
    expect(await evaluateCommand([...common, '--model', 'v1'], noLoader.io)).toBe(1);
    expect(noLoader.err.join('')).toMatch(/no model loader/);
    const early = io();
    expect(await evaluateCommand([...common, '--as-of', '2024-08-20T00:00:00Z'], early.io)).toBe(1);
    expect(early.err.join('')).toMatch(/quarantine: \d+ rows end after 2024-07-21T00:00:00\.000Z/);
    const badArgs = io();
    expect(await evaluateCommand([...common, '--trials', 'x'], badArgs.io)).toBe(2);
  }, 300_000);
});
