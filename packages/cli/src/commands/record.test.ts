import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadFrames, openRecording, type RawFrame } from '@tickerml/exchanges';
import { FrameRole, frameRole, ReplayServer } from '@tickerml/exchanges/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReplayReport } from './replay.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const bin = fileURLToPath(new URL('../bin.ts', import.meta.url));
const fixtures = join(root, 'packages/exchanges/test/fixtures');
const dir = mkdtempSync(join(tmpdir(), 'tickerml-record-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tickerml(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=@tickerml/source', '--import', 'tsx', bin, ...args],
      { cwd: root, maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
      (err, stdout, stderr) => {
        resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
      },
    );
  });
}

async function readAll(path: string): Promise<RawFrame[]> {
  const frames: RawFrame[] = [];
  for await (const f of (await openRecording(path)).frames()) frames.push(f);
  return frames;
}

const dataOnly = (frames: readonly RawFrame[]) =>
  frames
    .filter(
      (f) => f.kind === 'recv' && frameRole(f.data) !== FrameRole.Control && frameRole(f.data) !== FrameRole.Greeting,
    )
    .map((f) => f.data);

describe('tickerml record against the replay kit (child process)', { timeout: 60_000 }, () => {
  it('Kraken: records the frames byte for byte before parsing; the recording replays with every checksum matching', async () => {
    const { frames } = await loadFrames(join(fixtures, 'kraken/crossbook_kraken_btcusd_sample.cbcap'));
    const server = await ReplayServer.start({ frames });
    const out = join(dir, 'kraken');
    try {
      const run = await tickerml(
        'record',
        '--venue',
        'kraken',
        '--symbols',
        'BTC/USD',
        '--depth',
        '25',
        '--grid',
        'BTC/USD=0.1/0.00000001',
        '--ws-url',
        server.wsUrl,
        '--out',
        out,
        '--max-frames',
        '1000',
      );
      expect(run.stderr).not.toContain('Error');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(
        /^\d+ frames recorded \(1000 frames recorded\) in .*kraken-\d{4}-\d\d-\d\d-0\.tmrec\.gz\n$/,
      );
    } finally {
      await server.close();
    }
    const files = readdirSync(out);
    expect(files).toHaveLength(1);
    const recorded = await readAll(join(out, files[0] as string));
    expect(recorded.length).toBeGreaterThanOrEqual(1000);
    expect(
      recorded.every(
        (f) =>
          (f.kind === 'recv' || f.kind === 'send' || f.kind === 'connect') &&
          f.connId === 'kraken' &&
          Number.isSafeInteger(f.localTs),
      ),
    ).toBe(true);
    // The subscribe the feed sent is recorded too.
    expect(
      recorded.some((f) => f.kind === 'send' && f.data.includes('"method":"subscribe"') && f.data.includes('"book"')),
    ).toBe(true);
    // What was recorded is exactly what the venue sent, in order.
    const sent = dataOnly(frames);
    const got = dataOnly(recorded);
    expect(got.length).toBeGreaterThan(900);
    expect(got).toEqual(sent.slice(0, got.length));

    const replay = await tickerml('replay', join(out, files[0] as string), '--json');
    expect(replay.code).toBe(0);
    const report = JSON.parse(replay.stdout) as ReplayReport;
    expect(report.format).toBe('tickerml');
    expect(report.symbols[0]).toMatchObject({
      symbol: 'BTC/USD',
      checksumsMismatched: 0,
      gaps: 0,
      bidLevels: 25,
      askLevels: 25,
    });
    expect(report.symbols[0]?.checksumsMatched).toBeGreaterThan(900);
  });

  it('Binance: the REST depth snapshot is recorded with its URL, and the recording replays synchronised', async () => {
    const { frames } = await loadFrames(join(fixtures, 'binance/hftbacktest_spot_btcusdt_20240808.gz'));
    // Paced x5 (about 5 s for the 3,000 recorded frames), so the REST snapshot comes back long before the
    // budget ends even on a loaded machine (at x20 a slow child once reached 3,000 frames first).
    const server = await ReplayServer.start({ frames: frames.slice(0, 6000), pace: { speed: 5 } });
    const restUrl = server.httpUrl;
    const wsUrl = server.wsUrl;
    const out = join(dir, 'binance');
    try {
      const running = tickerml(
        'record',
        '--venue',
        'binance',
        '--symbols',
        'BTC/USDT',
        '--grid',
        'BTC/USDT=0.01/0.00000001',
        '--ws-url',
        server.wsUrl,
        '--rest-url',
        server.httpUrl,
        '--out',
        out,
        '--max-frames',
        '3000',
      );
      // Close the socket once, mid-recording: the recorder writes the disconnect and the reconnect.
      while (server.framesSent < 500) await new Promise((resolve) => setTimeout(resolve, 10));
      server.inject('close');
      const run = await running;
      expect(run.code).toBe(0);
    } finally {
      await server.close();
    }
    const file = join(out, readdirSync(out)[0] as string);
    const recorded = await readAll(file);
    const http = recorded.filter((f) => f.kind === 'http');
    expect(http.length).toBeGreaterThanOrEqual(1);
    expect(http[0]?.url).toBe(`${restUrl}/api/v3/depth?symbol=BTCUSDT&limit=1000`);
    expect(http[0]?.data.startsWith('{"lastUpdateId":')).toBe(true);
    const connects = recorded.filter((f) => f.kind === 'connect');
    const disconnects = recorded.filter((f) => f.kind === 'disconnect');
    expect(connects.length).toBe(2);
    expect(connects[0]?.url).toBe(wsUrl);
    expect(disconnects.length).toBe(1);
    expect(disconnects[0]?.data).toMatch(/closed \(code 1006/);
    expect(disconnects[0]?.localTs).toBeGreaterThan(connects[0]?.localTs ?? 0);
    const replay = await tickerml('replay', file, '--json');
    expect(replay.code).toBe(0);
    const report = JSON.parse(replay.stdout) as ReplayReport;
    expect(report).toMatchObject({ connects: 2, disconnects: 1 });
    expect(report.symbols[0]).toMatchObject({ symbol: 'BTC/USDT', synced: true, gaps: 0 });
    expect(report.symbols[0]?.snapshots).toBeGreaterThanOrEqual(1);
    expect(report.symbols[0]?.deltas).toBeGreaterThan(0);
  });

  it('refuses bad arguments by name', async () => {
    const run = await tickerml('record', '--venue', 'mtgox', '--symbols', 'BTC/USD');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--venue must be one of binance, binanceus, coinbase, kraken, kucoin, was "mtgox"');
  });
});
