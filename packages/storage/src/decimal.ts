/**
 * Decimal helpers on top of core's exact units conversion.
 *
 * @module
 */

import { formatScaled, parseIncrement } from '@tickerml/core';

const PLAIN_DECIMAL = /^-?\d+(?:\.\d+)?$/;

/**
 * Half of `units` increments, as exact decimal text with one more decimal than the increment
 * (mid prices may fall between two ticks).
 *
 * @throws {RangeError} if `units` is not a safe integer.
 * @example
 * halfUnitsToDecimal(13000001, '0.01'); // '65000.005'
 */
export function halfUnitsToDecimal(units: number, increment: string): string {
  if (!Number.isSafeInteger(units)) throw new RangeError(`expected a safe integer count of units, was ${units}`);
  const inc = parseIncrement(increment);
  return formatScaled(BigInt(units) * inc.coefficientBig * 5n, inc.scale + 1);
}

/** Whether `text` is a plain decimal string such as `-12.5` (no exponent, no spaces, no `+`). */
export function isDecimalText(text: unknown): text is string {
  return typeof text === 'string' && PLAIN_DECIMAL.test(text);
}
