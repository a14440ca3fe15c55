/**
 * Exact fixed-point money for ledgers: cash, fees, realised P&L.
 *
 * @module
 */

import {
  CurrencyMismatchError,
  InsufficientAmountError,
  InvalidArgumentError,
  InvalidDecimalError,
  UnsafeIntegerError,
} from './errors.js';
import { Rounding } from './units.js';

/**
 * Decimal places of a currency's minor unit, used by {@link Money.roundToMinor}.
 * Fiat per ISO 4217; stablecoins at their token precision; other crypto assets default to 8.
 */
const MINOR_UNITS: Readonly<Record<string, number>> = {
  USD: 2,
  EUR: 2,
  GBP: 2,
  CAD: 2,
  AUD: 2,
  CHF: 2,
  JPY: 0,
  USDT: 6,
  USDC: 6,
  BUSD: 8,
  DAI: 18,
  BTC: 8,
  ETH: 18,
  SOL: 9,
};

/**
 * Decimal places of `currency`'s minor unit (`USD` → 2, `BTC` → 8, `USDT` → 6, unknown → 8).
 *
 * @example
 * ```ts
 * currencyMinorUnits('USD'); // 2
 * ```
 */
export function currencyMinorUnits(currency: string): number {
  return MINOR_UNITS[currency] ?? 8;
}

const MONEY_RE = /^([+-]?)(\d+)(?:\.(\d+))?$/;
const CURRENCY_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$/;

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** Divides `a` by positive `b`, rounding as asked; `reject` throws when inexact. */
function divRound(a: bigint, b: bigint, rounding: Rounding, what: () => string): bigint {
  const negative = a < 0n;
  const magnitude = negative ? -a : a;
  let q = magnitude / b;
  const r = magnitude % b;
  if (r !== 0n) {
    switch (rounding) {
      case Rounding.Reject:
        throw new InsufficientAmountError(`${what()} is not exact at the requested scale and rounding is 'reject'`);
      case Rounding.Floor:
        if (negative) q += 1n;
        break;
      case Rounding.Ceil:
        if (!negative) q += 1n;
        break;
      case Rounding.HalfEven:
        if (2n * r > b || (2n * r === b && q % 2n === 1n)) q += 1n;
        break;
    }
  }
  return negative ? -q : q;
}

/**
 * An exact amount of one currency: a `bigint` count of `10^-scale` units, with a per-value
 * `scale` (decimal places). Arithmetic between two values uses the larger scale, so no operation
 * loses precision except the ones that take an explicit {@link Rounding} (`mulRatio`, `roundTo`).
 * Equality is by value: `1.5 USD` equals `1.50 USD`. Immutable.
 *
 * A float never enters: amounts are parsed from strings or built from integers.
 *
 * @example
 * ```ts
 * const cash = Money.parse('10000.00', 'USD');
 * const fee = Money.parse('0.1', 'USD').add(Money.parse('0.2', 'USD')); // exactly 0.3 USD
 * cash.sub(fee).toDecimalString(); // '9999.70'
 * ```
 */
export class Money {
  /** The amount in units of `10^-scale` of the currency. */
  readonly amount: bigint;
  /** Decimal places of {@link amount}. */
  readonly scale: number;
  /** Currency code, e.g. `USD`, `USDT`, `BTC`. */
  readonly currency: string;

  private constructor(amount: bigint, scale: number, currency: string) {
    this.amount = amount;
    this.scale = scale;
    this.currency = currency;
  }

  /**
   * Builds an amount from integer units: `amount × 10^-scale` of `currency`.
   *
   * @param amount - integer units (a bigint, or a safe-integer number).
   * @param scale - decimal places, 0 to 36.
   * @throws {@link UnsafeIntegerError} when `amount` is a number that is not a safe integer.
   * @throws {@link InvalidArgumentError} when `scale` or `currency` is invalid.
   * @example
   * ```ts
   * Money.of(12345n, 2, 'USD').toDecimalString(); // '123.45'
   * ```
   */
  static of(amount: bigint | number, scale: number, currency: string): Money {
    if (typeof amount === 'number' && !Number.isSafeInteger(amount)) {
      throw new UnsafeIntegerError(String(amount), 'money amount');
    }
    if (!Number.isInteger(scale) || scale < 0 || scale > 36)
      throw new InvalidArgumentError(String(scale), 'a scale in [0, 36]');
    if (!CURRENCY_RE.test(currency)) throw new InvalidArgumentError(currency, 'a currency code');
    return new Money(BigInt(amount), scale, currency);
  }

  /**
   * Zero of `currency` at `scale` decimals (defaults to the currency's minor unit).
   *
   * @example
   * ```ts
   * Money.zero('USD').toDecimalString(); // '0.00'
   * ```
   */
  static zero(currency: string, scale = currencyMinorUnits(currency)): Money {
    return Money.of(0n, scale, currency);
  }

