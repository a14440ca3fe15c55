/**
 * Time for the adapters: `localTs` stamps and the timers behind heartbeats, reconnect backoff and
 * connection lifetimes all come from one injected {@link FeedClock}, so tests drive them with a
 * manual clock and never sleep.
 *
 * Core's {@link Clock} (`TestClock` in tests, `LiveClock` in production) plugs in through
 * {@link feedClockFrom}.
 *
 * @module
 */
import type { Clock } from '@tickerml/core';

/** Opaque handle of a timer set through a {@link FeedClock}. */
export type TimerHandle = { readonly id: number };

/** The clock and timer provider an adapter uses. */
export interface FeedClock {
  /** Current time, integer microseconds since the Unix epoch. */
  nowUs(): number;
  /** Calls `callback` once after `delayMs` milliseconds of this clock's time. */
  setTimer(delayMs: number, callback: () => void): TimerHandle;
  /** Cancels a timer; cancelling twice or after it fired is a no-op. */
  cancelTimer(handle: TimerHandle): void;
}

/**
 * Wall-clock time and real timers (production). Stamps are strictly increasing.
 *
 * @example
 * const clock = systemClock();
 * clock.nowUs(); // e.g. 1723161253937085
 */
export function systemClock(): FeedClock {
  let last = 0;
  let nextId = 1;
  const timers = new Map<number, ReturnType<typeof setTimeout>>();
  return {
    nowUs() {
      // performance.timeOrigin + now() has sub-ms resolution; keep stamps strictly monotonic.
      const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
      last = us > last ? us : last + 1;
      return last;
    },
    setTimer(delayMs, callback) {
      const id = nextId++;
      const t = setTimeout(() => {
        timers.delete(id);
        callback();
      }, delayMs);
      t.unref?.();
      timers.set(id, t);
      return { id };
    },
    cancelTimer(handle) {
      const t = timers.get(handle.id);
      if (t !== undefined) {
        clearTimeout(t);
        timers.delete(handle.id);
      }
    },
  };
}

/**
 * A clock that only moves when told to: `advanceMs` fires due timers in time order. Kept beside
 * core's `TestClock` (which plugs in through {@link feedClockFrom}) for its anonymous timers and
 * `pendingTimers` count, which the reconnect tests assert on.
 * For tests (reconnect, backoff, lifetime rollover) without real sleeps.
 *
 * @example
 * const clock = new ManualClock(1_700_000_000_000_000);
 * clock.setTimer(1000, () => console.log('fired'));
 * clock.advanceMs(1000); // logs 'fired'
 */
export class ManualClock implements FeedClock {
  private timeUs: number;
  private nextId = 1;
  private readonly pending = new Map<number, { dueUs: number; seq: number; callback: () => void }>();

  /** @param startUs start time in microseconds since the epoch. */
  constructor(startUs = 1_700_000_000_000_000) {
    this.timeUs = startUs;
  }

  nowUs(): number {
    return this.timeUs;
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const id = this.nextId++;
    this.pending.set(id, { dueUs: this.timeUs + Math.max(0, Math.round(delayMs * 1000)), seq: id, callback });
    return { id };
  }

  cancelTimer(handle: TimerHandle): void {
    this.pending.delete(handle.id);
  }

  /** Number of timers not yet fired. */
  get pendingTimers(): number {
    return this.pending.size;
  }

  /** Due time (µs) of the earliest pending timer, or `undefined`. */
  nextDueUs(): number | undefined {
    let best: number | undefined;
    for (const t of this.pending.values()) if (best === undefined || t.dueUs < best) best = t.dueUs;
    return best;
  }

  /**
   * Moves time forward by `ms` milliseconds, firing every timer that falls due, in order (timers
   * set by a firing callback fire too if they fall inside the window). Returns how many fired.
   * @throws {RangeError} when `ms` is negative: time never goes backwards.
   */
  advanceMs(ms: number): number {
    if (ms < 0) throw new RangeError(`ManualClock cannot go backwards (advanceMs(${ms}))`);
    const target = this.timeUs + Math.round(ms * 1000);
    let fired = 0;
    for (;;) {
      let nextId = -1;
      let next: { dueUs: number; seq: number; callback: () => void } | undefined;
      for (const [id, t] of this.pending) {
        if (
          t.dueUs <= target &&
          (next === undefined || t.dueUs < next.dueUs || (t.dueUs === next.dueUs && t.seq < next.seq))
        ) {
          next = t;
          nextId = id;
        }
      }
      if (next === undefined) break;
      this.pending.delete(nextId);
      if (next.dueUs > this.timeUs) this.timeUs = next.dueUs;
      next.callback();
      fired++;
    }
    this.timeUs = target;
    return fired;
  }
}

/**
 * Adapts core's {@link Clock} (named timers and alerts) to the {@link FeedClock} the adapters use:
 * each `setTimer` becomes a one-shot alert with a unique name.
 *
 * @example
 * const clock = new TestClock(1_700_000_000_000_000);
 * const feed = krakenFeed({ instruments, emit, clock: feedClockFrom(clock) });
 * clock.advanceBy(30_000_000); // fires the 30 s ping
 */
export function feedClockFrom(clock: Clock, prefix = 'exchanges'): FeedClock {
  let nextId = 1;
  return {
    nowUs: () => clock.nowUs(),
    setTimer(delayMs, callback) {
      const id = nextId++;
      clock.setAlert(`${prefix}:${id}`, clock.nowUs() + Math.max(0, Math.round(delayMs * 1000)), () => callback());
      return { id };
    },
    cancelTimer(handle) {
      clock.cancelTimer(`${prefix}:${handle.id}`);
    },
  };
}
