/**
 * Values no venue can mean are malformed: counted, never applied. A timestamp that overflows to
 * Infinity (or past the safe-integer microseconds) in a funding frame, and a price of zero in a
 * book level (Binance and KuCoin snapshots, Binance updates), with fuzz cases.
 */
import type { MarketEvent } from '@tickerml/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BinanceHandler } from '../venues/binance/websocket/handler.js';
import { BinanceUsdmFundingHandler } from '../venues/binanceusdm/websocket/handler.js';
import { KrakenFuturesFundingHandler } from '../venues/krakenfutures/websocket/handler.js';
import { KucoinFuturesFundingHandler } from '../venues/kucoinfutures/websocket/handler.js';
import { DecimalGrid } from './decimal.js';
import { LevelError, tupleLevels } from './levels.js';

function collect() {
  const events: MarketEvent[] = [];
  return { events, hooks: { emit: (e: MarketEvent) => events.push(e), requestSnapshot() {} } };
}

/** Millisecond stamps that overflow microseconds: 1e308 × 1000 is Infinity; 1e13 ms is past 2255. */
const hugeMs = fc.oneof(
  fc.constantFrom(1e308, Number.MAX_VALUE, 1e16, 9.1e12),
  fc.double({ min: 9.1e12, max: Number.MAX_VALUE, noNaN: true }),
);

const funding = [
  {
    name: 'Binance USD-M',
    make: (hooks: ReturnType<typeof collect>['hooks']) => new BinanceUsdmFundingHandler(['BTC/USDT:USDT'], hooks),
    frame: (T: string, E: string) =>
      `{"stream":"btcusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":${E},"s":"BTCUSDT","p":"1","r":"0.0001","T":${T}}}`,
  },
  {
    name: 'Kraken Futures',
    make: (hooks: ReturnType<typeof collect>['hooks']) => new KrakenFuturesFundingHandler(['BTC/USD:USD'], hooks),
    frame: (T: string, E: string) =>
      `{"time":${E},"product_id":"PF_XBTUSD","relative_funding_rate":1e-06,"next_funding_rate_time":${T},"feed":"ticker"}`,
  },
  {
    name: 'KuCoin Futures',
    make: (hooks: ReturnType<typeof collect>['hooks']) => new KucoinFuturesFundingHandler(['BTC/USDT:USDT'], hooks),
    frame: (T: string, _E: string) =>
      `{"topic":"/contract/instrument:XBTUSDTM","type":"message","subject":"funding.rate","data":{"granularity":60000,"fundingRate":0.0001,"timestamp":${T}}}`,
  },
];

describe('impossible values are malformed', () => {
  for (const f of funding) {
    it(`${f.name}: a funding timestamp beyond the safe microseconds is counted, never emitted`, () => {
      const { events, hooks } = collect();
      const h = f.make(hooks);
      h.onFrame(f.frame('1e308', '1700000000000'), 1);
      expect(events).toEqual([]);
      expect(h.stats().get('*')?.malformed).toBe(1);
      fc.assert(
        fc.property(hugeMs, fc.boolean(), (ms, inExch) => {
          const before = events.length;
          const text = String(ms);
          h.onFrame(inExch ? f.frame('1700003600000', text) : f.frame(text, '1700000000000'), 2);
          for (const e of events.slice(before)) {
            expect(Number.isSafeInteger(e.exchTs)).toBe(true);
            if (e.kind === 'funding_rate') expect(Number.isSafeInteger(e.fundingTs)).toBe(true);
          }
        }),
        { numRuns: 200 },
      );
      // A good frame still goes through.
      h.onFrame(f.frame('1700003600000', '1700000000000'), 3);
      expect(events.at(-1)).toMatchObject({ kind: 'funding_rate', fundingTs: 1_700_003_600_000_000 });
    });
  }

  it('a level at price zero, in any spelling, is refused in snapshots and updates (tupleLevels)', () => {
    const grid = new DecimalGrid('BTC/USDT', '0.01', '0.00000001');
    for (const p of ['0', '0.00', '0.0000', '-0', '-1.00']) {
      expect(() => tupleLevels([[p, '1.0']], grid), p).toThrow(LevelError);
    }
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e12 }), (ticks) => {
        const price = (ticks / 100).toFixed(2);
        expect(tupleLevels([[price, '1']], grid)[0]?.priceTicks).toBe(ticks);
      }),
    );
  });

  it('Binance: a depth update with a level at price "0" is counted as malformed', () => {
    const { hooks } = collect();
    const h = new BinanceHandler({ instruments: [new DecimalGrid('BTC/USDT', '0.01', '0.00000001')], hooks });
    h.onFrame(
      '{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1723161256000,"s":"BTCUSDT","U":1,"u":2,"b":[["0","1.00000000"]],"a":[]}}',
      1,
    );
    expect(h.stats().get('BTC/USDT')?.malformed).toBe(1);
  });
});
