/**
 * Time for the adapters. Every adapter takes core's {@link Clock} (integer microseconds since
 * the epoch, `TestClock` in tests, `LiveClock` in production) and a jitter source: both are
 * required options, so a feed and the trader beside it always read the same clock.
 *
 * Internally the connection code sets anonymous millisecond timers (heartbeats, reconnect
 * backoff, connection lifetimes, pacing); {@link timersOn} maps them onto the clock's named
 * alerts. Not exported from the package.
 *
 * @module
 * @internal
 */
import type { Clock } from '@tickerml/core';

/** Opaque handle of a timer set through {@link AdapterTimers}. @internal */
export type TimerHandle = { readonly id: number };

/** The anonymous-timer view of a {@link Clock} the connection code uses. @internal */
export interface AdapterTimers {
  /** Current time, integer microseconds since the Unix epoch (the clock's `nowUs`). */
  nowUs(): number;
  /** Calls `callback` once after `delayMs` milliseconds of the clock's time. */
  setTimer(delayMs: number, callback: () => void): TimerHandle;
  /** Cancels a timer; cancelling twice or after it fired is a no-op. */
  cancelTimer(handle: TimerHandle): void;
}

/** Distinguishes the alert names of several adapters sharing one clock. */
let nextOwner = 1;

/**
 * Anonymous millisecond timers on `clock`: each `setTimer` becomes a one-shot alert with a name
 * unique to this call of `timersOn` (`${prefix}#${owner}:${id}`), so any number of connections
 * can share one clock.
 * @internal
 */
export function timersOn(clock: Clock, prefix: string): AdapterTimers {
  const owner = nextOwner++;
  let nextId = 1;
  return {
    nowUs: () => clock.nowUs(),
    setTimer(delayMs, callback) {
      const id = nextId++;
      clock.setAlert(`${prefix}#${owner}:${id}`, clock.nowUs() + Math.max(0, Math.round(delayMs * 1000)), () =>
        callback(),
      );
      return { id };
    },
    cancelTimer(handle) {
      clock.cancelTimer(`${prefix}#${owner}:${handle.id}`);
    },
  };
}
