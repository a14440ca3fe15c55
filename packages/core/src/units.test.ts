import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidDecimalError, PrecisionError, UnsafeIntegerError } from './errors.js';
import { decimalToUnits, parseIncrement, Rounding, unitsToDecimal } from './units.js';

/** Independent reference: a decimal as a rational n / 10^s, divided by the increment c / 10^k. */
function referenceUnits(n: bigint, s: number, c: bigint, k: number, rounding: Rounding): bigint | 'inexact' {
  // value / increment = (n × 10^k) / (c × 10^s)
  const num = n * 10n ** BigInt(k);
  const den = c * 10n ** BigInt(s);
  const floor = num >= 0n ? num / den : -((-num + den - 1n) / den);
  const rem = num - floor * den; // 0 ≤ rem < den
  if (rem === 0n) return floor;
  if (rounding === Rounding.Reject) return 'inexact';
  if (rounding === Rounding.Floor) return floor;
  if (rounding === Rounding.Ceil) return floor + 1n;
  // half-even
  if (2n * rem < den) return floor;
  if (2n * rem > den) return floor + 1n;
  return floor % 2n === 0n ? floor : floor + 1n;
}

/** Independent formatter: n × 10^-s as a plain decimal string with s decimals. */
function plain(n: bigint, s: number): string {
  const neg = n < 0n;
  const digits = (neg ? -n : n).toString().padStart(s + 1, '0');
  const text = s === 0 ? digits : `${digits.slice(0, -s)}.${digits.slice(-s)}`;
  return neg ? `-${text}` : text;
}

const increments = fc.record({
  coefficient: fc.oneof(fc.constantFrom(1, 2, 5, 25, 1, 1), fc.integer({ min: 1, max: 999 })),
  scale: fc.integer({ min: 0, max: 10 }),
});

