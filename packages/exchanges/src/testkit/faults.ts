/**
 * Faults the replay server injects, on command or from a seeded plan.
 *
 * @module
 */
import { SeededRandom } from '@tickerml/core';
import { RecordingBaseError } from '../readers/errors.js';

/** The kinds of fault the replay server can inject. */
export const FaultKind = {
  /** A book update is never sent. */
  Drop: 'drop',
  /** A book update is sent twice. */
  Duplicate: 'dup',
  /** A book update is sent after the next one. */
  Reorder: 'reorder',
  /** Kraken: the update's `checksum` is off by one; other venues: the frame is cut in half. */
  Corrupt: 'corrupt',
  /** The stream stops until resumed (on command only). */
  Stall: 'stall',
  /** Every open socket is terminated without a close frame (code 1006 at the client). */
  Close: 'close',
  /** The next snapshot served is the first one recorded, older than the stream. */
  StaleSnapshot: 'stale-snapshot',
} as const;
export type FaultKind = (typeof FaultKind)[keyof typeof FaultKind];

/**
 * A seeded fault plan. Rates are probabilities per book update (0..1); counts are how many
 * times the fault happens, at book updates drawn by the seed.
 */
export interface FaultPlanSpec {
  readonly drop?: number;
  readonly dup?: number;
  readonly reorder?: number;
  readonly corrupt?: number;
  readonly close?: number;
  /** Each one drops an update (forcing a resync) and makes the snapshot served for it stale. */
  readonly staleSnapshot?: number;
}

/** A fault the server actually applied. */
export interface InjectedFault {
  readonly kind: FaultKind;
  /** Index of the frame in the server's tape (-1 for faults not tied to a frame). */
  readonly tapeIndex: number;
  /** `localTs` of that frame as recorded (µs), or 0. */
  readonly localTs: number;
  /** What was done, for reports (e.g. the REST path a stale snapshot was served on). */
  readonly detail: string;
  /** The book it hit, as the venue spells it (absent for faults on every book, e.g. `close`). */
  readonly venueSymbol?: string;
}

/** `--inject` text could not be understood. */
export class InvalidFaultSpecError extends RecordingBaseError {
  override name = 'InvalidFaultSpecError' as const;
  constructor(text: string, problem: string) {
    super(`Invalid fault spec ${JSON.stringify(text)}`, {
      details: `${problem}; expected comma-separated key=value with keys drop, dup, reorder (probabilities 0..1) and corrupt, close, stale-snapshot (counts), e.g. "drop=0.01,corrupt=5"`,
    });
  }
}

const RATE_KEYS = { drop: 'drop', dup: 'dup', reorder: 'reorder' } as const;
const COUNT_KEYS = { corrupt: 'corrupt', close: 'close', 'stale-snapshot': 'staleSnapshot' } as const;

/**
 * Parses `drop=0.01,dup=0.01,reorder=0.01,corrupt=5,close=2,stale-snapshot=1`.
 * @throws {InvalidFaultSpecError} naming the key or value that is wrong.
 * @example
 * ```ts
 * parseFaultSpec('drop=0.01,corrupt=5'); // { drop: 0.01, corrupt: 5 }
 * ```
 */
export function parseFaultSpec(text: string): FaultPlanSpec {
  const spec: Record<string, number> = {};
  for (const part of text.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) throw new InvalidFaultSpecError(text, `"${item}" is not key=value`);
    const key = item.slice(0, eq).trim();
    const raw = item.slice(eq + 1).trim();
    const value = Number(raw);
    if (raw === '' || !Number.isFinite(value))
      throw new InvalidFaultSpecError(text, `value of ${key} must be a number, was "${raw}"`);
    if (key in RATE_KEYS) {
      if (value < 0 || value > 1) throw new InvalidFaultSpecError(text, `${key} is a probability in 0..1, was ${raw}`);
      spec[RATE_KEYS[key as keyof typeof RATE_KEYS]] = value;
    } else if (key in COUNT_KEYS) {
      if (!Number.isSafeInteger(value) || value < 0)
        throw new InvalidFaultSpecError(text, `${key} is a count (integer >= 0), was ${raw}`);
      spec[COUNT_KEYS[key as keyof typeof COUNT_KEYS]] = value;
    } else {
      throw new InvalidFaultSpecError(text, `unknown fault "${key}"`);
    }
  }
  return spec as FaultPlanSpec;
}

