/**
 * One encoder for training and live (issue 12, section 2): the vector the live path computes at
 * a decision time equals, bit for bit, the dataset row built offline from the recording of that
 * same session.
 *
 * Live path: the real Binance feed (WebSocket, subscribe, REST snapshot, sequence checks) on the
 * live clock, connected to the replay kit serving the bundled recording on loopback (what the
 * pi-trader's demo does), recording every raw frame through the recorder as `pi-trader --live`
 * and `tickerml record` do; its events go through a DecisionSampler into a StateEncoder as they
 * arrive. Offline path: `buildDataset` over the file the recorder wrote.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LiveClock, type MarketEvent } from '@tickerml/core';
import { binanceUsFeed, DecimalGrid, loadFrames, openEvents, Recorder } from '@tickerml/exchanges';
import { ReplayServer } from '@tickerml/exchanges/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDataset, crossVenuesFor, DecisionSampler, readDataset, StateEncoder } from '../src/index.js';

const RECORDING = fileURLToPath(
  new URL('../../../examples/pi-trader/recordings/binance/hftbacktest_spot_btcusdt_20240808.gz', import.meta.url),
);
const dir = mkdtempSync(join(tmpdir(), 'rl-live-parity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const INTERVAL_US = 50_000;
const LABELS = { horizons: ['50ms'], deadBandBps: 0.5, volatilityHorizon: '100ms', spreadHorizon: '50ms' };

async function until(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const start = performance.now();
  while (!condition()) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('live and offline encoders', () => {
  it('give the same vector, bit for bit, at every decision time of a recorded live session', async () => {
    const original = await openEvents(RECORDING);
    const instrument = original.instruments[0];
    if (instrument === undefined) throw new Error('the recording has no instrument');
    const specs = original.instruments.map((i) => ({ ...i }));

    // --- live: feed → sampler → encoder, frames recorded as they arrive
    const { frames } = await loadFrames(RECORDING);
    const server = await ReplayServer.start({ frames, pace: { speed: 100 } });
    const clock = new LiveClock();
    const recorder = new Recorder({ dir, venue: 'binance', clock });
    const encoder = new StateEncoder({
      venue: instrument.venue,
      symbol: instrument.symbol,
      tickSize: Number(instrument.tickSize),
      crossVenues: crossVenuesFor(specs[0] as (typeof specs)[number], specs),
    });
    const live = new Map<number, Float32Array>();
    const agent = { positionFraction: 0, cashFraction: 1 };
    const sampler = new DecisionSampler(INTERVAL_US, (t0) => live.set(t0, encoder.encode(t0, agent)));
    let lastMarketTs = 0;
    const feed = binanceUsFeed({
      instruments: [new DecimalGrid(instrument.symbol, instrument.tickSize, instrument.lotSize)],
      venue: 'binance',
      clock,
      random: () => 0.5,
      urls: { ws: server.wsUrl, rest: server.httpUrl },
      onRawFrame: (f) => recorder.write(f),
      emit: (e: MarketEvent) => {
        if (e.kind === 'disconnected') return; // the session ends here: the test stops the feed
        sampler.beforeEvent(e.localTs);
        encoder.onEvent(e);
        if (e.kind !== 'connected') lastMarketTs = Math.max(lastMarketTs, e.localTs);
      },
    });
    feed.start();
    let finished = false;
    void server.finished.then(() => {
      finished = true;
    });
    try {
      await until(() => finished && feed.connection.framesReceived >= server.framesSent, 'the whole tape', 60_000);
    } finally {
      feed.stop();
      clock.dispose();
      await server.close();
      recorder.close();
    }
    expect(recorder.files.length).toBe(1);

    // --- offline: the dataset of the recorded session
    const out = join(dir, 'session.arrow');
    const summary = await buildDataset({ sources: recorder.files, out, intervalUs: INTERVAL_US, labels: LABELS });
    const ds = readDataset(out);
    expect(summary.rows).toBeGreaterThan(20);
    expect(ds.meta.features.map((f) => f.name)).toEqual(encoder.features.map((f) => f.name));
    let compared = 0;
    for (let i = 0; i < ds.rows; i++) {
      const t0 = ds.t0[i] as number;
      const vector = live.get(t0);
      expect(vector, `a live decision at ${t0}`).toBeDefined();
      const row = ds.states.slice(i * ds.dimension, (i + 1) * ds.dimension);
      expect(Array.from(new Uint32Array(row.buffer)), `row at ${t0}`).toEqual(
        Array.from(new Uint32Array((vector as Float32Array).buffer)),
      );
      compared++;
    }
    // Every live decision with its book, up to the last row's, has its row (none lost offline).
    const lastT0 = ds.t0[ds.rows - 1] as number;
    const withBook = [...live].filter(
      ([t0, v]) => t0 <= lastT0 && v[encoder.indexOf('spread_bps') + encoder.features.length] === 1,
    );
    expect(compared).toBe(withBook.length);
    expect(lastMarketTs).toBeGreaterThan(lastT0);
  }, 90_000);
});
