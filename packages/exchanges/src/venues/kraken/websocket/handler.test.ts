import { describe, expect, it } from 'vitest';
import { crc32Ascii } from '../../../common/crc32.js';
import { DecimalGrid } from '../../../common/decimal.js';
import { replayDirect } from '../../../contract/direct.js';
import { openRecording } from '../../../readers/open.js';
import { KrakenHandler } from './handler.js';

const fixture = (name: string) => new URL(`../../../../test/fixtures/kraken/${name}`, import.meta.url).pathname;
const grid = () => new DecimalGrid('BTC/USD', '0.1', '0.00000001');

describe('KrakenHandler on real recordings', () => {
  it('crc32 gives the standard IEEE check value', () => {
    expect(crc32Ascii('')).toBe(0);
    expect(crc32Ascii('123456789')).toBe(0xcbf43926);
  });

  for (const [file, depth, snapshots] of [
    ['crossbook_kraken_btcusd_sample.cbcap', 25, 1],
    ['crossbook_kraken_btcusd_l2.cbcap', 10, 5],
  ] as const) {
    it(`every checksum of ${file} matches (depth ${depth})`, async () => {
      const rec = await openRecording(fixture(file));
      const { events, handler, snapshotRequests } = await replayDirect(
        rec.frames(),
        (hooks) => new KrakenHandler({ instruments: [grid()], depth, hooks }),
        () => undefined,
      );
      const stats = handler.stats().get('BTC/USD');
      expect(stats?.checksumsMismatched).toBe(0);
      expect(stats?.malformed).toBe(0);
      expect(stats?.snapshots).toBe(snapshots);
      expect(stats?.checksumsMatched).toBe((stats?.snapshots ?? 0) + (stats?.deltas ?? 0));
      expect(stats?.deltas).toBeGreaterThan(290);
      expect(snapshotRequests).toEqual([]);
      expect(events.some((e) => e.kind === 'checksum_mismatch')).toBe(false);
      const book = handler.book('BTC/USD');
      expect(book?.levels('bid')).toBe(depth);
      expect(book?.levels('ask')).toBe(depth);
    });
  }

  it('a corrupted checksum is detected and the book is re-subscribed', async () => {
    const rec = await openRecording(fixture('crossbook_kraken_btcusd_sample.cbcap'));
    const frames = [];
    for await (const f of rec.frames()) frames.push(f);
    const idx = frames.findIndex((f, i) => i > 20 && f.data.includes('"type":"update"'));
    const victim = frames[idx]!;
    frames[idx] = {
      ...victim,
      data: victim.data.replace(/"checksum":(\d+)/, (_m, n) => `"checksum":${(Number(n) + 1) % 2 ** 32}`),
    };
    const { events, handler, snapshotRequests } = await replayDirect(
      frames,
      (hooks) => new KrakenHandler({ instruments: [grid()], depth: 25, hooks }),
      () => undefined,
    );
    expect(events.filter((e) => e.kind === 'checksum_mismatch')).toHaveLength(1);
    expect(snapshotRequests).toEqual([{ venueSymbol: 'BTC/USD', method: 'resubscribe' }]);
    expect(handler.book('BTC/USD')).toBeUndefined(); // no new snapshot in a direct replay
    const msgs = handler.resubscribeMessages('BTC/USD').map((m) => JSON.parse(m));
    expect(msgs.map((m) => m.method)).toEqual(['unsubscribe', 'subscribe']);
    expect(msgs[1].params).toMatchObject({ channel: 'book', symbol: ['BTC/USD'], depth: 25 });
  });
});

describe('KrakenHandler level3 (order-level) events', () => {
  it('turns level3 snapshot and add/modify/delete updates into order events in ticks and lots', () => {
    const events: { kind: string; orderId?: string; priceTicks?: number; qtyLots?: number; side?: string }[] = [];
    const h = new KrakenHandler({
      instruments: [grid()],
      hooks: { emit: (e) => events.push(e as never), requestSnapshot: () => {} },
    });
    h.onFrame(
      '{"channel":"level3","type":"snapshot","data":[{"symbol":"BTC/USD","checksum":1,"bids":[{"order_id":"O1","limit_price":63004.9,"order_qty":0.01876947,"timestamp":"2026-08-01T02:53:53.398143Z"}],"asks":[{"order_id":"O2","limit_price":63005.0,"order_qty":2.00000000,"timestamp":"2026-08-01T02:53:53.398143Z"}]}]}',
      5,
    );
    h.onFrame(
      '{"channel":"level3","type":"update","data":[{"symbol":"BTC/USD","checksum":2,"bids":[{"event":"modify","order_id":"O1","limit_price":63004.9,"order_qty":0.01,"timestamp":"2026-08-01T02:53:54.000001Z"}],"asks":[{"event":"delete","order_id":"O2","limit_price":63005.0,"order_qty":0,"timestamp":"2026-08-01T02:53:54.000002Z"},{"event":"add","order_id":"O3","limit_price":63005.1,"order_qty":0.5,"timestamp":"2026-08-01T02:53:54.000003Z"}]}]}',
      6,
    );
    expect(events.map((e) => [e.kind, e.orderId, e.side, e.priceTicks, e.qtyLots])).toEqual([
      ['order_added', 'O1', 'bid', 630049, 1876947],
      ['order_added', 'O2', 'ask', 630050, 200000000],
      ['order_changed', 'O1', 'bid', 630049, 1000000],
      ['order_removed', 'O2', 'ask', undefined, undefined],
      ['order_added', 'O3', 'ask', 630051, 50000000],
    ]);
    expect(h.stats().get('BTC/USD')?.malformed).toBe(0);
  });
});

describe('KrakenHandler configuration', () => {
  it('refuses a depth the book channel does not offer, naming the allowed ones', () => {
    expect(
      () => new KrakenHandler({ instruments: [grid()], depth: 20, hooks: { emit() {}, requestSnapshot() {} } }),
    ).toThrowError(/kraken depth must be one of 10, 25, 100, 500, 1000, was 20/);
  });
});
