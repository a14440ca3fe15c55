/**
 * Exact conversion between decimal strings (as venues send them) and integer units of an
 * increment (ticks of a tick size, lots of a lot size), by integer arithmetic on the digits:
 * a decimal string never passes through a float.
 *
 * @module
 */

import { InvalidDecimalError, PrecisionError, UnsafeIntegerError } from './errors.js';

/**
 * What to do when a decimal is not a whole number of increments.
 * - `reject` (the default): throw {@link PrecisionError};
 * - `floor`: towards −∞; `ceil`: towards +∞;
 * - `half_even`: to the nearest, ties to the even unit (banker's rounding).
 */
export const Rounding = {
  Reject: 'reject',
  Floor: 'floor',
  Ceil: 'ceil',
  HalfEven: 'half_even',
} as const;
/** One of {@link Rounding}'s values. */
export type Rounding = (typeof Rounding)[keyof typeof Rounding];

/**
 * A parsed, positive increment: `coefficient × 10^-scale` (e.g. `0.25` is 25 × 10^-2).
 * Build one with {@link parseIncrement}; an {@link Instrument} keeps one for its tick and lot.
 */
export interface Increment {
  /** The increment exactly as given, e.g. `"0.01000000"`. */
  readonly text: string;
  /** Integer coefficient, trailing fraction zeros removed (`"0.010"` → 1). */
  readonly coefficient: number;
  /** {@link coefficient} as a bigint. */
  readonly coefficientBig: bigint;
  /** Decimal places of the normalized increment (`"0.010"` → 2, `"5"` → 0). Used to format units. */
  readonly scale: number;
  /** Normalized text of the increment (`"0.01000000"` → `"0.01"`), used in messages. */
  readonly normalized: string;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/** Significant digits a double holds exactly with room for the arithmetic below. */
const FAST_DIGITS = 15;
const POW10: readonly number[] = Array.from({ length: 16 }, (_, i) => 10 ** i);

// Results of the last scan, kept in module state so that the hot path allocates nothing.
let scanNegative = false;
let scanMantissa = 0;
let scanSignificant = 0;
let scanScale = 0; // value = mantissa × 10^-scanScale (may be negative for exponents)

/** Scans `text`; returns false when it is not a decimal number. */
function scan(text: string): boolean {
  const n = text.length;
  let i = 0;
  scanNegative = false;
  if (n === 0) return false;
  let c = text.charCodeAt(0);
  if (c === 45 /* - */ || c === 43 /* + */) {
    scanNegative = c === 45;
    i = 1;
  }
  let mantissa = 0;
  let significant = 0;
  let digits = 0;
  let fraction = 0;
  let seenPoint = false;
  for (; i < n; i++) {
    c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      digits++;
      if (seenPoint) fraction++;
      if (significant > 0 || c !== 48) {
        significant++;
        mantissa = mantissa * 10 + (c - 48);
      }
    } else if (c === 46 /* . */ && !seenPoint) {
      seenPoint = true;
    } else break;
  }
  if (digits === 0) return false;
  // A point must have a digit on each side: "1.", ".5" are rejected as venues never send them.
  if (seenPoint && (fraction === 0 || digits === fraction)) return false;
  let exponent = 0;
  if (i < n) {
    c = text.charCodeAt(i);
    if (c !== 101 /* e */ && c !== 69 /* E */) return false;
    i++;
    let expNegative = false;
    c = text.charCodeAt(i);
    if (c === 45 || c === 43) {
      expNegative = c === 45;
      i++;
    }
    let expDigits = 0;
    for (; i < n; i++) {
      c = text.charCodeAt(i);
      if (c < 48 || c > 57) return false;
      exponent = exponent * 10 + (c - 48);
      expDigits++;
      if (exponent > 400) return false;
    }
    if (expDigits === 0) return false;
    if (expNegative) exponent = -exponent;
  }
  scanMantissa = mantissa;
  scanSignificant = significant;
  scanScale = fraction - exponent;
  return true;
}

/** The digits of the last scanned text as a bigint mantissa (slow path for long inputs). */
function mantissaBig(text: string): bigint {
  let end = text.length;
  const e = Math.max(text.indexOf('e'), text.indexOf('E'));
  if (e >= 0) end = e;
  let start = 0;
  const c = text.charCodeAt(0);
  if (c === 45 || c === 43) start = 1;
  return BigInt(text.slice(start, end).replace('.', ''));
}

const incrementCache = new Map<string, Increment>();

