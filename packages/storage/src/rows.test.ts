import type { BookSnapshot, Trade } from '@tickerml/core';
import { InstrumentRegistry, UnknownInstrumentError } from '@tickerml/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidRowError } from './errors.js';
import {
  bookSnapshotToRow,
  eventToRow,
  instrumentMap,
  rowToBookSnapshot,
  rowToTrade,
  rowValues,
  toLookup,
  tradeToRow,
} from './rows.js';
import { TABLES } from './schema.js';

const increments = fc.constantFrom(
  { tickSize: '0.01', lotSize: '0.00001' },
  { tickSize: '0.5', lotSize: '0.25' },
  { tickSize: '5', lotSize: '1' },
  { tickSize: '0.00000100', lotSize: '0.001' },
);
const level = fc.record({
  priceTicks: fc.integer({ min: 0, max: 2 ** 40 }),
  qtyLots: fc.integer({ min: 0, max: 2 ** 40 }),
});

describe('rows', () => {
  it('book snapshot → seed row → event is the identity, for any increments', () => {
    fc.assert(
      fc.property(
        increments,
        fc.array(level, { maxLength: 12 }),
        fc.array(level, { maxLength: 12 }),
        (inc, bids, asks) => {
          const lookup = instrumentMap({ 'kraken:BTC/USD': inc });
          const event: BookSnapshot = {
            kind: 'book_snapshot',
            venue: 'kraken',
            symbol: 'BTC/USD',
            exchTs: 1,
            localTs: 2,
            bids,
            asks,
          };
          const row = bookSnapshotToRow(event, lookup);
          expect(rowToBookSnapshot(row)).toEqual(event);
          // Mid and spread are exact: 2 × mid = best bid + best ask, in the instrument's units.
          if (bids[0] && asks[0]) {
            expect(row.mid_price).toMatch(/^\d+(\.\d+)?$/);
            expect(row.spread).toMatch(/^-?\d+(\.\d+)?$/);
          }
        },
      ),
    );
  });

  it('trade → row → event is the identity', () => {
    fc.assert(
      fc.property(
        increments,
        level,
        fc.constantFrom('buy', 'sell', 'unknown') as fc.Arbitrary<Trade['aggressor']>,
        (inc, { priceTicks, qtyLots }, aggressor) => {
          const lookup = instrumentMap({ 'kraken:BTC/USD': inc });
          const event: Trade = {
            kind: 'trade',
            venue: 'kraken',
            symbol: 'BTC/USD',
            exchTs: 5,
            localTs: 6,
            seq: 9,
            tradeId: 't',
            priceTicks,
            qtyLots,
            aggressor,
          };
          expect(rowToTrade(tradeToRow(event, lookup))).toEqual(event);
        },
      ),
    );
  });

  it('computes mid, spread and imbalance exactly from ticks', () => {
    const lookup = instrumentMap({ 'binanceus:BTC/USDT': { tickSize: '0.01', lotSize: '0.00001' } });
    const row = bookSnapshotToRow(
      {
        kind: 'book_snapshot',
        venue: 'binanceus',
        symbol: 'BTC/USDT',
        exchTs: 1,
        localTs: 1,
        bids: [{ priceTicks: 10, qtyLots: 3 }],
        asks: [{ priceTicks: 13, qtyLots: 1 }],
      },
      lookup,
    );
    expect(row).toMatchObject({
      bids: [['0.10', '0.00003', 0]],
      asks: [['0.13', '0.00001', 0]],
      mid_price: '0.115',
      spread: '0.03',
      imbalance: 0.5,
    });
  });

  it("takes core's InstrumentRegistry as the instrument source", () => {
    const registry = new InstrumentRegistry([
      { venue: 'kraken', symbol: 'ETH/USD', base: 'ETH', quote: 'USD', tickSize: '0.05', lotSize: '0.0001' },
    ]);
    const { row } = eventToRow(
      {
        kind: 'trade',
        venue: 'kraken',
        symbol: 'ETH/USD',
        exchTs: 1,
        localTs: 1,
        tradeId: 'a',
        priceTicks: 3,
        qtyLots: 2,
        aggressor: 'sell',
      },
      toLookup(registry),
    );
    expect(row).toMatchObject({ price: '0.15', quantity: '0.0002', tick_size: '0.05' });
    expect(() =>
      eventToRow(
        {
          kind: 'trade',
          venue: 'kraken',
          symbol: 'XRP/USD',
          exchTs: 1,
          localTs: 1,
          tradeId: 'a',
          priceTicks: 3,
          qtyLots: 2,
          aggressor: 'sell',
        },
        toLookup(registry),
      ),
    ).toThrow(UnknownInstrumentError);
  });

  it('refuses unsafe integers and malformed values, naming table and column', () => {
    const lookup = instrumentMap({ 'kraken:BTC/USD': { tickSize: '0.1', lotSize: '1' } });
    expect(() =>
      eventToRow(
        {
          kind: 'book_snapshot',
          venue: 'kraken',
          symbol: 'BTC/USD',
          exchTs: 1,
          localTs: 1,
          bids: [{ priceTicks: 2 ** 60, qtyLots: 1 }],
          asks: [],
        },
        lookup,
      ),
    ).toThrow(/order_books\.bids/);
    const { row } = eventToRow(
      { kind: 'connected', venue: 'kraken', symbol: 'BTC/USD', exchTs: 1.5, localTs: 1 },
      lookup,
    );
    expect(() => rowValues(TABLES.market_events, row)).toThrow(InvalidRowError);
    expect(() => rowValues(TABLES.market_events, row)).toThrow(
      'market_events.timestamp: expected a safe integer, was 1.5',
    );
  });

  it('rejects instrument map keys that are not venue:symbol', () => {
    expect(() => instrumentMap({ 'BTC/USD': { tickSize: '1', lotSize: '1' } })).toThrow(/venue:symbol/);
  });
});
