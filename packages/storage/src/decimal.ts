/**
 * Exact decimal text ⇄ integer units, by bigint arithmetic, never through a float.
 *
 * TODO(core): switch to core's `unitsToDecimal` / `decimalToUnits` once `@tickerml/core`
 * exports them; these follow the same contract (format with the increment's decimals,
 * reject anything that is not a whole number of increments).
 *
 * @module
 */

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

interface Scaled {
  readonly mantissa: bigint;
  readonly scale: number;
}

const incrementCache = new Map<string, Scaled>();

/** Parses a plain decimal string (`-12.340`) into mantissa and scale; throws `RangeError` if malformed. */
export function parseDecimal(text: string): Scaled {
  const match = DECIMAL.exec(text);
  if (match === null) throw new RangeError(`expected a plain decimal string, was '${text}'`);
  const fraction = match[3] ?? '';
  const digits = BigInt((match[2] ?? '0') + fraction);
  return { mantissa: match[1] === '-' ? -digits : digits, scale: fraction.length };
}

function increment(text: string): Scaled {
  let cached = incrementCache.get(text);
  if (cached === undefined) {
    cached = parseDecimal(text);
    if (cached.mantissa <= 0n) throw new RangeError(`expected a positive increment, was '${text}'`);
    incrementCache.set(text, cached);
  }
  return cached;
}

/** Formats a mantissa and scale as a plain decimal string with exactly `scale` decimals. */
export function formatScaled(mantissa: bigint, scale: number): string {
  const negative = mantissa < 0n;
  let digits = (negative ? -mantissa : mantissa).toString();
  if (scale === 0) return negative ? `-${digits}` : digits;
  if (digits.length <= scale) digits = '0'.repeat(scale - digits.length + 1) + digits;
  const text = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  return negative ? `-${text}` : text;
}

/**
 * Converts an integer count of increments (ticks or lots) to exact decimal text with the
 * increment's number of decimals.
 *
 * @throws {RangeError} if `units` is not a safe integer or `incrementText` is not a positive decimal.
 * @example
 * unitsToDecimal(6508366, '0.01'); // '65083.66'
 */
export function unitsToDecimal(units: number, incrementText: string): string {
  if (!Number.isSafeInteger(units)) throw new RangeError(`expected a safe integer count of units, was ${units}`);
  const inc = increment(incrementText);
  return formatScaled(BigInt(units) * inc.mantissa, inc.scale);
}

/**
 * Half of `units` increments, as exact decimal text with one more decimal than the increment
 * (used for mid prices, which may fall between two ticks).
 *
 * @example
 * halfUnitsToDecimal(13000001, '0.01'); // '65000.005'
 */
export function halfUnitsToDecimal(units: number, incrementText: string): string {
  if (!Number.isSafeInteger(units)) throw new RangeError(`expected a safe integer count of units, was ${units}`);
  const inc = increment(incrementText);
  return formatScaled(BigInt(units) * inc.mantissa * 5n, inc.scale + 1);
}

/**
 * Converts exact decimal text to a whole count of increments.
 *
 * @throws {RangeError} if the text is malformed, is not a whole number of increments, or
 * the result is not a safe integer.
 * @example
 * decimalToUnits('65083.66', '0.01'); // 6508366
 */
export function decimalToUnits(text: string, incrementText: string): number {
  const value = parseDecimal(text);
  const inc = increment(incrementText);
  const scale = Math.max(value.scale, inc.scale);
  const numerator = value.mantissa * 10n ** BigInt(scale - value.scale);
  const denominator = inc.mantissa * 10n ** BigInt(scale - inc.scale);
  if (numerator % denominator !== 0n) {
    throw new RangeError(`'${text}' is not a whole number of increments of ${incrementText}`);
  }
  const units = numerator / denominator;
  const result = Number(units);
  if (!Number.isSafeInteger(result)) throw new RangeError(`'${text}' / ${incrementText} is not a safe integer`);
  return result;
}

/** Whether `text` is a plain decimal string such as `-12.5` (no exponent, no spaces). */
export function isDecimalText(text: unknown): text is string {
  return typeof text === 'string' && DECIMAL.test(text);
}
