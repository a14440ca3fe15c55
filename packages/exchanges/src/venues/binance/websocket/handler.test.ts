import { describe, expect, it } from 'vitest';
import { DecimalGrid } from '../../../common/decimal.js';
import { replayDirect } from '../../../contract/direct.js';
import { openRecording } from '../../../readers/open.js';
import { BinanceHandler } from './handler.js';
import { DepthScan, isUnusedStreamFrame, parseBinanceFrame, scanDepthUpdate } from './parse.js';

const FIXTURE = new URL('../../../../test/fixtures/binance/hftbacktest_spot_btcusdt_20240808.gz', import.meta.url)
  .pathname;
const grid = () => new DecimalGrid('BTC/USDT', '0.01', '0.00000001');
const snapshotSymbol = (url: string) => /depth\?symbol=([A-Z]+)/.exec(url)?.[1];

describe('BinanceHandler on the real BTCUSDT recording', () => {
  it('syncs from the REST snapshot and applies every diff contiguously', async () => {
    const rec = await openRecording(FIXTURE);
    const { events, handler, snapshotRequests } = await replayDirect(
      rec.frames(),
      (hooks) => new BinanceHandler({ instruments: [grid()], hooks }),
      snapshotSymbol,
    );
    const stats = handler.stats().get('BTC/USDT');
    expect(snapshotRequests).toEqual([{ venueSymbol: 'BTCUSDT', method: 'rest_snapshot' }]);
    expect(stats?.snapshots).toBe(1);
    expect(stats?.gaps).toBe(0);
    expect(stats?.malformed).toBe(0);
    expect(stats?.trades).toBe(9757);
    const deltas = events.filter((e) => e.kind === 'book_delta');
    expect(deltas.length).toBe(stats?.deltas);
    expect(deltas.length).toBeGreaterThan(3400);
    // contiguity, independently of the handler: each applied diff starts at prev u + 1
    for (let i = 1; i < deltas.length; i++) {
      const prev = deltas[i - 1];
      const cur = deltas[i];
      if (cur?.kind === 'book_delta' && prev?.kind === 'book_delta')
        expect(cur.firstSeq).toBe((prev.seq as number) + 1);
    }
    const book = handler.book('BTC/USDT');
    expect(book).toBeDefined();
    expect(book!.bestBidTicks()).toBeLessThan(book!.bestAskTicks());
    const trade = events.find((e) => e.kind === 'trade');
    expect(trade).toMatchObject({
      kind: 'trade',
      priceTicks: 6183763,
      qtyLots: 2000000,
      aggressor: 'sell',
      tradeId: '3735683259',
    });
  });

  it('matches the recorded bookTicker top of book whenever both sit at the same update id', async () => {
    // bookTicker frames are an independent view of the top of book, stamped with their update id.
    const rec = await openRecording(FIXTURE);
    const tickers = new Map<number, { b: string; a: string }>();
    const frames = [];
    for await (const f of rec.frames()) {
      frames.push(f);
      if (f.kind === 'recv' && f.data.includes('@bookTicker')) {
        const d = JSON.parse(f.data).data;
        tickers.set(d.u, { b: d.b, a: d.a });
      }
    }
    let compared = 0;
    const g = grid();
    let handlerRef: BinanceHandler | undefined;
    await replayDirect(
      frames,
      (hooks) => {
        handlerRef = new BinanceHandler({
          instruments: [g],
          hooks: {
            ...hooks,
            emit: (e) => {
              hooks.emit(e);
              if (e.kind !== 'book_delta' || e.seq === undefined) return;
              const t = tickers.get(e.seq);
              const book = handlerRef?.book('BTC/USDT');
              if (t === undefined || book === undefined) return;
              expect(book.bestBidTicks()).toBe(g.priceToTicks(t.b));
              expect(book.bestAskTicks()).toBe(g.priceToTicks(t.a));
              compared++;
            },
          },
        });
        return handlerRef;
      },
      snapshotSymbol,
    );
    expect(compared).toBeGreaterThanOrEqual(20);
  });
});

