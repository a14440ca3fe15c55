import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReplayReport } from './replay.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const bin = fileURLToPath(new URL('../bin.ts', import.meta.url));
const fixtures = join(root, 'packages/exchanges/test/fixtures');
const dir = mkdtempSync(join(tmpdir(), 'tickerml-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `tickerml <args>` in a real child process (node + tsx on the sources). */
function tickerml(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=@tickerml/source', '--import', 'tsx', bin, ...args],
      { cwd: root, maxBuffer: 64 * 1024 * 1024, timeout: 180_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('tickerml replay (child process)', { timeout: 400_000 }, () => {
  it('Kraken capture: every checksum matches, exit 0, final book as decimal strings', async () => {
    const { code, stdout, stderr } = await tickerml(
      'replay',
      join(fixtures, 'kraken/crossbook_kraken_btcusd_l2.cbcap'),
      '--json',
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as ReplayReport;
    expect(report).toMatchObject({
      format: 'cbcap',
      venue: 'kraken',
      path: 'direct',
      framesRead: 377,
      malformedLines: 0,
    });
    expect(report.symbols).toHaveLength(1);
    expect(report.symbols[0]).toMatchObject({
      symbol: 'BTC/USD',
      snapshots: 5,
      deltas: 296,
      gaps: 0,
      checksumsMatched: 301,
      checksumsMismatched: 0,
      malformed: 0,
      bestBid: '63004.9',
      bestAsk: '63005',
      bidLevels: 10,
      askLevels: 10,
      events: { book_snapshot: 5, book_delta: 296 },
    });
  });

  it('a recording with a lost update exits 2 and reports the mismatch', async () => {
    // Remove the 20th book update from the capture: the next update's checksum cannot match.
    const text = readFileSync(join(fixtures, 'kraken/crossbook_kraken_btcusd_l2.cbcap'), 'latin1');
    const records = text.split(/(?=^\d+ \d+\n)/m);
    let updates = 0;
    const kept = records.filter((r) => !(r.includes('"channel":"book","type":"update"') && ++updates === 20));
    expect(kept.length).toBe(records.length - 1);
    const file = join(dir, 'kraken-gap.cbcap');
    writeFileSync(file, kept.join(''), 'latin1');
    const { code, stdout } = await tickerml('replay', file);
    expect(code).toBe(2);
    expect(stdout).toMatch(/checksums matched \/ mismatched\s+\d+ \/ [1-9]/);
  });

  it('through the replay server the books equal the direct replay (Coinbase), exit 0', async () => {
    const { code, stdout } = await tickerml(
      'replay',
      join(fixtures, 'coinbase/cryptofeed_COINBASE_advtrade.jsonl.gz'),
      '--through-server',
      '--json',
    );
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as ReplayReport;
    expect(report.path).toBe('server');
    expect(report.booksMatchCleanRun).toBe(true);
    expect(report.symbols.map((s) => [s.symbol, s.bestBid, s.bestAsk])).toEqual([
      ['BTC/USD', '65083.66', '65083.67'],
      ['ETH/USD', '1919.28', '1919.38'],
    ]);
  });

  it('--inject on Binance: every fault is matched to what the adapter reported, books healed to the clean run', async () => {
    const { code, stdout, stderr } = await tickerml(
      'replay',
      join(fixtures, 'binance/hftbacktest_spot_btcusdt_20240808.gz'),
      '--inject',
      'drop=0.005,dup=0.005,reorder=0.005,corrupt=2,close=1,stale-snapshot=1',
      '--seed',
      '3',
      '--json',
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as ReplayReport;
    const faults = report.faults ?? [];
    const kinds = new Set(faults.map((f) => f.kind));
    // Counted faults wait for the previous one to heal, so on a slow machine one may not fit in the tape.
    expect(kinds.size).toBeGreaterThanOrEqual(4);
    const seenAs: Record<string, readonly string[]> = {
      drop: ['gap'],
      dup: ['duplicate-ignored'],
      reorder: ['gap'],
      corrupt: ['malformed-skipped', 'gap'],
      close: ['disconnect'],
      'stale-snapshot': ['stale-snapshot-refused', 'gap'],
    };
    for (const f of faults) {
      expect(seenAs[f.kind], `${f.kind} at ${f.tapeIndex}`).toContain(f.detectedAs);
      expect(f.afterFrames).toBeGreaterThanOrEqual(0);
    }
    expect(report.signals?.disconnect).toBe(faults.filter((f) => f.kind === 'close').length);
    expect(report.booksMatchCleanRun).toBe(true);
    expect(report.symbols[0]).toMatchObject({
      symbol: 'BTC/USDT',
      bestBid: '61685.99',
      bestAsk: '61686',
      bidLevels: 1209,
      askLevels: 2196,
    });
    // Same seed, same faults at the same frames (the tape plays in step with the feed), and the
    // human report prints them fault by fault.
    const text = await tickerml(
      'replay',
      join(fixtures, 'binance/hftbacktest_spot_btcusdt_20240808.gz'),
      '--inject',
      'drop=0.005,dup=0.005,reorder=0.005,corrupt=2,close=1,stale-snapshot=1',
      '--seed',
      '3',
    );
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /faults injected → detected\n +# +fault +book +tape frame +detected as +after frames\n/,
    );
    faults.forEach((f, k) => {
      const row = new RegExp(
        `\\n +${k + 1} +${f.kind} +${f.symbol.replace(/[/*]/g, '\\$&')} +${f.tapeIndex < 0 ? '-' : f.tapeIndex} +${f.detectedAs} +${f.afterFrames}\\n`,
      );
      expect(text.stdout).toMatch(row);
    });
    expect(text.stdout).toContain(`faults detected: ${faults.length}, not detected: 0\n`);
  });

  it('--inject: a fault the adapter cannot see is reported as not detected, exit 1', async () => {
    // Unpaced, the plan is applied where drawn: on Kraken a lost update the next checksum does
    // not cover, or one lost while the book is still re-subscribing, leaves no trace.
    const { code, stdout, stderr } = await tickerml(
      'replay',
      join(fixtures, 'kraken/crossbook_kraken_btcusd_sample.cbcap'),
      '--inject',
      'drop=0.05',
      '--unpaced-faults',
      '--seed',
      '5',
      '--json',
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /tickerml replay: \d+ injected fault\(s\) not detected by the adapter: drop on BTC\/USD at tape frame \d+/,
    );
    const report = JSON.parse(stdout) as ReplayReport;
    const missed = (report.faults ?? []).filter((f) => f.detectedAs === null);
    expect(missed.length).toBeGreaterThan(0);
    for (const f of missed) expect(f).toMatchObject({ kind: 'drop', symbol: 'BTC/USD', afterFrames: null });
  });

  it('counts a malformed line with a sample and still exits 0', async () => {
    const good = readFileSync(join(fixtures, 'kraken/crossbook_kraken_btcusd_l2.cbcap'), 'latin1');
    const file = join(dir, 'bad-header.cbcap');
    // A damaged record header in the middle: skipped, reported, the rest still read.
    writeFileSync(
      file,
      good.replace(/\n(\d+ \d+)\n\{"channel":"heartbeat"/, '\nNOT A HEADER\n$1\n{"channel":"heartbeat"'),
      'latin1',
    );
    const { code, stdout } = await tickerml('replay', file);
    expect(code).toBe(0);
    expect(stdout).toMatch(/malformed lines skipped: 1\n {4}line \d+: expected "<ts_ns> <byte_count>": NOT A HEADER/);
  });

  it('replays several files (a day in parts) one after the other into the same books', async () => {
    const text = readFileSync(join(fixtures, 'kraken/crossbook_kraken_btcusd_l2.cbcap'), 'latin1');
    const [header, ...records] = text.split(/(?=^\d+ \d+\n)/m);
    const startNs = BigInt((header as string).trim().split(' ')[3] as string);
    const firstNs = BigInt((records[0] as string).split(' ')[0] as string);
    const half = Math.floor(records.length / 2);
    const secondNs = BigInt((records[half] as string).split(' ')[0] as string);
    const a = join(dir, 'kraken-part-0.cbcap');
    const b = join(dir, 'kraken-part-1.cbcap');
    writeFileSync(a, (header as string) + records.slice(0, half).join(''), 'latin1');
    writeFileSync(
      b,
      `CBCAP1 kraken BTC/USD ${startNs + secondNs - firstNs}\n${records.slice(half).join('')}`,
      'latin1',
    );
    const { code, stdout } = await tickerml('replay', a, b, '--json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as ReplayReport;
    expect(report.files).toEqual([a, b]);
    expect(report.framesRead).toBe(377);
    expect(report.symbols[0]).toMatchObject({
      checksumsMatched: 301,
      checksumsMismatched: 0,
      bestBid: '63004.9',
      bestAsk: '63005',
    });
  });

  it('exits 1 with a clear message on an unknown format, a missing file and a bad --inject', async () => {
    const junk = join(dir, 'junk.txt');
    writeFileSync(junk, 'hello\n');
    const unknown = await tickerml('replay', junk);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`Cannot tell the recording format of ${junk}`);
    const missing = await tickerml('replay', join(dir, 'nope.gz'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/Cannot read recording .*nope\.gz/);
    const bad = await tickerml('replay', junk, '--inject', 'drop=5');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('drop is a probability in 0..1, was 5');
  });
});
