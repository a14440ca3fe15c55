/**
 * Validation of decimal text columns (conversion itself is core's `fromUnits`/`decimalToUnits`).
 *
 * @module
 */

const PLAIN_DECIMAL = /^-?\d+(?:\.\d+)?$/;

/** Whether `text` is a plain decimal string such as `-12.5` (no exponent, no spaces, no `+`). */
export function isDecimalText(text: unknown): text is string {
  return typeof text === 'string' && PLAIN_DECIMAL.test(text);
}
