/**
 * Every parser and handler is fed garbage: random text, truncated real frames, real frames with
 * fields swapped for wrong types or huge numbers. Nothing may throw; what cannot be used is
 * counted as malformed (or skipped), and a book is never left holding garbage.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecimalGrid } from '../common/decimal.js';
import type { HandlerHooks, VenueHandler } from '../common/feed.js';
import { BinanceHandler } from '../venues/binance/websocket/handler.js';
import { BinanceUsdmFundingHandler } from '../venues/binanceusdm/websocket/handler.js';
import { CoinbaseHandler } from '../venues/coinbase/websocket/handler.js';
import { KrakenHandler } from '../venues/kraken/websocket/handler.js';
import { KrakenFuturesFundingHandler } from '../venues/krakenfutures/websocket/handler.js';
import { KucoinHandler } from '../venues/kucoin/websocket/handler.js';
import { KucoinFuturesFundingHandler } from '../venues/kucoinfutures/websocket/handler.js';

const SAMPLES: Record<string, string[]> = {
  binance: [
    '{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1723161255208,"s":"BTCUSDT","U":50093239189,"u":50093239202,"b":[["61737.63000000","0.00000000"]],"a":[["61837.64000000","1.54698000"]]}}',
    '{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}}',
  ],
  kraken: [
    '{"channel":"book","type":"snapshot","data":[{"symbol":"BTC/USD","bids":[{"price":63004.9,"qty":0.01876947}],"asks":[{"price":63005.0,"qty":2.07265551}],"checksum":2531248887,"timestamp":"2026-08-01T02:53:53.398143Z"}]}',
    '{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[],"asks":[{"price":63005.0,"qty":2.08665551}],"checksum":2532652056,"timestamp":"2026-08-01T02:53:53.646219Z"}]}',
    '{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"buy","price":63005.0,"qty":0.001,"ord_type":"market","trade_id":1,"timestamp":"2026-08-01T02:53:53.646219Z"}]}',
  ],
  coinbase: [
    '{"channel":"l2_data","timestamp":"2026-08-09T21:05:48.506659391Z","sequence_num":15,"events":[{"type":"update","product_id":"BTC-USD","updates":[{"side":"offer","event_time":"2026-08-09T21:05:48.264069Z","price_level":"65106.54","new_quantity":"0.15361938"}]}]}',
    '{"channel":"market_trades","timestamp":"2026-08-09T21:05:48.251397169Z","sequence_num":9,"events":[{"type":"update","trades":[{"product_id":"BTC-USD","trade_id":"1068572091","price":"65083.67","size":"0.01034361","time":"2026-08-09T21:05:48.167634Z","side":"SELL"}]}]}',
  ],
  kucoin: [
    '{"data":{"sequenceStart":1613277183875,"symbol":"BTC-USDT","changes":{"asks":[["244.351","150","1613277183875"]],"bids":[]},"sequenceEnd":1613277183875},"subject":"trade.l2update","topic":"/market/level2:BTC-USDT","type":"message"}',
    '{"data":{"symbol":"BTC-USDT","sequence":"1612701563869","side":"buy","size":"81.8814","price":"0.0000001117","time":"1619378327739050725","type":"match","tradeId":"6085c09769bc506996295e36"},"subject":"trade.l3match","topic":"/market/match:BTC-USDT","type":"message"}',
  ],
  funding: [
    '{"stream":"btcusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":1562305380000,"s":"BTCUSDT","p":"11794.15000000","r":"0.00038167","T":1562306400000}}',
    '{"time":1700000000123,"product_id":"PF_XBTUSD","funding_rate":-0.158196,"relative_funding_rate":-4.438e-06,"next_funding_rate_time":1700003600000,"feed":"ticker"}',
    '{"topic":"/contract/instrument:XBTUSDTM","type":"message","subject":"funding.rate","data":{"granularity":60000,"fundingRate":-0.002966,"timestamp":1551770400000}}',
  ],
};

const WEIRD = fc.oneof(
  fc.constant(null),
  fc.constant(true),
  fc.constant('abc'),
  fc.constant(''),
  fc.constant(-1),
  fc.constant(1e308),
  fc.constant(Number.MAX_SAFE_INTEGER + 2),
  fc.constant('99999999999999999999999.123456789'),
  fc.constant('1e400'),
  fc.constant([]),
  fc.constant({}),
  fc.constant([['1', '2', '3', '4']]),
  fc.double(),
  fc.string(),
);

/** Replaces one JSON value of a real frame (found by walking its parse tree) with a weird one. */
function mutate(text: string, pick: number, weird: unknown): string {
  const root = JSON.parse(text) as unknown;
  const slots: [Record<string, unknown> | unknown[], string | number][] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach((x, i) => (slots.push([v, i]), walk(x)));
    else if (v !== null && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) slots.push([v as Record<string, unknown>, k]), walk(x);
  };
  walk(root);
  const slot = slots[pick % slots.length];
  if (slot) (slot[0] as Record<string | number, unknown>)[slot[1]] = weird;
  return JSON.stringify(root);
}

