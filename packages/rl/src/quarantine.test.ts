import { TestClock } from '@tickerml/core';
import { describe, expect, it } from 'vitest';
import {
  applyQuarantine,
  assertQuarantine,
  checkQuarantineDays,
  MIN_QUARANTINE_DAYS,
  type Quarantined,
  QuarantineError,
  QuarantineOptionError,
  requireQuarantined,
  resolveAsOf,
} from './quarantine.js';

const DAY_US = 86_400_000_000;
const START_US = Date.UTC(2025, 0, 1) * 1000;

/** A synthetic 90-day dataset: one row per minute, each label ending 60 s after its decision time. */
function ninetyDays(): { t0: BigInt64Array; t1: BigInt64Array } {
  const n = 90 * 24 * 60;
  const t0 = new BigInt64Array(n);
  const t1 = new BigInt64Array(n);
  for (let i = 0; i < n; i++) {
    t0[i] = BigInt(START_US + i * 60_000_000);
    t1[i] = (t0[i] as bigint) + 60_000_000n;
  }
  return { t0, t1 };
}

/** A stand-in for a fitting entry point: it only accepts quarantined rows, and checks at run time too. */
function fitMean(rows: Quarantined<{ t1: BigInt64Array }>): number {
  requireQuarantined(rows);
  return Number(rows.t1.reduce((a, b) => a + b, 0n) / BigInt(rows.t1.length));
}

describe('quarantine on a synthetic 90-day dataset', () => {
  const data = ninetyDays();
  const endUs = Number(data.t1[data.t1.length - 1]);

  it('refuses every row ending within 30 days of the as-of, naming how many and the newest t1', () => {
    const asOfUs = endUs; // as-of = the end of the data: the last 30 days are refused
    let caught: unknown;
    try {
      applyQuarantine(data, data.t1, { asOfUs, quarantineDays: 30 });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(QuarantineError);
    const error = caught as QuarantineError;
    const cutoff = asOfUs - 30 * DAY_US;
    const expected = Array.from(data.t1).filter((t) => Number(t) > cutoff).length;
    expect(expected).toBe(30 * 24 * 60); // rows of the last 30 days
    expect(error.rows).toBe(expected);
    expect(error.newestT1Us).toBe(endUs);
    expect(error.cutoffUs).toBe(cutoff);
    expect(error.shortMessage).toBe(
      `quarantine: ${expected} rows end after 2025-03-02T00:00:00.000Z (as-of 2025-04-01T00:00:00.000Z minus 30 days); the newest t1 is 2025-04-01T00:00:00.000Z`,
    );
    // A 60-day quarantine refuses twice as many.
    expect(() => assertQuarantine(data.t1, { asOfUs, quarantineDays: 60 })).toThrow(/86400 rows end after/);
  });

  it('accepts the dataset when the as-of is 30 days past its last t1, and refuses a row one µs later', () => {
    const asOfUs = endUs + 30 * DAY_US;
    const train = applyQuarantine(data, data.t1, { asOfUs, quarantineDays: 30 });
    const stamp = requireQuarantined(train);
    expect(stamp).toEqual({ asOfUs, quarantineDays: 30, cutoffUs: endUs, rows: data.t1.length, newestT1Us: endUs });
    expect(fitMean(train)).toBeGreaterThan(START_US);
    expect(() => assertQuarantine([...data.t1, BigInt(endUs + 1)], { asOfUs, quarantineDays: 30 })).toThrow(
      QuarantineError,
    );
  });

  it('cannot be turned off: fewer than 30 days is refused, and unchecked rows cannot be fitted', () => {
    expect(MIN_QUARANTINE_DAYS).toBe(30);
    for (const days of [0, 1, 29, 29.5, Number.NaN]) {
      expect(() => assertQuarantine(data.t1, { asOfUs: endUs + 400 * DAY_US, quarantineDays: days })).toThrow(
        QuarantineOptionError,
      );
    }
    expect(() => checkQuarantineDays(7)).toThrow('quarantine_days must be an integer ≥ 30, was 7');
    // @ts-expect-error: a plain object is not Quarantined, so a fitting function does not compile with it
    expect(() => fitMean({ t1: data.t1 })).toThrow(/must come from applyQuarantine/);
    // A cast gets past the compiler but not the run-time check.
    expect(() => fitMean({ t1: data.t1 } as Quarantined<{ t1: BigInt64Array }>)).toThrow(QuarantineOptionError);
  });

  it('reads --as-of as ISO-8601, defaulting to the clock', () => {
    expect(resolveAsOf('2025-03-01T00:00:00Z', new TestClock(0))).toBe(Date.UTC(2025, 2, 1) * 1000);
    expect(resolveAsOf('2025-03-01T00:00:00.123456Z', new TestClock(0))).toBe(Date.UTC(2025, 2, 1) * 1000 + 123_456);
    expect(resolveAsOf(undefined, new TestClock(1_700_000_000_000_000))).toBe(1_700_000_000_000_000);
    expect(() => resolveAsOf('yesterday', new TestClock(0))).toThrow(/--as-of must be an ISO-8601 time/);
  });
});
