import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MarketEvent } from '@tickerml/core';
import { afterAll, describe, expect, it } from 'vitest';
import { InstrumentsUnavailableError } from '../common/errors.js';
import type { RawFrame } from '../readers/raw-frame.js';
import { loadFrames } from './load.js';
import {
  eventsFromFrames,
  InstrumentSource,
  loadEvents,
  openEvents,
  RecordingVenueError,
  readEvents,
} from './read-events.js';
import { inferReplaySetup, replayIntoHandler } from './venues.js';

const fixture = (p: string) => fileURLToPath(new URL(`../../test/fixtures/${p}`, import.meta.url));
const BINANCE = fixture('binance/hftbacktest_spot_btcusdt_20240808.gz');
const KRAKEN = fixture('kraken/crossbook_kraken_btcusd_sample.cbcap');

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Each pass over the 346 s recording costs seconds on a loaded box: read it once per suite. */
let framesOnce: Promise<RawFrame[]> | undefined;
let loadedOnce: ReturnType<typeof loadEvents> | undefined;
const binanceFrames = () => {
  framesOnce ??= loadFrames(BINANCE).then((r) => r.frames);
  return framesOnce;
};
const binanceLoaded = () => {
  loadedOnce ??= loadEvents(BINANCE);
  return loadedOnce;
};

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tickerml-read-events-'));
  dirs.push(d);
  return d;
}

/** Index of the first event stamped earlier than the one before it, or -1. */
function firstBackwards(events: readonly MarketEvent[]): number {
  for (let i = 1; i < events.length; i++)
    if ((events[i] as MarketEvent).localTs < (events[i - 1] as MarketEvent).localTs) return i;
  return -1;
}

/** A Binance `GET /api/v3/exchangeInfo` body for BTCUSDT with the venue's filter layout. */
function exchangeInfoFrame(localTs: number, minNotional = '5.00000000'): RawFrame {
  const body = {
    timezone: 'UTC',
    symbols: [
      {
        symbol: 'BTCUSDT',
        filters: [
          { filterType: 'PRICE_FILTER', minPrice: '0.01000000', maxPrice: '1000000.00000000', tickSize: '0.01000000' },
          { filterType: 'LOT_SIZE', minQty: '0.00001000', maxQty: '9000.00000000', stepSize: '0.00001000' },
          { filterType: 'NOTIONAL', minNotional, applyMinToMarket: true },
        ],
      },
    ],
  };
  return {
    localTs,
    kind: 'http',
    url: 'https://api.binance.com/api/v3/exchangeInfo?symbol=BTCUSDT',
    data: JSON.stringify(body),
  };
}

describe('readEvents: recordings as events in localTs order', () => {
  it('the bundled Binance recording comes out never going back in time, though the raw handler output does', async () => {
    const frames = await binanceFrames();
    const raw: MarketEvent[] = [];
    replayIntoHandler(inferReplaySetup('binance', frames), frames, (e) => raw.push(e));
    // The delta the handler buffered before the REST snapshot comes out after it, stamped earlier.
    expect(firstBackwards(raw)).toBeGreaterThan(0);

    const events: MarketEvent[] = [];
    for await (const e of readEvents(BINANCE)) events.push(e);
    expect(events).toHaveLength(raw.length);
    expect(firstBackwards(events)).toBe(-1);
    // Only localTs moves, and only forward: same events, same order, same exchange stamps.
    let restamped = 0;
    for (let i = 0; i < events.length; i++) {
      const a = events[i] as MarketEvent;
      const b = raw[i] as MarketEvent;
      expect({ ...a, localTs: 0 }).toEqual({ ...b, localTs: 0 });
      expect(a.localTs).toBeGreaterThanOrEqual(b.localTs);
      if (a.localTs !== b.localTs) restamped++;
    }
    expect(restamped).toBeGreaterThan(0);
  });

  it('the synchronous form over frames in memory gives the same events and instruments', async () => {
    const sync = eventsFromFrames(await binanceFrames());
    const loaded = await binanceLoaded();
    expect(sync.events).toEqual(loaded.events);
    expect(sync.instruments).toEqual(loaded.instruments);
    expect(sync.warnings).toEqual(loaded.warnings);
  });

  it('merges recordings of two venues by localTs, keeping each venue in its own order', async () => {
    const merged = await loadEvents([BINANCE, KRAKEN]);
    const binance = await binanceLoaded();
    const kraken = await loadEvents(KRAKEN);
    expect(firstBackwards(merged.events)).toBe(-1);
    expect(merged.events.filter((e) => e.venue === 'binance')).toEqual(binance.events);
    expect(merged.events.filter((e) => e.venue === 'kraken')).toEqual(kraken.events);
    expect(merged.instruments.map((i) => `${i.venue} ${i.symbol}`)).toEqual(['binance BTC/USDT', 'kraken BTC/USD']);
  });

  it('refuses a recording whose venue has no book handler, naming the venue and the file', async () => {
    const file = fixture('binance/cryptofeed_BINANCE_FUTURES.jsonl');
    const err = await openEvents(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RecordingVenueError);
    expect((err as Error).message).toMatch(
      /no book handler for venue '[a-z_]+' in .*cryptofeed_BINANCE_FUTURES\.jsonl/,
    );
    expect(() => eventsFromFrames([{ localTs: 1, kind: 'recv', data: '{"hello":1}' }])).toThrow(RecordingVenueError);
  });
});