/**
 * Parses a positive increment (a tick size or lot size) such as `"0.01"`, `"0.25"`, `"5"` or `"1e-8"`.
 *
 * @param text - the increment as a decimal string.
 * @returns the parsed increment.
 * @throws {@link InvalidDecimalError} when `text` is malformed, zero or negative.
 * @throws {@link UnsafeIntegerError} when its digits do not fit a safe integer.
 * @example
 * ```ts
 * parseIncrement('0.0100'); // { coefficient: 1, scale: 2, normalized: '0.01', … }
 * ```
 */
export function parseIncrement(text: string): Increment {
  const cached = incrementCache.get(text);
  if (cached !== undefined) return cached;
  if (!scan(text) || scanNegative || scanSignificant === 0) {
    throw new InvalidDecimalError(text, 'a positive increment (tick or lot size)');
  }
  if (scanSignificant > FAST_DIGITS) throw new UnsafeIntegerError(text, 'increment');
  let coefficient = scanMantissa;
  let scale = scanScale;
  while (scale > 0 && coefficient % 10 === 0) {
    coefficient /= 10;
    scale--;
  }
  if (scale < 0) {
    coefficient *= 10 ** -scale;
    scale = 0;
    if (!Number.isSafeInteger(coefficient)) throw new UnsafeIntegerError(text, 'increment');
  }
  const increment: Increment = {
    text,
    coefficient,
    coefficientBig: BigInt(coefficient),
    scale,
    normalized: formatScaled(BigInt(coefficient), scale),
  };
  if (incrementCache.size >= 4096) incrementCache.clear();
  incrementCache.set(text, increment);
  return increment;
}

/** Formats `value × 10^-scale` with exactly `scale` decimals. */
export function formatScaled(value: bigint | number, scale: number): string {
  const negative = value < 0;
  let digits = (negative ? -value : value).toString();
  if (scale > 0) {
    if (digits.length <= scale) digits = '0'.repeat(scale - digits.length + 1) + digits;
    digits = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  }
  return negative ? `-${digits}` : digits;
}

/** Rounds magnitude quotient `q` with remainder `r` of divisor `b`; `up` tells which way. */
function roundsUp(
  rounding: Rounding,
  negative: boolean,
  qOdd: boolean,
  twiceR: number | bigint,
  b: number | bigint,
): boolean {
  switch (rounding) {
    case Rounding.Floor:
      return negative;
    case Rounding.Ceil:
      return !negative;
    case Rounding.HalfEven:
      return twiceR > b || (twiceR === b && qOdd);
    default:
      return false;
  }
}

function precisionError(text: string, increment: Increment, incrementName: string): PrecisionError {
  // The finest decimal the input really uses (trailing zeros do not count).
  let decimals = scanScale;
  const point = text.indexOf('.');
  if (point >= 0) {
    let end = text.length;
    const e = Math.max(text.indexOf('e'), text.indexOf('E'));
    if (e >= 0) end = e;
    while (end - 1 > point && text.charCodeAt(end - 1) === 48 && decimals > 0) {
      end--;
      decimals--;
    }
  }
  const found = decimals > increment.scale ? formatScaled(1, decimals) : undefined;
  return new PrecisionError(text, increment.normalized, found, incrementName);
}

/**
 * Converts a decimal string to a whole number of increments, using a parsed {@link Increment}.
 * Same contract as {@link decimalToUnits}; use this form on hot paths (no parsing of the increment).
 *
 * @param incrementName - how messages name the increment (`tick size`, `lot size`). Defaults to `increment`.
 * @throws {@link InvalidDecimalError}, {@link PrecisionError}, {@link UnsafeIntegerError} as {@link decimalToUnits}.
 * @example
 * ```ts
 * const tick = parseIncrement('0.01');
 * toUnits('65083.66', tick); // 6508366
 * ```
 */
export function toUnits(
  text: string,
  increment: Increment,
  rounding: Rounding = Rounding.Reject,
  incrementName = 'increment',
): number {
  if (!scan(text)) throw new InvalidDecimalError(text);
  const negative = scanNegative;
  const s = Math.max(scanScale, increment.scale);
  const aShift = s - scanScale;
  const bShift = s - increment.scale;
  if (
    scanSignificant + aShift <= FAST_DIGITS &&
    aShift >= 0 &&
    bShift <= FAST_DIGITS &&
    increment.coefficient * (POW10[bShift] ?? Infinity) <= MAX_SAFE
  ) {
    const a = scanMantissa * (POW10[aShift] as number);
    const b = increment.coefficient * (POW10[bShift] as number);
    const r = a % b;
    let q = (a - r) / b;
    if (r !== 0) {
      if (rounding === Rounding.Reject) throw precisionError(text, increment, incrementName);
      if (roundsUp(rounding, negative, q % 2 === 1, 2 * r, b)) q += 1;
    }
    if (q > MAX_SAFE) throw new UnsafeIntegerError(text);
    return negative && q !== 0 ? -q : q;
  }
  return toUnitsBig(text, increment, rounding, incrementName, negative, s);
}

