import { MARKET_EVENT_KINDS, type MarketEvent } from '@tickerml/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SAMPLE_EVENTS } from '../test/sample-events.js';
import { decodeMessage, decodeRecord, encodeMessage, encodeMessageText, packEnvelopes } from './codec.js';
import { MalformedMessageError, UnsupportedVersionError } from './errors.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('versioned envelope', () => {
  it('has a sample of every market event kind', () => {
    expect(new Set(SAMPLE_EVENTS.map((e) => e.kind))).toEqual(new Set(MARKET_EVENT_KINDS));
  });

  it.each(SAMPLE_EVENTS.map((e) => [e.kind, e] as const))('round-trips %s unchanged', (_kind, event) => {
    const encoded = encodeMessage(event);
    expect(JSON.parse(encoded.toString('utf8')).v).toBe(1);
    expect(decodeMessage(encoded)).toEqual(event);
  });

  it('writes the version last (the reader drops it; V8 drops the newest property without slowing the object)', () => {
    expect(encodeMessage(SAMPLE_EVENTS[5] as MarketEvent).toString('utf8')).toMatch(/^\{"kind":"trade",.*,"v":1\}$/);
  });

  it('passes records of other kinds (features, decisions, news) through', () => {
    const feature = { kind: 'feature', venue: 'kraken', symbol: 'BTC/USD', values: [0.5, -1.25], ts: 12 };
    expect(decodeMessage(encodeMessage(feature))).toEqual(feature);
  });

  it('keeps fields a v1 reader does not know (additive changes stay v1)', () => {
    const text = '{"v":1,"kind":"connected","venue":"kraken","symbol":"BTC/USD","exchTs":1,"localTs":2,"note":"x"}';
    expect(decodeMessage(bytes(text))).toMatchObject({ kind: 'connected', note: 'x' });
  });

  it('rejects an unknown version naming it', () => {
    const error = catchError(() => decodeMessage(bytes('{"v":3,"kind":"trade"}')));
    expect(error).toBeInstanceOf(UnsupportedVersionError);
    expect((error as UnsupportedVersionError).shortMessage).toBe(
      'envelope version 3 is not supported (this reader knows 1, 2)',
    );
  });

  it.each([
    ['not JSON', 'garbage{', /message is not JSON: garbage\{/],
    ['a JSON array', '[1,2]', /expected a JSON object envelope, found an array of 2/],
    ['no version', '{"kind":"trade"}', /envelope has no version field v/],
    ['no kind', '{"v":1}', /kind: expected a non-empty string, found undefined/],
    [
      'a trade with a float price',
      '{"v":1,"kind":"trade","venue":"b","symbol":"S","exchTs":1,"localTs":1,"tradeId":"1","priceTicks":1.5,"qtyLots":1,"aggressor":"buy"}',
      /trade\.priceTicks: expected a safe integer, found 1\.5/,
    ],
    [
      'a trade with a bad aggressor',
      '{"v":1,"kind":"trade","venue":"b","symbol":"S","exchTs":1,"localTs":1,"tradeId":"1","priceTicks":1,"qtyLots":1,"aggressor":"taker"}',
      /trade\.aggressor: expected 'buy', 'sell' or 'unknown', found "taker"/,
    ],
    [
      'a delta with a malformed level',
      '{"v":1,"kind":"book_delta","venue":"b","symbol":"S","exchTs":1,"localTs":1,"bids":[{"priceTicks":1}],"asks":[]}',
      /book_delta\.bids: expected levels of safe-integer \{priceTicks, qtyLots\} \(level 0 is \{"priceTicks":1\}\)/,
    ],
    [
      'a funding rate given as a number',
      '{"v":1,"kind":"funding_rate","venue":"b","symbol":"S","exchTs":1,"localTs":1,"rate":0.0001,"fundingTs":1}',
      /funding_rate\.rate: expected a decimal string, found 0\.0001/,
    ],
    ['a header without localTs', '{"v":1,"kind":"resynced","venue":"b","symbol":"S","exchTs":1}', /resynced\.localTs/],
  ])('rejects %s with a message naming what is wrong', (_what, text, message) => {
    const error = catchError(() => decodeMessage(bytes(text)));
    expect(error).toBeInstanceOf(MalformedMessageError);
    expect((error as Error).message).toMatch(message);
  });

  it('rejects a tombstone (null value)', () => {
    expect(() => decodeMessage(null)).toThrow(MalformedMessageError);
  });

  it('refuses to encode something without a kind', () => {
    expect(() => encodeMessage({} as never)).toThrow(/expected an object with a string kind/);
  });

  it('round-trips arbitrary trades exactly (property)', () => {
    const trade = fc.record({
      kind: fc.constant('trade' as const),
      venue: fc.stringMatching(/^[a-z]{1,12}$/),
      symbol: fc.stringMatching(/^[A-Z]{2,5}\/[A-Z]{2,5}$/),
      exchTs: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
      localTs: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
      seq: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
      tradeId: fc.string({ minLength: 1 }),
      priceTicks: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
      qtyLots: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
      aggressor: fc.constantFrom('buy' as const, 'sell' as const, 'unknown' as const),
    });
    fc.assert(
      fc.property(trade, (t) => {
        expect(decodeMessage(encodeMessage(t))).toEqual(t);
      }),
    );
  });

  it('never throws anything but its own errors on random bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (raw) => {
        try {
          decodeMessage(raw);
        } catch (error) {
          expect(error instanceof MalformedMessageError || error instanceof UnsupportedVersionError).toBe(true);
        }
      }),
    );
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('packed records (v2)', () => {
  it('reads every event kind of a packed record in order, and a v1 record as one message', () => {
    const packed = packEnvelopes(SAMPLE_EVENTS.map((e) => encodeMessageText(e)));
    expect(JSON.parse(packed).v).toBe(2);
    expect(decodeRecord(bytes(packed))).toEqual(SAMPLE_EVENTS);
    expect(decodeRecord(encodeMessage(SAMPLE_EVENTS[0] as MarketEvent))).toEqual([SAMPLE_EVENTS[0]]);
  });

  it.each([
    ['no events', '{"v":2}', /packed record: events: expected a non-empty array, found undefined/],
    ['empty events', '{"v":2,"events":[]}', /packed record: events: expected a non-empty array/],
    ['a non-object event', '{"v":2,"events":[1]}', /packed record: events\[0\]: expected a v1 envelope, found 1/],
    ['a nested v2', '{"v":2,"events":[{"v":2,"events":[]}]}', /packed record: events\[0\]\.v: expected 1, found 2/],
    ['a bad event', '{"v":2,"events":[{"kind":"trade","v":1}]}', /packed record: events\[0\]: trade\.venue: expected/],
  ])('rejects a packed record with %s, whole', (_name, text, message) => {
    expect(() => decodeRecord(bytes(text))).toThrow(message);
  });

  it('refuses a packed record in decodeMessage, which returns one message', () => {
    expect(() => decodeMessage(bytes(packEnvelopes(['{"kind":"x","v":1}'])))).toThrow(/read it with decodeRecord/);
  });
});
