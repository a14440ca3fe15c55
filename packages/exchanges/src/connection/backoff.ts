/**
 * Reconnect delays: exponential, capped, with jitter so a fleet of clients does not reconnect in
 * lockstep after a venue outage.
 *
 * @module
 */

/** Options of {@link backoffDelayMs}. All times in milliseconds. */
export interface BackoffOptions {
  /** Delay before the first retry, ms. Defaults to 500. */
  readonly initialMs?: number;
  /** Upper bound of any delay, ms. Defaults to 30 000. */
  readonly maxMs?: number;
  /** Growth per attempt. Defaults to 2. */
  readonly multiplier?: number;
  /** Fraction of the delay that is randomised, in [0, 1]: the delay is drawn uniformly from `[d·(1−jitter), d]`. Defaults to 0.5. */
  readonly jitter?: number;
}

/**
 * Delay before retry number `attempt` (0 for the first retry), in milliseconds:
 * `min(maxMs, initialMs · multiplier^attempt)`, reduced by up to `jitter` of itself.
 * `random` returns a number in [0, 1) (pass core's seeded generator for reproducible runs).
 *
 * @example
 * backoffDelayMs(3, { initialMs: 500, maxMs: 30_000, jitter: 0 }, () => 0); // 4000
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: () => number): number {
  const initial = options.initialMs ?? 500;
  const max = options.maxMs ?? 30_000;
  const multiplier = options.multiplier ?? 2;
  const jitter = Math.min(1, Math.max(0, options.jitter ?? 0.5));
  const base = Math.min(max, initial * multiplier ** Math.min(attempt, 64));
  return Math.round(base * (1 - jitter * random()));
}