describe('decimalToUnits', () => {
  it('reads venue strings exactly', () => {
    expect(decimalToUnits('65083.66', '0.01')).toBe(6508366);
    expect(decimalToUnits('0.50000000', '0.00000001')).toBe(50_000_000);
    expect(decimalToUnits('65083.66000000', '0.01000000')).toBe(6508366);
    expect(decimalToUnits('-1.5', '0.5')).toBe(-3);
    expect(decimalToUnits('0', '0.01')).toBe(0);
    expect(Object.is(decimalToUnits('-0.00', '0.01'), 0)).toBe(true);
    expect(decimalToUnits('1e-8', '0.00000001')).toBe(1);
    expect(decimalToUnits('1.5E2', '5')).toBe(30);
    expect(decimalToUnits('0.75', '0.25')).toBe(3);
    expect(decimalToUnits('115', '5')).toBe(23);
    // 0.1 + 0.2 style traps: no float is involved
    expect(decimalToUnits('0.3', '0.1')).toBe(3);
    expect(decimalToUnits('1.1', '0.1')).toBe(11);
    // more than 15 significant digits goes through the bigint path
    expect(decimalToUnits('1234567.123456789', '0.000000001')).toBe(1_234_567_123_456_789);
    expect(() => decimalToUnits('12345678.123456789', '0.000000001')).toThrow(UnsafeIntegerError);
  });

  it('rejects extra precision by default, naming the input and the increment', () => {
    expect(() => decimalToUnits('65083.661', '0.01')).toThrow(PrecisionError);
    expect(() => decimalToUnits('65083.661', '0.01')).toThrow("expected increment 0.01, was 0.001 in '65083.661'");
    expect(() => decimalToUnits('65083.6610', '0.01')).toThrow("was 0.001 in '65083.6610'");
    expect(() => decimalToUnits('1.2', '0.5')).toThrow("expected a multiple of increment 0.5, was '1.2'");
  });

  it('rounds only when asked to', () => {
    expect(decimalToUnits('65083.665', '0.01', Rounding.Floor)).toBe(6508366);
    expect(decimalToUnits('65083.665', '0.01', Rounding.Ceil)).toBe(6508367);
    expect(decimalToUnits('65083.665', '0.01', Rounding.HalfEven)).toBe(6508366);
    expect(decimalToUnits('65083.675', '0.01', Rounding.HalfEven)).toBe(6508368);
    expect(decimalToUnits('-0.015', '0.01', Rounding.Floor)).toBe(-2);
    expect(decimalToUnits('-0.015', '0.01', Rounding.Ceil)).toBe(-1);
    expect(decimalToUnits('-0.015', '0.01', Rounding.HalfEven)).toBe(-2);
    expect(decimalToUnits('1.3', '0.25', Rounding.HalfEven)).toBe(5);
    expect(decimalToUnits('1.2', '0.5', Rounding.Floor)).toBe(2);
  });

  it('rejects malformed text with InvalidDecimalError naming it', () => {
    for (const bad of [
      '',
      '-',
      '.',
      '1.',
      '.5',
      '1,5',
      ' 1',
      '1 ',
      'NaN',
      'Infinity',
      '1e',
      '1e+',
      '0x10',
      '1.2.3',
      '--1',
      '1e5.5',
    ]) {
      expect(() => decimalToUnits(bad, '0.01'), bad).toThrow(InvalidDecimalError);
    }
    expect(() => decimalToUnits('12,5', '0.01')).toThrow("'12,5' is not a decimal number");
    for (const bad of ['0', '-0.01', 'abc', '0.000'])
      expect(() => decimalToUnits('1', bad), bad).toThrow(InvalidDecimalError);
  });

  it('refuses results beyond the safe-integer range', () => {
    expect(decimalToUnits('90071992547409.91', '0.01')).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => decimalToUnits('90071992547409.92', '0.01')).toThrow(UnsafeIntegerError);
    expect(() => decimalToUnits('1e30', '0.01')).toThrow("'1e30'");
    expect(() => decimalToUnits('-1e400', '1')).toThrow(UnsafeIntegerError);
  });

  it('matches an independent rational reference for any decimal, increment and rounding (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 17n), max: 10n ** 17n }),
        fc.integer({ min: 0, max: 12 }),
        increments,
        fc.constantFrom(...Object.values(Rounding)),
        (n, s, inc, rounding) => {
          const text = plain(n, s);
          const incText = plain(BigInt(inc.coefficient), inc.scale);
          const expected = referenceUnits(n, s, BigInt(inc.coefficient), inc.scale, rounding);
          const safe =
            expected === 'inexact' ||
            (expected <= BigInt(Number.MAX_SAFE_INTEGER) && expected >= -BigInt(Number.MAX_SAFE_INTEGER));
          if (expected === 'inexact') {
            expect(() => decimalToUnits(text, incText, rounding)).toThrow(PrecisionError);
          } else if (!safe) {
            expect(() => decimalToUnits(text, incText, rounding)).toThrow(UnsafeIntegerError);
          } else {
            expect(decimalToUnits(text, incText, rounding)).toBe(Number(expected));
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('unitsToDecimal', () => {
  it("formats with the increment's decimals", () => {
    expect(unitsToDecimal(6508366, '0.01')).toBe('65083.66');
    expect(unitsToDecimal(50_000_000, '0.00000001')).toBe('0.50000000');
    expect(unitsToDecimal(-3, '0.25')).toBe('-0.75');
    expect(unitsToDecimal(23, '5')).toBe('115');
    expect(unitsToDecimal(7, '0.0100')).toBe('0.07');
    expect(unitsToDecimal(Number.MAX_SAFE_INTEGER, '0.25')).toBe('2251799813685247.75');
    expect(() => unitsToDecimal(1.5, '0.01')).toThrow(UnsafeIntegerError);
    expect(() => unitsToDecimal(2 ** 53, '0.01')).toThrow(UnsafeIntegerError);
  });

  it('round-trips units → string → units for any increment, including non-powers of ten (property)', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), increments, (units, inc) => {
        const incText = plain(BigInt(inc.coefficient), inc.scale);
        const text = unitsToDecimal(units, incText);
        let c = BigInt(inc.coefficient);
        let k = inc.scale;
        while (k > 0 && c % 10n === 0n) {
          c /= 10n;
          k--;
        }
        expect(text).toBe(plain(BigInt(units) * c, k));
        expect(decimalToUnits(text, incText)).toBe(units);
      }),
      { numRuns: 3000 },
    );
  });

  it('round-trips string → units → string up to trailing zeros (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }),
        fc.integer({ min: 0, max: 8 }),
        fc.integer({ min: 0, max: 4 }),
        (n, k, extraZeros) => {
          const increment = plain(1n, k);
          const written = plain(n * 10n ** BigInt(extraZeros), k + extraZeros);
          const units = decimalToUnits(written, increment);
          expect(unitsToDecimal(units, increment)).toBe(plain(n, k));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('parseIncrement', () => {
  it('normalizes trailing zeros and exponents', () => {
    expect(parseIncrement('0.01000000')).toMatchObject({ coefficient: 1, scale: 2, normalized: '0.01' });
    expect(parseIncrement('1e-8')).toMatchObject({ coefficient: 1, scale: 8, normalized: '0.00000001' });
    expect(parseIncrement('50')).toMatchObject({ coefficient: 50, scale: 0, normalized: '50' });
    expect(parseIncrement('0.25')).toMatchObject({ coefficient: 25, scale: 2 });
  });
});