  /**
   * Parses a plain decimal string exactly; the scale is the number of decimals written.
   *
   * @param text - e.g. `"10000.00"`, `"-0.5"`.
   * @param currency - e.g. `"USD"`.
   * @throws {@link InvalidDecimalError} when `text` is not a plain decimal (no exponent, no spaces).
   * @example
   * ```ts
   * Money.parse('10000.00', 'USD').toString(); // '10000.00 USD'
   * ```
   */
  static parse(text: string, currency: string): Money {
    const match = MONEY_RE.exec(text);
    if (match === null) throw new InvalidDecimalError(text, `a decimal amount of ${currency}`);
    const fraction = match[3] ?? '';
    const digits = BigInt((match[2] as string) + fraction);
    return Money.of(match[1] === '-' ? -digits : digits, fraction.length, currency);
  }

  /** The larger of two amounts (same currency). @throws {@link CurrencyMismatchError} */
  static max(a: Money, b: Money): Money {
    return a.compare(b) >= 0 ? a : b;
  }

  /** The smaller of two amounts (same currency). @throws {@link CurrencyMismatchError} */
  static min(a: Money, b: Money): Money {
    return a.compare(b) <= 0 ? a : b;
  }

  private same(other: Money, operation: string): void {
    if (other.currency !== this.currency) throw new CurrencyMismatchError(operation, this.toString(), other.toString());
  }

  /** This amount's units at a scale ≥ its own. */
  private unitsAt(scale: number): bigint {
    return scale === this.scale ? this.amount : this.amount * pow10(scale - this.scale);
  }

  /**
   * Sum, at the larger of the two scales.
   * @throws {@link CurrencyMismatchError} when currencies differ.
   * @example
   * ```ts
   * Money.parse('0.1', 'USD').add(Money.parse('0.2', 'USD')).toDecimalString(); // '0.3'
   * ```
   */
  add(other: Money): Money {
    this.same(other, 'add');
    const scale = Math.max(this.scale, other.scale);
    return new Money(this.unitsAt(scale) + other.unitsAt(scale), scale, this.currency);
  }

  /**
   * Difference, at the larger of the two scales; may go negative (see {@link checkedSub}).
   * @throws {@link CurrencyMismatchError} when currencies differ.
   * @example
   * ```ts
   * Money.parse('1', 'USD').sub(Money.parse('2.5', 'USD')).toDecimalString(); // '-1.5'
   * ```
   */
  sub(other: Money): Money {
    this.same(other, 'subtract');
    const scale = Math.max(this.scale, other.scale);
    return new Money(this.unitsAt(scale) - other.unitsAt(scale), scale, this.currency);
  }

  /**
   * Difference that may not go below zero.
   * @throws {@link InsufficientAmountError} when `other` is larger than this amount.
   * @throws {@link CurrencyMismatchError} when currencies differ.
   * @example
   * ```ts
   * cash.checkedSub(orderCost); // throws rather than leave a negative balance
   * ```
   */
  checkedSub(other: Money): Money {
    const result = this.sub(other);
    if (result.amount < 0n) {
      throw new InsufficientAmountError(
        `cannot subtract ${other.toString()} from ${this.toString()}: result would be negative`,
      );
    }
    return result;
  }

  /**
   * Difference clamped at zero.
   * @throws {@link CurrencyMismatchError} when currencies differ.
   * @example
   * ```ts
   * Money.parse('1', 'USD').saturatingSub(Money.parse('3', 'USD')).isZero(); // true
   * ```
   */
  saturatingSub(other: Money): Money {
    const result = this.sub(other);
    return result.amount < 0n ? new Money(0n, result.scale, this.currency) : result;
  }

  /** The negated amount. @example `Money.parse('2', 'USD').neg().toDecimalString(); // '-2'` */
  neg(): Money {
    return new Money(-this.amount, this.scale, this.currency);
  }

  /** The absolute amount. @example `Money.parse('-2', 'USD').abs().toDecimalString(); // '2'` */
  abs(): Money {
    return this.amount < 0n ? this.neg() : this;
  }

  /**
   * Multiplies by an integer (a bigint, or a safe-integer number), exactly.
   * @throws {@link UnsafeIntegerError} when `factor` is a number that is not a safe integer.
   * @example
   * ```ts
   * Money.parse('0.01', 'USD').mul(3).toDecimalString(); // '0.03'
   * ```
   */
  mul(factor: bigint | number): Money {
    if (typeof factor === 'number' && !Number.isSafeInteger(factor))
      throw new UnsafeIntegerError(String(factor), 'factor');
    return new Money(this.amount * BigInt(factor), this.scale, this.currency);
  }