function toUnitsBig(
  text: string,
  increment: Increment,
  rounding: Rounding,
  incrementName: string,
  negative: boolean,
  s: number,
): number {
  if (s - scanScale > 400) throw new UnsafeIntegerError(text);
  const a = mantissaBig(text) * 10n ** BigInt(s - scanScale);
  const b = increment.coefficientBig * 10n ** BigInt(s - increment.scale);
  const r = a % b;
  let q = a / b;
  if (r !== 0n) {
    if (rounding === Rounding.Reject) throw precisionError(text, increment, incrementName);
    if (roundsUp(rounding, negative, q % 2n === 1n, 2n * r, b)) q += 1n;
  }
  if (q > BigInt(MAX_SAFE)) throw new UnsafeIntegerError(text);
  const units = Number(q);
  return negative && units !== 0 ? -units : units;
}

/**
 * Converts a decimal string to a whole number of increments (ticks, lots) exactly, by integer
 * arithmetic on its digits. Increments need not be powers of ten (`0.5`, `0.25`, `5` work).
 * Accepts an optional sign, digits with an optional fraction, and an optional exponent
 * (`"1.5e-3"`); rejects anything else (spaces, commas, `"1."`, `".5"`, `NaN`).
 *
 * @param text - the decimal, e.g. `"65083.66"`.
 * @param increment - the tick or lot size, e.g. `"0.01"`.
 * @param rounding - what to do with a remainder; default `reject`.
 * @returns the value in units of `increment`, a safe integer.
 * @throws {@link InvalidDecimalError} when `text` or `increment` is malformed.
 * @throws {@link PrecisionError} when `text` is not a whole number of increments and `rounding` is `reject`,
 *   e.g. "expected increment 0.01, was 0.001 in '65083.661'".
 * @throws {@link UnsafeIntegerError} when the result is outside ±(2^53 − 1).
 * @example
 * ```ts
 * decimalToUnits('65083.66', '0.01'); // 6508366
 * decimalToUnits('0.50000000', '0.00000001'); // 50000000
 * decimalToUnits('1.3', '0.25', Rounding.HalfEven); // 5 (1.25)
 * ```
 */
export function decimalToUnits(text: string, increment: string, rounding: Rounding = Rounding.Reject): number {
  return toUnits(text, parseIncrement(increment), rounding);
}

/**
 * Formats a whole number of increments as a decimal string with the increment's decimals.
 *
 * @param units - a safe integer count of increments.
 * @param increment - the parsed increment.
 * @throws {@link UnsafeIntegerError} when `units` is not a safe integer.
 * @example
 * ```ts
 * fromUnits(50_000_000, parseIncrement('0.00000001')); // '0.50000000'
 * ```
 */
export function fromUnits(units: number, increment: Increment): string {
  if (!Number.isSafeInteger(units)) throw new UnsafeIntegerError(String(units), 'units');
  const product = units * increment.coefficient;
  if (Number.isSafeInteger(product)) return formatScaled(product, increment.scale);
  return formatScaled(BigInt(units) * increment.coefficientBig, increment.scale);
}

/**
 * Formats a whole number of increments as a decimal string with the increment's (normalized)
 * number of decimals, so that {@link decimalToUnits} reads it back to the same units.
 *
 * @param units - a safe integer count of increments.
 * @param increment - the tick or lot size, e.g. `"0.00000001"`.
 * @returns e.g. `"0.50000000"`.
 * @throws {@link UnsafeIntegerError} when `units` is not a safe integer.
 * @throws {@link InvalidDecimalError} when `increment` is malformed.
 * @example
 * ```ts
 * unitsToDecimal(6508366, '0.01'); // '65083.66'
 * unitsToDecimal(3, '0.25'); // '0.75'
 * ```
 */
export function unitsToDecimal(units: number, increment: string): string {
  return fromUnits(units, parseIncrement(increment));
}
