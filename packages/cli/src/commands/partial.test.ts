/**
 * A recording cut short: `tickerml backtest` fails naming the file and its last good frame,
 * `tickerml replay` reports it as a finding (exit 2), and `--allow-partial` accepts it in both.
 * A forced line format on input without newlines fails at a bounded line length.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { backtestCommand } from './backtest.js';
import { replayCommand } from './replay.js';

const BINANCE = fileURLToPath(
  new URL('../../../exchanges/test/fixtures/binance/hftbacktest_spot_btcusdt_20240808.gz', import.meta.url),
);
const dir = mkdtempSync(join(tmpdir(), 'tickerml-partial-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const whole = readFileSync(BINANCE);
const half = join(dir, 'half.gz');
writeFileSync(half, whole.subarray(0, whole.length >> 1));

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) }, out, err };
}

describe('truncated recordings in the CLI', () => {
  it('backtest: exit 1 naming the file and the last good frame; --allow-partial runs on the good part', async () => {
    const refused = io();
    expect(await backtestCommand(['--data', half, '--strategy', 'market-maker', '--json'], refused.io, false)).toBe(1);
    const message = refused.err.join('');
    expect(message).toContain(half);
    expect(message).toMatch(/truncated.*after \d+ good frames; last good frame at \d{4}-/);
    expect(refused.out).toEqual([]);
    const accepted = io();
    expect(
      await backtestCommand(
        ['--data', half, '--strategy', 'market-maker', '--json', '--allow-partial'],
        accepted.io,
        false,
      ),
    ).toBe(0);
    expect(JSON.parse(accepted.out.join('')).strategy).toBe('touch-market-maker');
  });

  it('replay: a truncated file is a finding (exit 2); --allow-partial accepts it', async () => {
    const flagged = io();
    expect(await replayCommand([half], flagged.io)).toBe(2);
    expect(flagged.out.join('')).toMatch(/truncated/);
    const accepted = io();
    expect(await replayCommand([half, '--allow-partial'], accepted.io)).toBe(0);
    const complete = io();
    expect(await replayCommand([BINANCE], complete.io)).toBe(0);
  });

  it('replay --format tickerml on input without newlines fails at a bounded line, naming the offset', async () => {
    const zeros = join(dir, 'zeros.bin');
    writeFileSync(zeros, Buffer.alloc(70 * 1024 * 1024));
    const r = io();
    expect(await replayCommand([zeros, '--format', 'tickerml'], r.io)).toBe(1);
    expect(r.err.join('')).toMatch(/line longer than \d+ bytes at byte offset 0/);
  });
});
