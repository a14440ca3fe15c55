/**
 * Decision times: one every `interval` on a grid of whole multiples of the interval (µs since
 * the epoch), the same grid offline (dataset builder) and live (the policy on the box).
 *
 * @module
 */
import { RlOptionError } from './errors.js';

/**
 * Fires decision times in event order: call {@link DecisionSampler.beforeEvent} with each
 * event's `localTs` before handing the event to the encoder, and {@link DecisionSampler.finish}
 * at the end of the data. A decision at `t0` fires after every event with `localTs ≤ t0` and
 * before any later one, so a vector encoded in the callback at `t0` sees exactly the events
 * received by `t0`. The first decision time is the first grid point at or after the first event.
 * Time without events still gets its decisions (fired together when the next event comes).
 *
 * @example
 * ```ts
 * const sampler = new DecisionSampler(1_000_000, (t0) => policy.decide(encoder.encode(t0, agent)));
 * for (const e of events) {
 *   sampler.beforeEvent(e.localTs);
 *   encoder.onEvent(e);
 * }
 * sampler.finish(lastLocalTs);
 * ```
 */
export class DecisionSampler {
  /** The next decision time, µs (`NaN` before the first event). */
  nextUs = Number.NaN;

  /** @throws {RlOptionError} when `intervalUs` is not a positive integer. */
  constructor(
    readonly intervalUs: number,
    private readonly onDecision: (t0: number) => void,
  ) {
    if (!Number.isSafeInteger(intervalUs) || intervalUs <= 0)
      throw new RlOptionError('intervalUs', 'a positive whole number of microseconds', intervalUs);
  }

  /** Fires every decision time before `localTs` (µs); call it before applying the event. */
  beforeEvent(localTs: number): void {
    if (Number.isNaN(this.nextUs)) {
      this.nextUs = Math.ceil(localTs / this.intervalUs) * this.intervalUs;
      return;
    }
    while (this.nextUs < localTs) {
      const t0 = this.nextUs;
      this.nextUs += this.intervalUs;
      this.onDecision(t0);
    }
  }

  /** Fires every remaining decision time up to and including `endUs` (the last event's `localTs`). */
  finish(endUs: number): void {
    if (Number.isNaN(this.nextUs)) return;
    while (this.nextUs <= endUs) {
      const t0 = this.nextUs;
      this.nextUs += this.intervalUs;
      this.onDecision(t0);
    }
  }
}
