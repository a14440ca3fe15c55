import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { backtestCommand } from './backtest.js';

const BINANCE = fileURLToPath(
  new URL('../../../exchanges/test/fixtures/binance/hftbacktest_spot_btcusdt_20240808.gz', import.meta.url),
);

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) }, out, err };
}

describe('tickerml backtest', () => {
  it('runs a baseline over a real recording and prints the summary as JSON, writing every report file', async () => {
    const { io: cio, out, err } = io();
    const dir = mkdtempSync(join(tmpdir(), 'tickerml-bt-'));
    const code = await backtestCommand(
      ['--data', BINANCE, '--strategy', 'market-maker', '--seed', '7', '--json', '--out', dir],
      cio,
      true,
    );
    expect(err.join('')).toContain('100% ');
    expect(code).toBe(0);
    const summary = JSON.parse(out.join(''));
    expect(summary.strategy).toBe('touch-market-maker');
    expect(summary.fills).toBeGreaterThan(0);
    expect(summary.initialEquity).toBe('10000');
    // Minutes of 1 s equity samples: the per-sample Sharpe and its count, no annualised figure (issue 15, point 9).
    expect(summary.sharpe).toBeNull();
    expect(summary.sharpeSamples).toBeGreaterThan(30);
    expect(summary.sampleIntervalUs).toBeGreaterThanOrEqual(1_000_000);
    expect(summary.sharpeWarning).toMatch(new RegExp(`^only ${summary.sharpeSamples} returns over .* not annualised$`));
    // No exchange-info in this recording and no instrument cache: the instrument is inferred, and says so (issue 15, point 2).
    expect(summary.warnings).toEqual([expect.stringMatching(/^binance BTC\/USDT: instrument inferred from the data/)]);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report.summary).toEqual(summary);
    expect(readFileSync(join(dir, 'fills.csv'), 'utf8').trim().split('\n')).toHaveLength(summary.fills + 1);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('<svg');
    // Same seed, same result; the text summary names the figures.
    const again = io();
    expect(
      await backtestCommand(
        ['--data', BINANCE, '--strategy', 'market-maker', '--seed', '7', '--json'],
        again.io,
        false,
      ),
    ).toBe(0);
    expect(JSON.parse(again.out.join(''))).toEqual(summary);
    expect(again.err).toEqual([]);
  });

  it('reads fees and the queue model from execution.yaml, and names a bad key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tickerml-cfg-'));
    writeFileSync(
      join(dir, 'execution.yaml'),
      'venues:\n  binance:\n    fees: { maker: "0", taker: "0" }\n    queue: { model: risk_averse }\n',
    );
    // The venue's step and minimum notional from an instrument cache as `tickerml record` writes it.
    const instrument = { venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', base: 'BTC', quote: 'USDT' };
    writeFileSync(
      join(dir, 'binance.instruments.json'),
      JSON.stringify({
        format: 'tickerml-instruments/1',
        venue: 'binance',
        fetchedAtMs: 0,
        instruments: [{ ...instrument, type: 'spot', tickSize: '0.01', lotSize: '0.00001', minNotional: '5' }],
      }),
    );
    const ok = io();
    expect(
      await backtestCommand(
        ['--data', BINANCE, '--strategy', 'obi-momentum', '--config', dir, '--instruments', dir],
        ok.io,
        false,
      ),
    ).toBe(0);
    expect(ok.out.join('')).toMatch(/fees\s+0\n/);
    expect(ok.out.join('')).not.toContain('warning ');
    expect(ok.out.join('')).toMatch(
      /sharpe\s+\S+ per sample over \d+ samples \(warning: only \d+ returns over .*not annualised\)/,
    );
    writeFileSync(join(dir, 'execution.yaml'), 'venues:\n  binance:\n    fees: { maker: "0.1%", taker: "0" }\n');
    const bad = io();
    expect(
      await backtestCommand(['--data', BINANCE, '--strategy', 'obi-momentum', '--config', dir], bad.io, false),
    ).toBe(1);
    expect(bad.err.join('')).toContain('execution.yaml: venues.binance.fees');
  });

  it('refuses bad arguments with the usage', async () => {
    const a = io();
    expect(await backtestCommand(['--strategy', 'market-maker'], a.io, false)).toBe(1);
    expect(a.err.join('')).toContain('--data needs at least one recording');
    const b = io();
    expect(await backtestCommand(['--data', BINANCE, '--strategy', 'yolo'], b.io, false)).toBe(1);
    expect(b.err.join('')).toContain("unknown strategy 'yolo'");
    const c = io();
    expect(await backtestCommand(['--data', BINANCE, '--strategy', 'arbitrage'], c.io, false)).toBe(1);
    expect(c.err.join('')).toContain('needs markets on two venues');
    const d = io();
    expect(await backtestCommand(['--data', '/nonexistent.gz', '--strategy', 'obi-momentum'], d.io, false)).toBe(1);
  });
});
