/**
 * Durations as people write them on the command line and in YAML: `250ms`, `5s`, `1m`, `2h`, `30d`.
 *
 * @module
 */

import { BaseError } from './errors.js';

/** Microseconds per unit suffix. */
const UNIT_US = { us: 1, ms: 1_000, s: 1_000_000, m: 60_000_000, h: 3_600_000_000, d: 86_400_000_000 } as const;

const PATTERN = /^(\d+(?:\.\d+)?)(us|ms|s|m|h|d)$/;

/**
 * A duration that is not of the form `<number><unit>` with unit `us`, `ms`, `s`, `m`, `h` or `d`.
 *
 * @example
 * ```ts
 * try { parseDuration('5 minutes'); } catch (e) { if (e instanceof InvalidDurationError) console.error(e.shortMessage); }
 * ```
 */
export class InvalidDurationError extends BaseError {
  override name = 'InvalidDurationError' as const;
  /** The text that was refused. */
  readonly input: string;
  constructor(input: string, reason: string) {
    super(`invalid duration ${JSON.stringify(input)}: ${reason}`, {
      metaMessages: ['Write a number and a unit: 250ms, 5s, 1m, 2h, 30d (also us).'],
    });
    this.input = input;
  }
}

/**
 * Parses a duration such as `250ms`, `5s`, `1m`, `2h` or `30d` into whole microseconds.
 *
 * @returns the duration in microseconds, a safe integer (fractions of a microsecond are refused)
 * @throws {InvalidDurationError} on an empty, negative, unit-less or fractional-microsecond input
 * @example
 * ```ts
 * parseDuration('1m'); // 60_000_000
 * parseDuration('1.5s'); // 1_500_000
 * ```
 */
export function parseDuration(text: string): number {
  const match = PATTERN.exec(text.trim());
  if (match === null) throw new InvalidDurationError(text, 'expected a number followed by us, ms, s, m, h or d');
  const unit = match[2] as keyof typeof UNIT_US;
  const us = Number(match[1]) * UNIT_US[unit];
  if (!Number.isSafeInteger(us)) throw new InvalidDurationError(text, 'not a whole number of microseconds');
  return us;
}

/**
 * Writes microseconds back in the largest unit that divides them exactly (`60_000_000` → `1m`).
 *
 * @example
 * ```ts
 * formatDuration(250_000); // '250ms'
 * ```
 */
export function formatDuration(us: number): string {
  if (us === 0) return '0s';
  for (const unit of ['d', 'h', 'm', 's', 'ms'] as const) {
    if (us % UNIT_US[unit] === 0) return `${us / UNIT_US[unit]}${unit}`;
  }
  return `${us}us`;
}
