/**
 * Exact money for the ledger: `bigint` counts of quote-currency atoms, 1 atom = 10^-18 of the
 * currency. Every amount the simulator produces (notional, fee, funding, P&L) is computed in
 * atoms by integer arithmetic from decimal strings and integer ticks/lots; a float never reaches
 * a balance.
 *
 * Eighteen decimals hold any product of a price (tick size up to 8 decimals), a quantity (lot
 * size up to 10 decimals) exactly; a fee or funding rate adds its own decimals, and where the
 * sum exceeds 18 the result is rounded half to even at the 18th decimal (documented on each
 * function). {@link atomsToMoney} converts to core's `Money`.
 *
 * @module
 */
import { BaseError, Money } from '@tickerml/core';

/** Decimals held by an atom amount. */
export const MONEY_SCALE = 18;
const SCALE_FACTOR = 10n ** 18n;

/**
 * A decimal string that is not a plain decimal, or has more than 18 decimals.
 *
 * @example
 * ```ts
 * decimalToAtoms('1,5'); // throws InvalidAmountError
 * ```
 */
export class InvalidAmountError extends BaseError {
  override name = 'InvalidAmountError' as const;
}

const DECIMAL_RE = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * An exact rational `num / den` parsed from a decimal string (a fee or funding rate).
 */
export interface Rate {
  readonly num: bigint;
  readonly den: bigint;
  /** The decimal text it came from. */
  readonly text: string;
}

/**
 * Parses a decimal string such as `"-0.0001"` into an exact {@link Rate}.
 *
 * @throws InvalidAmountError when the text is not a plain decimal number.
 * @example
 * ```ts
 * parseRate('0.00075'); // { num: 75n, den: 100000n, text: '0.00075' }
 * ```
 */
export function parseRate(text: string): Rate {
  const m = DECIMAL_RE.exec(text);
  if (m === null) throw new InvalidAmountError(`'${text}' is not a decimal number`);
  const frac = m[3] ?? '';
  const num = BigInt((m[2] ?? '0') + frac) * (m[1] === '-' ? -1n : 1n);
  return { num, den: 10n ** BigInt(frac.length), text };
}

/**
 * Parses a decimal string into atoms (10^-18 units), exactly.
 *
 * @throws InvalidAmountError when the text is not a plain decimal or has more than 18 decimals.
 * @example
 * ```ts
 * decimalToAtoms('10.25'); // 10_250_000_000_000_000_000n
 * ```
 */
export function decimalToAtoms(text: string): bigint {
  const m = DECIMAL_RE.exec(text);
  if (m === null) throw new InvalidAmountError(`'${text}' is not a decimal number`);
  const frac = m[3] ?? '';
  if (frac.length > MONEY_SCALE)
    throw new InvalidAmountError(`'${text}' has ${frac.length} decimals, at most ${MONEY_SCALE} are held`);
  const v = BigInt((m[2] ?? '0') + frac.padEnd(MONEY_SCALE, '0'));
  return m[1] === '-' ? -v : v;
}

/**
 * Formats atoms as a decimal string. With `decimals`, rounds half to even to that many decimals
 * (display only); without, prints every significant decimal.
 *
 * @example
 * ```ts
 * atomsToDecimal(10_250_000_000_000_000_000n); // '10.25'
 * atomsToDecimal(10_255_000_000_000_000_000n, 2); // '10.26'
 * ```
 */
export function atomsToDecimal(atoms: bigint, decimals?: number): string {
  let v = atoms;
  let scale = MONEY_SCALE;
  if (decimals !== undefined && decimals < MONEY_SCALE) {
    v = divRoundHalfEven(v, 10n ** BigInt(MONEY_SCALE - decimals));
    scale = decimals;
  }
  const neg = v < 0n;
  const abs = (neg ? -v : v).toString().padStart(scale + 1, '0');
  const int = abs.slice(0, abs.length - scale);
  let frac = abs.slice(abs.length - scale);
  if (decimals === undefined) frac = frac.replace(/0+$/, '');
  return `${neg ? '-' : ''}${int}${frac.length > 0 ? `.${frac}` : ''}`;
}

/**
 * Integer division rounding half to even (banker's rounding), for any signs.
 *
 * @example
 * ```ts
 * divRoundHalfEven(5n, 2n); // 2n
 * divRoundHalfEven(7n, 2n); // 4n
 * ```
 */
export function divRoundHalfEven(num: bigint, den: bigint): bigint {
  if (den < 0n) return divRoundHalfEven(-num, -den);
  let q = num / den;
  let r = num % den;
  if (r < 0n) {
    q -= 1n;
    r += den;
  }
  const twice = 2n * r;
  if (twice > den || (twice === den && q % 2n !== 0n)) q += 1n;
  return q;
}

/**
 * `atoms × rate`, exact when the product has at most 18 decimals, otherwise rounded half to even
 * at the 18th decimal.
 *
 * @example
 * ```ts
 * mulRate(decimalToAtoms('1000'), parseRate('0.001')); // decimalToAtoms('1')
 * ```
 */
export function mulRate(atoms: bigint, rate: Rate): bigint {
  return divRoundHalfEven(atoms * rate.num, rate.den);
}

/**
 * Atoms as core's {@link Money} (scale 18), exactly.
 *
 * @example
 * ```ts
 * atomsToMoney(decimalToAtoms('1.5'), 'USDT').toDecimalString(); // '1.500000000000000000'
 * ```
 */
export function atomsToMoney(atoms: bigint, currency: string): Money {
  return Money.of(atoms, MONEY_SCALE, currency);
}