  /**
   * Multiplies by `numerator / denominator`, keeping this scale and rounding as asked
   * (e.g. a fee of 7.5 bp: `mulRatio(75, 100_000, Rounding.Ceil)`).
   *
   * @param rounding - required; `reject` throws when the result is not exact at this scale.
   * @throws {@link InsufficientAmountError} when `rounding` is `reject` and the result is inexact.
   * @throws {@link InvalidArgumentError} when `denominator` is zero.
   * @example
   * ```ts
   * Money.parse('100.00', 'USD').mulRatio(1, 3, Rounding.HalfEven).toDecimalString(); // '33.33'
   * ```
   */
  mulRatio(numerator: bigint | number, denominator: bigint | number, rounding: Rounding): Money {
    let n = BigInt(numerator);
    let d = BigInt(denominator);
    if (d === 0n) throw new InvalidArgumentError(String(denominator), 'a non-zero denominator');
    if (d < 0n) {
      n = -n;
      d = -d;
    }
    const amount = divRound(this.amount * n, d, rounding, () => `${this.toString()} × ${numerator}/${denominator}`);
    return new Money(amount, this.scale, this.currency);
  }

  /**
   * The same value at a different number of decimals, rounding as asked when decimals are dropped.
   * @throws {@link InsufficientAmountError} when `rounding` is `reject` and digits would be lost.
   * @example
   * ```ts
   * Money.parse('1.005', 'USD').roundTo(2, Rounding.HalfEven).toDecimalString(); // '1.00'
   * ```
   */
  roundTo(scale: number, rounding: Rounding): Money {
    if (!Number.isInteger(scale) || scale < 0 || scale > 36)
      throw new InvalidArgumentError(String(scale), 'a scale in [0, 36]');
    if (scale >= this.scale) return new Money(this.unitsAt(scale), scale, this.currency);
    const amount = divRound(
      this.amount,
      pow10(this.scale - scale),
      rounding,
      () => `${this.toString()} at ${scale} decimals`,
    );
    return new Money(amount, scale, this.currency);
  }

  /**
   * Rounds to the currency's minor unit (see {@link currencyMinorUnits}) with an explicit mode.
   * @example
   * ```ts
   * Money.parse('65083.6612345', 'USD').roundToMinor(Rounding.Floor).toDecimalString(); // '65083.66'
   * ```
   */
  roundToMinor(rounding: Rounding): Money {
    return this.roundTo(currencyMinorUnits(this.currency), rounding);
  }

  /**
   * −1, 0 or 1 as this amount is less than, equal to or greater than `other`.
   * @throws {@link CurrencyMismatchError} when currencies differ.
   */
  compare(other: Money): -1 | 0 | 1 {
    this.same(other, 'compare');
    const scale = Math.max(this.scale, other.scale);
    const a = this.unitsAt(scale);
    const b = other.unitsAt(scale);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /** Equal in value (scales may differ). @throws {@link CurrencyMismatchError} */
  eq(other: Money): boolean {
    return this.compare(other) === 0;
  }
  /** Strictly less. @throws {@link CurrencyMismatchError} */
  lt(other: Money): boolean {
    return this.compare(other) < 0;
  }
  /** Less or equal. @throws {@link CurrencyMismatchError} */
  lte(other: Money): boolean {
    return this.compare(other) <= 0;
  }
  /** Strictly greater. @throws {@link CurrencyMismatchError} */
  gt(other: Money): boolean {
    return this.compare(other) > 0;
  }
  /** Greater or equal. @throws {@link CurrencyMismatchError} */
  gte(other: Money): boolean {
    return this.compare(other) >= 0;
  }
  /** True when the amount is zero. */
  isZero(): boolean {
    return this.amount === 0n;
  }
  /** True when the amount is below zero. */
  isNegative(): boolean {
    return this.amount < 0n;
  }
  /** True when the amount is above zero. */
  isPositive(): boolean {
    return this.amount > 0n;
  }

  /**
   * The amount as a decimal string with exactly {@link scale} decimals.
   * @example
   * ```ts
   * Money.of(-5n, 2, 'USD').toDecimalString(); // '-0.05'
   * ```
   */
  toDecimalString(): string {
    const negative = this.amount < 0n;
    let digits = (negative ? -this.amount : this.amount).toString();
    if (this.scale > 0) {
      if (digits.length <= this.scale) digits = '0'.repeat(this.scale - digits.length + 1) + digits;
      digits = `${digits.slice(0, digits.length - this.scale)}.${digits.slice(digits.length - this.scale)}`;
    }
    return negative ? `-${digits}` : digits;
  }

  /**
   * A float approximation, for display, charts and model features only; never feed it back into a ledger.
   */
  toNumber(): number {
    return Number(this.toDecimalString());
  }

  /** `"<decimal> <currency>"`, e.g. `"10000.00 USD"`. */
  toString(): string {
    return `${this.toDecimalString()} ${this.currency}`;
  }

  /** JSON form: `{ "amount": "10000.00", "currency": "USD" }` (a string, never a float). */
  toJSON(): { amount: string; currency: string } {
    return { amount: this.toDecimalString(), currency: this.currency };
  }
}
