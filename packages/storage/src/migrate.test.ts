import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, checksum } from './migrate.js';
import { TABLES } from './schema.js';

describe('canonicalJson', () => {
  it('is independent of key order (jsonb reorders keys) and agrees with JSON for everything else', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const reparsed = JSON.parse(JSON.stringify(value));
        expect(canonicalJson(reparsed)).toBe(canonicalJson(value));
        expect(JSON.parse(canonicalJson(value))).toEqual(reparsed);
      }),
    );
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 'x' }] })).toBe(canonicalJson({ a: [{ c: 'x', d: 2 }], b: 1 }));
  });
});

describe('checksum', () => {
  const row = (id: number, fee: string) => ({
    id,
    timestamp: 1,
    exchange: 'kraken',
    symbol: 'BTC/USD',
    order_id: 'o',
    fill_id: `f${id}`,
    side: 'buy',
    price: '1.10',
    quantity: '2',
    fee,
    fee_currency: 'USD',
    liquidity: 'maker',
  });
  const pages = (rows: ReturnType<typeof row>[]) => async (after: number, limit: number) =>
    rows.filter((r) => r.id > after).slice(0, limit);

  it('changes when any value changes, even only its decimal scale', async () => {
    const base = await checksum(TABLES.fills, pages([row(1, '0.1'), row(2, '0.2')]));
    expect(await checksum(TABLES.fills, pages([row(1, '0.1'), row(2, '0.2')]))).toBe(base);
    expect(await checksum(TABLES.fills, pages([row(1, '0.1'), row(2, '0.20')]))).not.toBe(base);
    expect(await checksum(TABLES.fills, pages([row(1, '0.1')]))).not.toBe(base);
  });
});
