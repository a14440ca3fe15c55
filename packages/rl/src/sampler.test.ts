import { describe, expect, it } from 'vitest';
import { RlOptionError } from './errors.js';
import { DecisionSampler } from './sampler.js';

const S = 1_000_000;

function run(events: number[], maxGapUs?: number): { fired: number[]; sampler: DecisionSampler } {
  const fired: number[] = [];
  const sampler = new DecisionSampler(S, (t0) => fired.push(t0 / S), maxGapUs);
  for (const ts of events) sampler.beforeEvent(ts * S);
  sampler.finish((events[events.length - 1] as number) * S);
  return { fired, sampler };
}

describe('DecisionSampler', () => {
  it('starts at the first grid point at or after the first event and decides before later events only', () => {
    const fired: number[] = [];
    const applied: number[] = [];
    const sampler = new DecisionSampler(S, (t0) => fired.push(t0 / S));
    for (const ts of [2.5, 3, 3.5, 6.2]) {
      sampler.beforeEvent(ts * S);
      // Every decision fired so far is before this event: it could not have seen it.
      for (const t0 of fired) expect(t0).toBeLessThan(ts);
      applied.push(ts);
    }
    // 3 fires once 3.5 arrives (the event at exactly 3 s belongs to it); 4, 5, 6 at 6.2 (quiet time).
    expect(fired).toEqual([3, 4, 5, 6]);
    sampler.finish(6.2 * S);
    expect(fired).toEqual([3, 4, 5, 6]);
    expect(run([1, 7]).fired).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('takes no decision inside a silence longer than maxGapUs and resumes on the grid after it', () => {
    const { fired, sampler } = run([0.5, 1.5, 3_600.2, 3_601.5], 60 * S);
    expect(fired).toEqual([1, 3_601]);
    expect(sampler.skipped).toBe(3_601 - 2);
    // A decision at the last event before the hole saw its data: it is taken.
    expect(run([0.5, 2, 3_600.2], 60 * S).fired).toEqual([1, 2]);
    // A silence of exactly maxGapUs is still quiet time.
    expect(run([0, 60], 60 * S).fired.length).toBe(61);
  });

  it('refuses a bad interval or gap', () => {
    expect(() => new DecisionSampler(0, () => {})).toThrow(RlOptionError);
    expect(() => new DecisionSampler(S, () => {}, 1.5)).toThrow(RlOptionError);
  });
});
