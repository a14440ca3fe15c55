/**
 * The replay server reading a recording as a stream, a bounded window at a time: a real recording
 * through a small window into the live adapter over loopback gives the direct path's books, never
 * holds more than the window, and every injected fault is still matched; a frame out of order
 * beyond the window stops the tape with an error naming it.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { collectUnhandledRejections } from '../../test/unhandled.js';
import { waitFor } from '../contract/wait.js';
import { openRecording } from '../readers/open.js';
import type { RawFrame } from '../readers/raw-frame.js';
import { GridInference, type ReplaySetup, replayStreamIntoHandler } from '../replay/venues.js';
import { replayThroughServer } from './live.js';
import { ReplayServer, ReplayServerError } from './server.js';

const BINANCE = fileURLToPath(
  new URL('../../test/fixtures/binance/hftbacktest_spot_btcusdt_20240808.gz', import.meta.url),
);

const unhandled = collectUnhandledRejections();
afterAll(() => {
  expect(unhandled).toEqual([]);
});

/**
 * Connects one Binance depth client to `server`, waits for the tape to end (or fail) and for
 * `count` frames to arrive, then closes both. Returns the tape's error, if any, and the `U` of
 * every frame received, in order.
 */
async function playToEnd(
  server: ReplayServer,
  count: number,
  what: string,
): Promise<{ error: unknown; received: number[] }> {
  const { WebSocket } = await import('ws');
  const received: number[] = [];
  const ws = new WebSocket(`${server.wsUrl}/stream?streams=btcusdt@depth`);
  ws.on('message', (data) => received.push(Number(/"U":(\d+)/.exec(data.toString())?.[1])));
  const error = await server.finished.then(
    () => undefined,
    (err: unknown) => err,
  );
  await waitFor(() => received.length >= count, what);
  ws.close();
  await server.close();
  return { error, received };
}

/** The Binance recording's setup and its direct-path books, streamed (nothing held in memory). */
async function directBinance(): Promise<{
  setup: ReplaySetup;
  frames: () => AsyncIterable<RawFrame>;
  books: Map<string, unknown>;
  synced: string[];
}> {
  const recording = await openRecording(BINANCE);
  const inference = new GridInference('binance');
  for await (const f of recording.frames()) inference.add(f);
  const setup = inference.setup();
  const direct = await replayStreamIntoHandler(setup, recording.frames());
  const books = new Map<string, unknown>();
  for (const g of setup.grids) books.set(g.symbol, direct.handler.book(g.symbol)?.toJSON());
  const synced = setup.grids.map((g) => g.symbol).filter((s) => direct.handler.book(s) !== undefined);
  return { setup, frames: () => recording.frames(), books, synced };
}

describe('replay server reading a stream through a bounded window', () => {
  it('Binance through a 256-frame window: the direct path books, never more than 256 frames held', {
    timeout: 120_000,
  }, async () => {
    const { setup, frames, books, synced } = await directBinance();
    expect(synced.length).toBeGreaterThan(0);
    const run = await replayThroughServer(setup, frames(), { windowFrames: 256, mustSync: synced });
    expect(run.peakFramesHeld).toBeGreaterThan(0);
    expect(run.peakFramesHeld).toBeLessThanOrEqual(256);
    // The recording is far longer than the window: it really was streamed.
    expect(run.framesSent).toBeGreaterThan(10 * 256);
    for (const g of setup.grids) expect(run.feed.book(g.symbol)?.toJSON(), g.symbol).toEqual(books.get(g.symbol));
  });

  it('--inject through a 256-frame window: every fault is matched to a detection and the books heal', {
    timeout: 120_000,
  }, async () => {
    const { setup, frames, books, synced } = await directBinance();
    const run = await replayThroughServer(setup, frames(), {
      windowFrames: 256,
      mustSync: synced,
      faults: { drop: 0.005, dup: 0.005, reorder: 0.005, corrupt: 2, close: 1, staleSnapshot: 1 },
      seed: 5,
    });
    expect(run.peakFramesHeld).toBeLessThanOrEqual(256);
    const kinds = new Set(run.injected.map((f) => f.kind));
    for (const kind of ['corrupt', 'close', 'stale-snapshot']) expect(kinds.has(kind as never), kind).toBe(true);
    const missed = run.matches.filter((m) => m.detectedAs === undefined).map((m) => m.fault);
    expect(missed, 'faults the adapter never reported').toEqual([]);
    for (const g of setup.grids) expect(run.feed.book(g.symbol)?.toJSON(), g.symbol).toEqual(books.get(g.symbol));
  });

  it('orders frames within the window, and fails naming a frame out of order beyond it', async () => {
    const update = (u: number, ts: number): RawFrame => ({
      kind: 'recv',
      localTs: ts,
      data: `{"e":"depthUpdate","E":${ts},"s":"BTCUSDT","U":${u},"u":${u},"b":[],"a":[]}`,
    });
    // Frame 3 is 1 late (within a window of 4); frame 10 belongs before frame 2, 8 frames back.
    const tape = [1, 3, 2, 4, 5, 6, 7, 8, 9].map((n) => update(n, n * 1000));
    tape.push(update(99, 1500));
    async function* stream(): AsyncGenerator<RawFrame> {
      yield* tape;
    }
    const server = await ReplayServer.start({ frames: stream(), windowFrames: 4, startOn: 'connect' });
    // Frames 1..6 were played (in order) before frame 10 was read with a window of 4.
    const { error, received } = await playToEnd(server, 6, 'the frames played before the error');
    expect(error).toBeInstanceOf(ReplayServerError);
    expect((error as ReplayServerError).details).toContain('frame 10 of the recording');
    expect((error as ReplayServerError).details).toContain('localTs 1500');
    expect(received).toEqual([1, 2, 3, 4, 5, 6]);
    expect(server.peakFramesHeld).toBeLessThanOrEqual(4);
  });

  it('an array is a stream too: the same frames through a window of 2 come out in localTs order', async () => {
    const tape: RawFrame[] = [3, 1, 2, 4].map((n) => ({
      kind: 'recv',
      localTs: n * 1000,
      data: `{"e":"depthUpdate","E":${n},"s":"BTCUSDT","U":${n},"u":${n},"b":[],"a":[]}`,
    }));
    // Frame 1 (1000) is read second, after 3 (3000) in the window: it is played first.
    const server = await ReplayServer.start({ frames: tape, windowFrames: 2, startOn: 'connect' });
    const { error, received } = await playToEnd(server, 4, 'every frame');
    // 2 (2000) is read after 1 was played but before 3: still in order. Nothing went wrong.
    expect(error).toBeUndefined();
    expect(received).toEqual([1, 2, 3, 4]);
  });
});
