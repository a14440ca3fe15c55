/**
 * The quarantine: nothing that trains or fits may see a row whose label ends within
 * `quarantine_days` (never fewer than 30) of the as-of time. The most recent month stays unseen,
 * so a paper-trading or live check of a model always runs on data it never learnt from.
 *
 * The rule cannot be switched off. {@link applyQuarantine} is the only way to obtain a
 * {@link Quarantined} value, and every fitting entry point takes one (checked at compile time by
 * the brand and at run time by {@link requireQuarantined}, so an `as` cast does not get through).
 *
 * @module
 */
import { BaseError, type Clock } from '@tickerml/core';

/** The fewest quarantine days any configuration or option may ask for. */
export const MIN_QUARANTINE_DAYS = 30;

const DAY_US = 86_400_000_000;

/** Options of the quarantine. */
export interface QuarantineOptions {
  /** The reference time, µs since the epoch (`--as-of`, by default the command's start time). */
  readonly asOfUs: number;
  /** Days before `asOfUs` whose labels may not be used; at least {@link MIN_QUARANTINE_DAYS}. */
  readonly quarantineDays: number;
}

/** What a {@link Quarantined} value was checked against. */
export interface QuarantineStamp {
  /** The as-of time, µs since the epoch. */
  readonly asOfUs: number;
  /** The quarantine, days. */
  readonly quarantineDays: number;
  /** `asOfUs − quarantineDays`: every row's `t1` is at or before this, µs since the epoch. */
  readonly cutoffUs: number;
  /** Number of rows checked. */
  readonly rows: number;
  /** Newest `t1` among them, µs since the epoch (NaN for no rows). */
  readonly newestT1Us: number;
}

/**
 * Rows (or anything holding them) whose every label end `t1` was checked to lie at or before the
 * quarantine cutoff. Only {@link applyQuarantine} produces one.
 */
export type Quarantined<T extends object> = T & { readonly [QUARANTINED]: QuarantineStamp };
declare const QUARANTINED: unique symbol;

/** Runtime record of what {@link applyQuarantine} checked: a cast cannot add an entry here. */
const stamps = new WeakMap<object, QuarantineStamp>();

/**
 * Rows would break the quarantine: `rows` of them end (`t1`) after the cutoff, the newest at
 * `newestT1Us`. The message names both and the cutoff.
 *
 * @example
 * ```ts
 * try { applyQuarantine(rows, rows.t1, { asOfUs, quarantineDays: 30 }); }
 * catch (e) { if (e instanceof QuarantineError) console.error(e.rows, e.newestT1Us); }
 * ```
 */
export class QuarantineError extends BaseError {
  override name = 'QuarantineError' as const;
  /** Number of rows whose `t1` is after the cutoff. */
  readonly rows: number;
  /** Newest `t1` among them, µs since the epoch. */
  readonly newestT1Us: number;
  /** The cutoff, µs since the epoch. */
  readonly cutoffUs: number;
  constructor(rows: number, newestT1Us: number, options: QuarantineOptions, cutoffUs: number) {
    super(
      `quarantine: ${rows} row${rows === 1 ? '' : 's'} end after ${isoUs(cutoffUs)} (as-of ${isoUs(options.asOfUs)} minus ${options.quarantineDays} days); the newest t1 is ${isoUs(newestT1Us)}`,
      {
        metaMessages: [
          'Rows whose labels end within the quarantine are never trained or fitted on, and no option turns this off.',
          'Build the dataset from older recordings, or pass a later --as-of (it is recorded with the output).',
        ],
      },
    );
    this.rows = rows;
    this.newestT1Us = newestT1Us;
    this.cutoffUs = cutoffUs;
  }
}

/**
 * A quarantine setting or as-of time that cannot be used: fewer than 30 days, not an integer, or
 * a time that is not a finite number of microseconds or an ISO-8601 time.
 *
 * @example
 * ```ts
 * checkQuarantineDays(7); // throws QuarantineOptionError: quarantine_days must be an integer ≥ 30, was 7
 * ```
 */
export class QuarantineOptionError extends BaseError {
  override name = 'QuarantineOptionError' as const;
  constructor(what: string, found: unknown) {
    super(`${what}, was ${JSON.stringify(found) ?? String(found)}`);
  }
}

function isoUs(us: number): string {
  if (!Number.isFinite(us)) return String(us);
  return new Date(Math.floor(us / 1000)).toISOString();
}

/**
 * Checks a quarantine length: an integer number of days, at least {@link MIN_QUARANTINE_DAYS}.
 *
 * @returns the days, unchanged
 * @throws {QuarantineOptionError} below 30 or not an integer
 * @example
 * ```ts
 * checkQuarantineDays(config.model.quarantineDays); // 30
 * ```
 */
export function checkQuarantineDays(days: number): number {
  if (!Number.isInteger(days) || days < MIN_QUARANTINE_DAYS) {
    throw new QuarantineOptionError(`quarantine_days must be an integer ≥ ${MIN_QUARANTINE_DAYS}`, days);
  }
  return days;
}

/**
 * The cutoff `asOfUs − quarantineDays` in µs: rows may be used only when `t1 ≤ cutoff`.
 *
 * @throws {QuarantineOptionError} for a quarantine under 30 days or a non-finite as-of
 * @example
 * ```ts
 * quarantineCutoffUs({ asOfUs: Date.UTC(2025, 0, 31) * 1000, quarantineDays: 30 }); // 2025-01-01T00:00Z in µs
 * ```
 */