type Make = (hooks: HandlerHooks) => VenueHandler;
const HANDLERS: [string, string[], Make][] = [
  [
    'binance',
    SAMPLES.binance!,
    (hooks) => new BinanceHandler({ instruments: [new DecimalGrid('BTC/USDT', '0.01', '0.00000001')], hooks }),
  ],
  [
    'kraken',
    SAMPLES.kraken!,
    (hooks) => new KrakenHandler({ instruments: [new DecimalGrid('BTC/USD', '0.1', '0.00000001')], hooks }),
  ],
  [
    'coinbase',
    SAMPLES.coinbase!,
    (hooks) => new CoinbaseHandler({ instruments: [new DecimalGrid('BTC/USD', '0.01', '0.00000001')], hooks }),
  ],
  [
    'kucoin',
    SAMPLES.kucoin!,
    (hooks) => new KucoinHandler({ instruments: [new DecimalGrid('BTC/USDT', '0.0000000001', '0.0001')], hooks }),
  ],
  ['binanceusdm', SAMPLES.funding!, (hooks) => new BinanceUsdmFundingHandler(['BTC/USDT:USDT'], hooks)],
  ['krakenfutures', SAMPLES.funding!, (hooks) => new KrakenFuturesFundingHandler(['BTC/USD:USD'], hooks)],
  ['kucoinfutures', SAMPLES.funding!, (hooks) => new KucoinFuturesFundingHandler(['BTC/USDT:USDT'], hooks)],
];

function harness(make: Make) {
  let events = 0;
  const handler = make({ emit: () => events++, requestSnapshot: () => {} });
  const malformed = () => [...handler.stats().values()].reduce((n, s) => n + s.malformed, 0);
  return { handler, malformed, events: () => events };
}

describe.each(HANDLERS)('fuzzing the %s handler', (_name, samples, make) => {
  it('random bytes and random text never throw, and unparseable text is counted malformed', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')),
          fc.json(),
        ),
        (text) => {
          const h = harness(make);
          const before = h.malformed();
          expect(() => h.handler.onFrame(text, 1)).not.toThrow();
          let parses = true;
          try {
            JSON.parse(text);
          } catch {
            parses = false;
          }
          if (!parses) expect(h.malformed()).toBe(before + 1);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('truncated real frames are counted malformed', () => {
    fc.assert(
      fc.property(fc.constantFrom(...samples), fc.nat(), (frame, cut) => {
        const h = harness(make);
        const text = frame.slice(0, cut % frame.length);
        expect(() => h.handler.onFrame(text, 1)).not.toThrow();
        expect(h.malformed()).toBe(1);
      }),
      { numRuns: 200 },
    );
  });

  it('wrong types and huge numbers in real frames never throw and never reach a book', () => {
    fc.assert(
      fc.property(fc.constantFrom(...samples), fc.nat(), WEIRD, (frame, pick, weird) => {
        const h = harness(make);
        expect(() => h.handler.onFrame(mutate(frame, pick, weird), 1)).not.toThrow();
        expect(() =>
          h.handler.onRestSnapshot(
            'BTCUSDT',
            mutate('{"lastUpdateId":1,"bids":[["1.00","2"]],"asks":[]}', pick, weird),
            1,
          ),
        ).not.toThrow();
        for (const sym of ['BTC/USDT', 'BTC/USD']) {
          const book = h.handler.book(sym);
          if (book === undefined) continue;
          const { bids, asks } = book.toJSON();
          for (const [p, q] of [...bids, ...asks]) {
            expect(Number.isSafeInteger(p)).toBe(true);
            expect(Number.isSafeInteger(q)).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
