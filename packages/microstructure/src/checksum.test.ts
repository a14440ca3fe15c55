import { Instrument } from '@tickerml/core';
import { describe, expect, it } from 'vitest';
import { crc32, decimalUnitsPerStep, KrakenChecksum } from './checksum.js';
import { InvalidOptionError } from './errors.js';
import { L2Book } from './l2-book.js';

// Kraken's documented v2 example book (docs.kraken.com, "Spot Websockets (v2) book checksum"),
// written as the venue prints it: price precision 1, quantity precision 8.
const KRAKEN_EXAMPLE = {
  asks: [
    ['45285.2', '0.00100000'],
    ['45286.4', '1.54571953'],
    ['45286.6', '1.54571109'],
    ['45289.6', '1.54560911'],
    ['45290.2', '0.15890660'],
    ['45291.8', '1.54553491'],
    ['45294.7', '0.04454749'],
    ['45296.1', '0.35380000'],
    ['45297.5', '0.09945542'],
    ['45299.5', '0.18772827'],
  ],
  bids: [
    ['45283.5', '0.10000000'],
    ['45283.4', '1.54582015'],
    ['45282.1', '0.10000000'],
    ['45281.0', '0.10000000'],
    ['45280.3', '1.54592586'],
    ['45279.0', '0.07990000'],
    ['45277.6', '0.03310103'],
    ['45277.5', '0.30000000'],
    ['45277.3', '1.54602737'],
    ['45276.6', '0.15445238'],
  ],
  checksum: 3310070434,
} as const;

// Text to ticks/lots by string arithmetic (tick 0.1, lot 1e-8).
const toLevels = (rows: readonly (readonly [string, string])[]) =>
  rows.map(([p, q]) => ({ priceTicks: Number(p.replace('.', '')), qtyLots: Number(q.replace('.', '')) }));

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
    expect(crc32('')).toBe(0);
  });
});

describe('KrakenChecksum', () => {
  it("reproduces Kraken's documented example: 3310070434", () => {
    const book = new L2Book();
    book.applySnapshot(toLevels(KRAKEN_EXAMPLE.bids), toLevels(KRAKEN_EXAMPLE.asks));
    expect(new KrakenChecksum().compute(book)).toBe(KRAKEN_EXAMPLE.checksum);
  });

  it('equals the CRC32 of the concatenated stripped text, and changes when one lot changes', () => {
    const book = new L2Book();
    book.applySnapshot(toLevels(KRAKEN_EXAMPLE.bids), toLevels(KRAKEN_EXAMPLE.asks));
    const strip = (s: string) => s.replace('.', '').replace(/^0+/, '');
    const text = [...KRAKEN_EXAMPLE.asks, ...KRAKEN_EXAMPLE.bids].map(([p, q]) => strip(p) + strip(q)).join('');
    expect(new KrakenChecksum().compute(book)).toBe(crc32(text));
    book.applyLevel('bid', 452766, 15445239);
    expect(new KrakenChecksum().compute(book)).not.toBe(KRAKEN_EXAMPLE.checksum);
  });

  it('uses only the top N levels and scales ticks to the printed precision', () => {
    const book = new L2Book();
    // Tick 0.5 at price precision 1: 5 units per tick; 101 ticks prints as "50.5".
    book.applySnapshot(
      [
        { priceTicks: 100, qtyLots: 3 },
        { priceTicks: 99, qtyLots: 1 },
      ],
      [{ priceTicks: 101, qtyLots: 2 }],
    );
    const scheme = new KrakenChecksum({
      priceUnitsPerTick: decimalUnitsPerStep('0.5', 1),
      qtyUnitsPerLot: decimalUnitsPerStep('0.01', 2),
      levels: 1,
    });
    expect(scheme.compute(book)).toBe(crc32('505' + '2' + '500' + '3'));
  });

  it("works from core's Instrument, converting the venue's text exactly", () => {
    const btcusd = new Instrument({
      venue: 'kraken',
      symbol: 'BTC/USD',
      base: 'BTC',
      quote: 'USD',
      tickSize: '0.1',
      lotSize: '0.00000001',
    });
    const book = new L2Book();
    const levels = (rows: readonly (readonly [string, string])[]) =>
      rows.map(([p, q]) => ({ priceTicks: btcusd.priceToTicks(p), qtyLots: btcusd.qtyToLots(q) }));
    book.applySnapshot(levels(KRAKEN_EXAMPLE.bids), levels(KRAKEN_EXAMPLE.asks));
    expect(KrakenChecksum.forInstrument(btcusd).compute(book)).toBe(KRAKEN_EXAMPLE.checksum);
    // A coarser tick (0.5) printed at 1 decimal: 5 units per tick.
    const coarse = new Instrument({
      venue: 'kraken',
      symbol: 'BTC/USD',
      base: 'BTC',
      quote: 'USD',
      tickSize: '0.5',
      lotSize: '0.00000001',
    });
    const one = new L2Book();
    one.applySnapshot([{ priceTicks: 101, qtyLots: 2 }], []);
    expect(KrakenChecksum.forInstrument(coarse, { price: 1, qty: 8 }).compute(one)).toBe(crc32('505' + '2'));
  });

  it('rejects invalid options by name', () => {
    expect(() => new KrakenChecksum({ levels: 0 })).toThrow(InvalidOptionError);
    expect(() => decimalUnitsPerStep('0.001', 2)).toThrow(/no finer than 10\^-2/);
    expect(() => decimalUnitsPerStep('abc', 2)).toThrow(InvalidOptionError);
  });
});
