import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CurrencyMismatchError, InsufficientAmountError, InvalidArgumentError, InvalidDecimalError } from './errors.js';
import { Money } from './money.js';
import { Rounding } from './units.js';

const usd = (text: string) => Money.parse(text, 'USD');
/** Arbitrary USD amounts with 0–8 decimals, as exact money. */
const amounts = fc
  .tuple(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.integer({ min: 0, max: 8 }))
  .map(([units, scale]) => Money.of(units, scale, 'USD'));

describe('Money', () => {
  it('parses and prints exactly', () => {
    expect(usd('10000.00').toString()).toBe('10000.00 USD');
    expect(usd('-0.05').toDecimalString()).toBe('-0.05');
    expect(Money.of(5n, 3, 'BTC').toDecimalString()).toBe('0.005');
    expect(usd('0.1').add(usd('0.2')).eq(usd('0.3'))).toBe(true);
    expect(usd('0.1').add(usd('0.2')).toDecimalString()).toBe('0.3');
    expect(JSON.stringify(usd('1.50'))).toBe('{"amount":"1.50","currency":"USD"}');
    for (const bad of ['', '1e5', '1.', ' 1', '1,000.00', 'NaN'])
      expect(() => usd(bad), bad).toThrow(InvalidDecimalError);
    expect(() => Money.of(0.5, 2, 'USD')).toThrow();
  });

  it('refuses to mix currencies', () => {
    expect(() => usd('1').add(Money.parse('1', 'EUR'))).toThrow(CurrencyMismatchError);
    expect(() => usd('1').lt(Money.parse('1', 'USDT'))).toThrow('cannot compare 1 USD and 1 USDT: currencies differ');
  });

  it('subtracts checked or saturating', () => {
    expect(() => usd('1').checkedSub(usd('1.01'))).toThrow(InsufficientAmountError);
    expect(usd('1').checkedSub(usd('0.25')).toDecimalString()).toBe('0.75');
    expect(usd('1').saturatingSub(usd('3')).toDecimalString()).toBe('0');
    expect(usd('5').saturatingSub(usd('3')).toDecimalString()).toBe('2');
  });

  it('rounds only with an explicit mode', () => {
    expect(usd('100.00').mulRatio(1, 3, Rounding.HalfEven).toDecimalString()).toBe('33.33');
    expect(usd('100.00').mulRatio(2, 3, Rounding.Floor).toDecimalString()).toBe('66.66');
    expect(usd('100.00').mulRatio(2, 3, Rounding.Ceil).toDecimalString()).toBe('66.67');
    expect(usd('-100.00').mulRatio(2, 3, Rounding.Floor).toDecimalString()).toBe('-66.67');
    expect(() => usd('100.00').mulRatio(1, 3, Rounding.Reject)).toThrow(InsufficientAmountError);
    expect(usd('1.005').roundTo(2, Rounding.HalfEven).toDecimalString()).toBe('1.00');
    expect(usd('1.015').roundTo(2, Rounding.HalfEven).toDecimalString()).toBe('1.02');
    expect(usd('65083.6612345').roundToMinor(Rounding.Floor).toDecimalString()).toBe('65083.66');
    expect(Money.parse('1', 'BTC').roundToMinor(Rounding.Reject).toDecimalString()).toBe('1.00000000');
    expect(usd('2.50').mul(3).toDecimalString()).toBe('7.50');
    expect(() => usd('1').mulRatio(1, 0, Rounding.Floor)).toThrow(InvalidArgumentError);
  });

  it('adds associatively and commutatively (property)', () => {
    fc.assert(
      fc.property(amounts, amounts, amounts, (a, b, c) => {
        expect(
          a
            .add(b)
            .add(c)
            .eq(a.add(b.add(c))),
        ).toBe(true);
        expect(a.add(b).eq(b.add(a))).toBe(true);
      }),
    );
  });

  it('undoes addition with subtraction and round-trips through text (property)', () => {
    fc.assert(
      fc.property(amounts, amounts, (a, b) => {
        expect(a.add(b).sub(b).eq(a)).toBe(true);
        expect(a.sub(b).add(b).eq(a)).toBe(true);
        expect(a.neg().neg().eq(a)).toBe(true);
        expect(Money.parse(a.toDecimalString(), 'USD').eq(a)).toBe(true);
        expect(a.compare(b)).toBe(-b.compare(a) || 0);
      }),
    );
  });

  it('distributes integer multiplication and keeps mulRatio within one unit of the exact value (property)', () => {
    fc.assert(
      fc.property(
        amounts,
        amounts,
        fc.integer({ min: -1000, max: 1000 }),
        fc.integer({ min: 1, max: 10_000 }),
        (a, b, k, d) => {
          expect(
            a
              .add(b)
              .mul(k)
              .eq(a.mul(k).add(b.mul(k))),
          ).toBe(true);
          const floor = a.mulRatio(k, d, Rounding.Floor);
          const ceil = a.mulRatio(k, d, Rounding.Ceil);
          // floor ≤ a·k/d ≤ ceil, and they differ by at most one unit
          expect(floor.amount * BigInt(d) <= a.amount * BigInt(k)).toBe(true);
          expect(ceil.amount * BigInt(d) >= a.amount * BigInt(k)).toBe(true);
          expect(ceil.amount - floor.amount <= 1n).toBe(true);
        },
      ),
    );
  });
});
