/**
 * The live-recording code path users run against the real venues (see docs/exchanges.md),
 * exercised against the replay kit: feed → raw frames → Recorder → reader → the same book.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestClock } from '@tickerml/core';
import { describe, expect, it } from 'vitest';
import { DecimalGrid } from '../common/decimal.js';
import { openRecording } from '../readers/open.js';
import type { RawFrame } from '../readers/raw-frame.js';
import { Recorder } from '../recording/recorder.js';
import { loadFrames } from '../replay/load.js';
import { ReplayServer } from '../testkit/index.js';
import { krakenFeed } from '../venues/kraken/websocket/client.js';
import { KrakenHandler } from '../venues/kraken/websocket/handler.js';
import { replayDirect } from './direct.js';
import { waitFor } from './wait.js';

const FIXTURES = new URL('../../test/fixtures/', import.meta.url).pathname;

describe('recording a live feed', () => {
  it('records every frame before parsing, masks the level3 token, and the file replays to the same book', async () => {
    const { frames } = await loadFrames(`${FIXTURES}kraken/crossbook_kraken_btcusd_l2.cbcap`);
    const server = await ReplayServer.start({ frames });
    const core = new TestClock(1_700_000_000_000_000);
    const clock = core;
    const dir = await mkdtemp(join(tmpdir(), 'tickerml-rec-'));
    const recorder = new Recorder({ dir, venue: 'kraken', clock });
    const seen: RawFrame[] = [];
    const grid = new DecimalGrid('BTC/USD', '0.1', '0.00000001');
    const feed = krakenFeed({
      instruments: [grid],
      emit: () => {},
      clock,
      random: () => 0,
      level3Token: 'l3-secret',
      urls: { wsAuth: server.wsUrl },
      onRawFrame: (f) => {
        seen.push(f);
        recorder.write(f);
      },
    });
    feed.start();
    let finished = false;
    void server.finished.then(() => (finished = true));
    try {
      await waitFor(
        () => finished && feed.connection.framesReceived === server.framesSent,
        'every frame received',
        400_000,
        () => core.advanceBy(1000),
      );
    } finally {
      feed.stop();
      await server.close();
      recorder.close();
    }
    expect(seen.filter((f) => f.kind === 'recv')).toHaveLength(server.framesSent);
    const sent = seen.filter((f) => f.kind === 'send').map((f) => f.data);
    expect(sent.some((m) => m.includes('"channel":"level3"') && m.includes('"token":"***"'))).toBe(true);
    for (const f of seen) expect(f.data).not.toContain('l3-secret');

    const read: RawFrame[] = [];
    for (const file of recorder.files) for await (const f of (await openRecording(file)).frames()) read.push(f);
    expect(read.filter((f) => f.kind === 'recv').map((f) => f.data)).toEqual(
      seen.filter((f) => f.kind === 'recv').map((f) => f.data),
    );
    const live = await replayDirect(
      seen,
      (hooks) => new KrakenHandler({ instruments: [grid], hooks }),
      () => undefined,
    );
    const fromFile = await replayDirect(
      read,
      (hooks) => new KrakenHandler({ instruments: [grid], hooks }),
      () => undefined,
    );
    expect(fromFile.handler.book('BTC/USD')?.toJSON()).toEqual(live.handler.book('BTC/USD')?.toJSON());
    expect(fromFile.handler.stats().get('BTC/USD')?.checksumsMismatched).toBe(0);
  }, 60_000);
});