export function quarantineCutoffUs(options: QuarantineOptions): number {
  checkQuarantineDays(options.quarantineDays);
  if (!Number.isSafeInteger(options.asOfUs)) {
    throw new QuarantineOptionError('as-of must be a whole number of µs since the epoch', options.asOfUs);
  }
  return options.asOfUs - options.quarantineDays * DAY_US;
}

/**
 * Checks label ends against the quarantine without branding anything.
 *
 * @param t1Us - each row's label end `t1`, µs since the epoch (numbers or the Int64 column's bigints)
 * @returns the stamp (rows checked, newest `t1`, cutoff)
 * @throws {QuarantineError} when any `t1` is after the cutoff, naming how many and the newest
 * @throws {QuarantineOptionError} for a quarantine under 30 days or a bad as-of
 * @example
 * ```ts
 * assertQuarantine(dataset.columns.t1, { asOfUs: clock.nowUs(), quarantineDays: 30 });
 * ```
 */
export function assertQuarantine(
  t1Us: ArrayLike<number | bigint> | Iterable<number | bigint>,
  options: QuarantineOptions,
): QuarantineStamp {
  const cutoffUs = quarantineCutoffUs(options);
  let rows = 0;
  let refused = 0;
  let newest = Number.NaN;
  let newestRefused = Number.NEGATIVE_INFINITY;
  const visit = (raw: number | bigint): void => {
    const t1 = typeof raw === 'bigint' ? Number(raw) : raw;
    if (Number.isNaN(t1)) throw new QuarantineOptionError('every t1 must be a time in µs', raw);
    rows++;
    if (!(t1 <= newest)) newest = t1;
    if (t1 > cutoffUs) {
      refused++;
      if (t1 > newestRefused) newestRefused = t1;
    }
  };
  if (Symbol.iterator in Object(t1Us)) {
    for (const raw of t1Us as Iterable<number | bigint>) visit(raw);
  } else {
    const list = t1Us as ArrayLike<number | bigint>;
    for (let i = 0; i < list.length; i++) visit(list[i] as number | bigint);
  }
  if (refused > 0) throw new QuarantineError(refused, newestRefused, options, cutoffUs);
  return { asOfUs: options.asOfUs, quarantineDays: options.quarantineDays, cutoffUs, rows, newestT1Us: newest };
}

/**
 * Checks `data`'s label ends against the quarantine and brands it {@link Quarantined}: the only
 * way to get a value that fitting and training functions accept.
 *
 * @param data - the rows (an array, a dataset object, a set of row indices…); an object
 * @param t1Us - the label end `t1` of every row in `data`, µs since the epoch
 * @throws {QuarantineError} when any `t1` is after `asOfUs − quarantineDays`
 * @throws {QuarantineOptionError} for a quarantine under 30 days or a bad as-of
 * @example
 * ```ts
 * const train = applyQuarantine(rows, rows.map((r) => r.t1), { asOfUs, quarantineDays: 30 });
 * const stats = fitSomething(train); // fitSomething(rows) does not compile
 * ```
 */
export function applyQuarantine<T extends object>(
  data: T,
  t1Us: ArrayLike<number | bigint> | Iterable<number | bigint>,
  options: QuarantineOptions,
): Quarantined<T> {
  const stamp = assertQuarantine(t1Us, options);
  stamps.set(data, stamp);
  return data as Quarantined<T>;
}

/**
 * The stamp of a value that went through {@link applyQuarantine}; for fitting functions to call
 * first, so a value cast to {@link Quarantined} without the check is refused at run time too.
 *
 * @throws {QuarantineOptionError} when `data` never passed through {@link applyQuarantine}
 * @example
 * ```ts
 * export function fitNormalisation(rows: Quarantined<Row[]>) {
 *   const { asOfUs } = requireQuarantined(rows);
 *   …
 * }
 * ```
 */
export function requireQuarantined<T extends object>(data: Quarantined<T>): QuarantineStamp {
  const stamp = stamps.get(data);
  if (stamp === undefined) {
    throw new QuarantineOptionError('training data must come from applyQuarantine', typeof data);
  }
  return stamp;
}

/**
 * Reads `--as-of`: an ISO-8601 time with a zone (`2025-03-01T00:00:00Z`), or, when absent, the
 * command's start time from `clock`. The result is what outputs record as their as-of.
 *
 * @returns µs since the epoch
 * @throws {QuarantineOptionError} for text that is not an ISO-8601 time with a zone
 * @example
 * ```ts
 * resolveAsOf('2025-03-01T00:00:00Z', clock); // 1_740_787_200_000_000
 * resolveAsOf(undefined, clock); // clock.nowUs()
 * ```
 */
export function resolveAsOf(text: string | undefined, clock: Pick<Clock, 'nowUs'>): number {
  if (text === undefined) return Math.floor(clock.nowUs());
  const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?$/;
  const ms = Date.parse(text);
  if (!iso.test(text) || Number.isNaN(ms)) {
    throw new QuarantineOptionError('--as-of must be an ISO-8601 time such as 2025-03-01T00:00:00Z', text);
  }
  const fraction = /\.(\d{1,6})/.exec(text)?.[1] ?? '';
  const extraUs = fraction.length > 3 ? Number(fraction.slice(3).padEnd(3, '0')) : 0;
  return ms * 1000 + extraUs;
}