describe('readEvents: instruments from the recording, the cache, or inferred with a warning', () => {
  it('with nothing known, marks the instrument inferred, with no minimum notional, and warns', async () => {
    const { instruments, warnings } = await openEvents(BINANCE);
    expect(instruments).toEqual([
      {
        venue: 'binance',
        symbol: 'BTC/USDT',
        venueSymbol: 'BTCUSDT',
        base: 'BTC',
        quote: 'USDT',
        tickSize: '0.01',
        // Three deep levels of this book show 6 decimals: the data grid never rounds them.
        lotSize: '0.000001',
        minQtyLots: 1,
        minNotional: '0',
        source: InstrumentSource.Inferred,
      },
    ]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^binance BTC\/USDT: instrument inferred from the data .*no instrument cache given/);
  });

  it("takes step, minimum quantity and minimum notional from the instrument cache (loadInstruments' file)", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'binance.instruments.json'),
      JSON.stringify({
        format: 'tickerml-instruments/1',
        venue: 'binance',
        fetchedAtMs: 1_723_161_000_000,
        instruments: [
          {
            venue: 'binance',
            symbol: 'BTC/USDT',
            venueSymbol: 'BTCUSDT',
            base: 'BTC',
            quote: 'USDT',
            type: 'spot',
            tickSize: '0.01',
            lotSize: '0.00001',
            minQty: '0.00001',
            minNotional: '5',
          },
        ],
      }),
    );
    const { instruments, warnings } = await openEvents(BINANCE, { instrumentCacheDir: dir });
    expect(warnings).toEqual([]);
    expect(instruments[0]).toMatchObject({
      tickSize: '0.01',
      lotSize: '0.000001',
      stepSize: '0.00001',
      // 0.00001 BTC in lots of 0.000001.
      minQtyLots: 10,
      minNotional: '5',
      source: InstrumentSource.InstrumentCache,
    });
    const elsewhere = tempDir();
    const missing = await openEvents(BINANCE, { instrumentCacheDir: elsewhere });
    expect(missing.instruments[0]?.source).toBe(InstrumentSource.Inferred);
    expect(missing.warnings[0]).toContain(`no entry in ${join(elsewhere, 'binance.instruments.json')}`);
  });

  it("prefers the recording's own exchangeInfo answer to the cache", async () => {
    const frames = await binanceFrames();
    const withInfo = [exchangeInfoFrame((frames[0] as RawFrame).localTs - 1, '10.00000000'), ...frames];
    const dir = tempDir();
    writeFileSync(
      join(dir, 'binance.instruments.json'),
      JSON.stringify({
        format: 'tickerml-instruments/1',
        venue: 'binance',
        fetchedAtMs: 0,
        instruments: [
          {
            venue: 'binance',
            symbol: 'BTC/USDT',
            venueSymbol: 'BTCUSDT',
            base: 'BTC',
            quote: 'USDT',
            type: 'spot',
            tickSize: '0.01',
            lotSize: '0.00001',
            minNotional: '5',
          },
        ],
      }),
    );
    const { instruments, warnings } = eventsFromFrames(withInfo, { instrumentCacheDir: dir });
    expect(warnings).toEqual([]);
    expect(instruments[0]).toMatchObject({
      stepSize: '0.00001',
      minQtyLots: 10,
      minNotional: '10',
      source: InstrumentSource.ExchangeInfo,
    });
  });

  it('refuses an unreadable cache file instead of silently inferring', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'binance.instruments.json'), '{ not json');
    await expect(openEvents(BINANCE, { instrumentCacheDir: dir })).rejects.toThrow(InstrumentsUnavailableError);
    writeFileSync(join(dir, 'binance.instruments.json'), JSON.stringify({ format: 'other', venue: 'binance' }));
    await expect(openEvents(BINANCE, { instrumentCacheDir: dir })).rejects.toThrow(
      /not a tickerml-instruments\/1 file/,
    );
  });
});
