import { type Level, parseIncrement } from '@tickerml/core';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { LevelsJsonbWriter } from './jsonb.js';

// The oracle is SQLite itself: jsonb(<JSON text>) is its own encoding of the same document, and
// json(<our bytes>) its own reading of ours.
const db = new Database(':memory:');
const sqliteJsonb = db.prepare('SELECT jsonb(?) AS b').pluck();
const sqliteRead = db.prepare('SELECT json(?) AS j, json_valid(?, 8) AS strict').raw();
afterAll(() => db.close());

/** The seed-shaped JSON text of `levels`, built with JSON.stringify (independent of the writer). */
function seedText(levels: readonly Level[], tick: string, lot: string): string {
  const scaled = (units: number, increment: string) => {
    const inc = parseIncrement(increment);
    const digits = (BigInt(units) * inc.coefficientBig)
      .toString()
      .replace('-', '')
      .padStart(inc.scale + 1, '0');
    const text = inc.scale === 0 ? digits : `${digits.slice(0, -inc.scale)}.${digits.slice(-inc.scale)}`;
    return units < 0 ? `-${text}` : text;
  };
  return JSON.stringify(levels.map((l, i) => [scaled(l.priceTicks, tick), scaled(l.qtyLots, lot), i]));
}

function check(levels: readonly Level[], tick: string, lot: string): void {
  const writer = new LevelsJsonbWriter();
  writer.reset();
  const bytes = writer.levels(levels, parseIncrement(tick), parseIncrement(lot));
  const text = seedText(levels, tick, lot);
  const [json, strict] = sqliteRead.get(bytes, bytes) as [string, number];
  expect(strict).toBe(1);
  expect(json).toBe(text);
  expect(Buffer.from(bytes).equals(sqliteJsonb.get(text) as Buffer)).toBe(true);
}

describe('LevelsJsonbWriter', () => {
  it('writes the bytes SQLite writes for the same seed-shaped levels (10 levels, BTC/USDT increments)', () => {
    const levels = Array.from({ length: 10 }, (_, i) => ({ priceTicks: 6_508_366 - i, qtyLots: 150_000 + i * 7 }));
    check(levels, '0.01', '0.00001');
  });

  it('handles empty sides, one level, integer increments, coefficients other than 1 and long decimals', () => {
    check([], '0.01', '0.00001');
    check([{ priceTicks: 1, qtyLots: 1 }], '1', '1');
    check([{ priceTicks: 1_200_001, qtyLots: 3 }], '0.05', '0.25');
    check([{ priceTicks: 9_007_199_254_740_991, qtyLots: 123_456_789_012 }], '0.00000001', '0.00000001');
    check([{ priceTicks: 12, qtyLots: 4 }], '0.00000000000000000001', '10');
  });

  it('takes core’s exact path for negative prices and products beyond 2^53', () => {
    check([{ priceTicks: -25, qtyLots: 2 }], '0.01', '1');
    check([{ priceTicks: 9_007_199_254_740_991, qtyLots: 1 }], '0.05', '1');
  });

  it('uses 1-, 2- and 4-byte size headers as the document grows (queue positions past 9 as well)', () => {
    const deep = (n: number) => Array.from({ length: n }, (_, i) => ({ priceTicks: 6_000_000 + i, qtyLots: 1 + i }));
    check(deep(12), '0.01', '0.00001'); // > 255 bytes
    check(deep(5_000), '0.01', '0.00001'); // > 65,535 bytes, and the buffer grows past 64 KiB
  });

  it('keeps a view written before reset valid for the row, and both sides of one row apart', () => {
    const writer = new LevelsJsonbWriter();
    writer.reset();
    const tick = parseIncrement('0.01');
    const lot = parseIncrement('0.001');
    const bids = writer.levels([{ priceTicks: 100, qtyLots: 5 }], tick, lot);
    const asks = writer.levels(
      Array.from({ length: 3_000 }, (_, i) => ({ priceTicks: 101 + i, qtyLots: 1 })),
      tick,
      lot,
    );
    expect((sqliteRead.get(bids, bids) as [string])[0]).toBe('[["1.00","0.005",0]]');
    expect(JSON.parse((sqliteRead.get(asks, asks) as [string])[0])[2999]).toEqual(['31.00', '0.001', 2999]);
  });
});
