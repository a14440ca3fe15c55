/**
 * Timers behind a provider, so the linger timer and retry back-off can be driven by a test.
 *
 * @module
 */

// TODO(core): replace with core's TimerProvider when clock.ts lands.
/** Schedules callbacks; the default wraps the global timers lazily (looked up at call time). */
export interface TimerProvider {
  /** Calls `callback` once after `delayMs` milliseconds; returns a handle for {@link clearTimeout}. */
  setTimeout(callback: () => void, delayMs: number): unknown;
  /** Cancels a callback scheduled by {@link setTimeout}. */
  clearTimeout(handle: unknown): void;
}

/** The global timers, looked up when called (so fake timers installed later are honoured). */
export const systemTimers: TimerProvider = {
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