/**
 * Draws which book updates get which fault. `eligible` are tape indices of book updates, in
 * order; `closeEligible` those where closing every socket is allowed (each book still has
 * updates to come after it). Rate faults are drawn per update; counted faults at distinct updates, never the
 * first 20 (a book must be synchronised before a fault can be told from start-up).
 * @returns tape index → fault.
 */
export function planFaults(
  eligible: readonly number[],
  spec: FaultPlanSpec,
  seed: number,
  closeEligible: readonly number[] = eligible,
): Map<number, FaultKind> {
  const rng = new SeededRandom(seed);
  const plan = new Map<number, FaultKind>();
  const pool = eligible.slice(Math.min(20, eligible.length));
  const closePool = new Set(closeEligible);
  const counted: Array<[FaultKind, number]> = [
    [FaultKind.Close, spec.close ?? 0],
    [FaultKind.StaleSnapshot, spec.staleSnapshot ?? 0],
    [FaultKind.Corrupt, spec.corrupt ?? 0],
  ];
  for (const [kind, n] of counted) {
    for (let k = 0; k < n; k++) {
      const free = pool.filter((i) => !plan.has(i) && (kind !== FaultKind.Close || closePool.has(i)));
      if (free.length === 0) break;
      plan.set(free[rng.int(0, free.length - 1)] as number, kind);
    }
  }
  const rates: Array<[FaultKind, number]> = [
    [FaultKind.Drop, spec.drop ?? 0],
    [FaultKind.Duplicate, spec.dup ?? 0],
    [FaultKind.Reorder, spec.reorder ?? 0],
  ];
  for (const i of pool) {
    for (const [kind, p] of rates) {
      if (p > 0 && rng.next() < p && !plan.has(i)) plan.set(i, kind);
    }
  }
  return plan;
}

/**
 * Draws faults one eligible book update at a time, for a tape read as a stream whose length is
 * not known in advance ({@link planFaults} needs every eligible update up front). Rate faults are
 * drawn per update as in {@link planFaults}; counted faults come one after another, each
 * `1..spacing` eligible updates after the previous one (the first after the first 20 updates),
 * in an order the seed shuffles. A close waits for an update where it is allowed. A tape that
 * ends first gets fewer counted faults, as a short tape does with {@link planFaults}.
 * @example
 * ```ts
 * const plan = new StreamingFaultPlan({ corrupt: 2, drop: 0.01 }, 7);
 * const fault = plan.next(true); // for the next eligible update: a FaultKind or undefined
 * ```
 */
export class StreamingFaultPlan {
  private readonly rng: SeededRandom;
  private readonly counted: FaultKind[] = [];
  private eligibleSeen = 0;
  private nextCountedAt: number;

  /** @param spacing most eligible updates between two counted faults. Defaults to 200. */
  constructor(
    private readonly spec: FaultPlanSpec,
    seed: number,
    private readonly spacing = 200,
  ) {
    this.rng = new SeededRandom(seed);
    const kinds: Array<[FaultKind, number]> = [
      [FaultKind.Close, spec.close ?? 0],
      [FaultKind.StaleSnapshot, spec.staleSnapshot ?? 0],
      [FaultKind.Corrupt, spec.corrupt ?? 0],
    ];
    for (const [kind, n] of kinds) for (let k = 0; k < n; k++) this.counted.push(kind);
    for (let k = this.counted.length - 1; k > 0; k--) {
      const j = this.rng.int(0, k);
      [this.counted[k], this.counted[j]] = [this.counted[j] as FaultKind, this.counted[k] as FaultKind];
    }
    this.nextCountedAt = 20 + this.rng.int(1, spacing);
  }

  /**
   * The fault for the next eligible book update, or undefined.
   * @param closeAllowed whether closing every socket is allowed at this update.
   */
  next(closeAllowed: boolean): FaultKind | undefined {
    this.eligibleSeen++;
    if (this.eligibleSeen <= 20) return undefined;
    if (this.counted.length > 0 && this.eligibleSeen >= this.nextCountedAt) {
      const k = this.counted.findIndex((kind) => kind !== FaultKind.Close || closeAllowed);
      if (k >= 0) {
        this.nextCountedAt = this.eligibleSeen + this.rng.int(1, this.spacing);
        return this.counted.splice(k, 1)[0];
      }
    }
    const rates: Array<[FaultKind, number | undefined]> = [
      [FaultKind.Drop, this.spec.drop],
      [FaultKind.Duplicate, this.spec.dup],
      [FaultKind.Reorder, this.spec.reorder],
    ];
    for (const [kind, p] of rates) if (p !== undefined && p > 0 && this.rng.next() < p) return kind;
    return undefined;
  }
}