describe('frames of unused streams', () => {
  it('are recognised by the stream name alone, and only those', () => {
    const ticker = '{"stream":"btcusdt@bookTicker","data":{"u":1,"s":"BTCUSDT","b":"1.0","B":"1","a":"2.0","A":"1"}}';
    expect(isUnusedStreamFrame(ticker)).toBe(true);
    expect(isUnusedStreamFrame('{"stream":"btcusdt@kline_1m","data":{}}')).toBe(true);
    expect(isUnusedStreamFrame('{"stream":"btcusdt@depth@100ms","data":{}}')).toBe(false);
    expect(isUnusedStreamFrame('{"stream":"btcusdt@trade","data":{}}')).toBe(false);
    expect(isUnusedStreamFrame('{"stream":"btcusdt@aggTrade","data":{}}')).toBe(false);
    expect(isUnusedStreamFrame('{"stream":"btcusdt@markPrice@1s","data":{}}')).toBe(false);
    expect(isUnusedStreamFrame('{"stream":"!markPrice@arr","data":[]}')).toBe(false);
    // Bare payloads and other shapes are parsed as before.
    expect(isUnusedStreamFrame('{"e":"depthUpdate","s":"BTCUSDT"}')).toBe(false);
    expect(isUnusedStreamFrame('{"result":null,"id":1}')).toBe(false);
    expect(parseBinanceFrame(ticker)).toEqual({ type: 'ignored' });
    // A damaged frame of a used stream is still malformed.
    expect(parseBinanceFrame('{"stream":"btcusdt@trade","data":{"e":"trade"')).toBe('invalid JSON');
  });

  it('leave the events of the real recording unchanged (same events as with them removed)', async () => {
    const all = await openRecording(FIXTURE);
    const withTickers = await replayDirect(
      all.frames(),
      (hooks) => new BinanceHandler({ instruments: [grid()], hooks }),
      snapshotSymbol,
    );
    const rec = await openRecording(FIXTURE);
    let tickers = 0;
    async function* withoutTickers() {
      for await (const f of rec.frames()) {
        if (f.kind === 'recv' && f.data.includes('@bookTicker')) tickers++;
        else yield f;
      }
    }
    const without = await replayDirect(
      withoutTickers(),
      (hooks) => new BinanceHandler({ instruments: [grid()], hooks }),
      snapshotSymbol,
    );
    expect(tickers).toBeGreaterThan(20_000);
    expect(withTickers.events).toEqual(without.events);
    // Skipped frames are still counted as frames of the venue, never as malformed.
    const frames = (r: typeof without) => r.handler.stats().get('*')?.frames ?? 0;
    expect(frames(withTickers) - frames(without)).toBe(tickers);
    expect(withTickers.handler.stats().get('*')?.malformed).toBe(0);
  });
});

describe('scanDepthUpdate (the depth fast path)', () => {
  /** What the scan found, in parseBinanceFrame's shape, with the levels cut out of the text. */
  const scanned = (text: string) => {
    const scan = new DepthScan();
    if (!scanDepthUpdate(text, scan)) return undefined;
    const levels = (offsets: Int32Array, count: number) =>
      Array.from({ length: count }, (_, i) => [
        text.slice(offsets[4 * i], offsets[4 * i + 1]),
        text.slice(offsets[4 * i + 2], offsets[4 * i + 3]),
      ]);
    return {
      type: 'depth',
      s: text.slice(scan.symbolStart, scan.symbolEnd),
      E: scan.E,
      U: scan.U,
      u: scan.u,
      b: levels(scan.bidOffsets, scan.bidCount),
      a: levels(scan.askOffsets, scan.askCount),
    };
  };

  it('reads every depth frame of the real recording as parseBinanceFrame does, enveloped and bare', async () => {
    const rec = await openRecording(FIXTURE);
    let depth = 0;
    for await (const f of rec.frames()) {
      if (f.kind !== 'recv' || !f.data.includes('depthUpdate')) continue;
      depth++;
      expect(scanned(f.data)).toEqual(parseBinanceFrame(f.data));
      const bare = JSON.stringify(JSON.parse(f.data).data);
      expect(scanned(bare)).toEqual(parseBinanceFrame(bare));
    }
    expect(depth).toBeGreaterThan(3400);
  });

  it('leaves every other layout to the general parser', () => {
    const ok = '{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":5,"u":6,"b":[["1.00","2"]],"a":[]}';
    expect(scanned(ok)).toEqual(parseBinanceFrame(ok));
    const refused = [
      ok.replace('"E":1,', '"E":1, '), // whitespace
      ok.replace('"U":5', '"U":7'), // U > u
      ok.replace('"u":6,', '"u":6,"u":6,'), // a repeated key
      ok.replace('BTCUSDT', 'BTC\\u0055SDT'), // an escape
      ok.replace('"E":1', '"E":1.5'), // not an integer
      ok.replace('"E":1', '"E":-1'),
      ok.replace('"U":5', '"U":1234567890123456'), // 16 digits: may not be a safe integer
      ok.replace('"a":[]', '"a":[],"T":1'), // a key the spot stream does not send
      ok.replace('[["1.00","2"]]', '[["1.00","2","x"]]'), // a row that is not a pair
      ok.replace('[["1.00","2"]]', '[[1.00,"2"]]'), // a price that is not a string
      ok.slice(0, -1), // truncated
      `${ok} `,
      `{"stream":"btcusdt@bookTicker","data":${ok}}`, // an unused stream, ignored unparsed
    ];
    for (const text of refused) expect(scanned(text), text).toBeUndefined();
    expect(scanned(`{"stream":"btcusdt@depth@100ms","data":${ok}}`)).toEqual(parseBinanceFrame(ok));
  });
});
