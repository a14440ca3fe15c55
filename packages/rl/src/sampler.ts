/**
 * Decision times: one every `interval` on a grid of whole multiples of the interval (µs since
 * the epoch), the same grid offline (dataset builder) and live (the policy on the box).
 *
 * @module
 */
import { RlOptionError } from './errors.js';

/** Default {@link DecisionSampler} `maxGapUs`: 60 s. */
export const DEFAULT_MAX_GAP_US = 60_000_000;

/**
 * Fires decision times in event order: call {@link DecisionSampler.beforeEvent} with each
 * event's `localTs` before handing the event to the encoder, and {@link DecisionSampler.finish}
 * at the end of the data. A decision at `t0` fires after every event with `localTs ≤ t0` and
 * before any later one, so a vector encoded in the callback at `t0` sees exactly the events
 * received by `t0`. The first decision time is the first grid point at or after the first event.
 *
 * Quiet time still gets its decisions, fired together when the next event comes. A silence of
 * more than `maxGapUs` between two events is a hole in the data (a box that was off, recordings
 * of different days merged): no decision is taken inside it, and the grid resumes at the first
 * grid point at or after the next event. Live, the decisions of a quiet stretch are taken when
 * its next event arrives, so a hole is skipped there too.
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
  /** Decision times skipped inside holes longer than `maxGapUs`. */
  skipped = 0;
  private lastEventUs = Number.NaN;

  /**
   * @param intervalUs - decision interval, µs.
   * @param onDecision - called with each decision time `t0`, µs.
   * @param maxGapUs - longest silence between two events still decided through, µs. Defaults to 60 s.
   * @throws {RlOptionError} when `intervalUs` or `maxGapUs` is not a positive integer.
   */
  constructor(
    readonly intervalUs: number,
    private readonly onDecision: (t0: number) => void,
    readonly maxGapUs: number = DEFAULT_MAX_GAP_US,
  ) {
    if (!Number.isSafeInteger(intervalUs) || intervalUs <= 0)
      throw new RlOptionError('intervalUs', 'a positive whole number of microseconds', intervalUs);
    if (!Number.isSafeInteger(maxGapUs) || maxGapUs <= 0)
      throw new RlOptionError('maxGapUs', 'a positive whole number of microseconds', maxGapUs);
  }

  private grid(us: number): number {
    return Math.ceil(us / this.intervalUs) * this.intervalUs;
  }

  /** Fires every decision time before `localTs` (µs); call it before applying the event. */
  beforeEvent(localTs: number): void {
    if (Number.isNaN(this.nextUs)) {
      this.nextUs = this.grid(localTs);
      this.lastEventUs = localTs;
      return;
    }
    if (localTs <= this.lastEventUs) return;
    if (localTs - this.lastEventUs > this.maxGapUs) {
      // Decisions up to the last event before the hole still saw their data.
      while (this.nextUs <= this.lastEventUs) {
        const t0 = this.nextUs;
        this.nextUs += this.intervalUs;
        this.onDecision(t0);
      }
      const resume = this.grid(localTs);
      if (resume > this.nextUs) {
        this.skipped += (resume - this.nextUs) / this.intervalUs;
        this.nextUs = resume;
      }
    } else {
      while (this.nextUs < localTs) {
        const t0 = this.nextUs;
        this.nextUs += this.intervalUs;
        this.onDecision(t0);
      }
    }
    this.lastEventUs = localTs;
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
