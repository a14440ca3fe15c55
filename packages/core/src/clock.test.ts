import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LiveClock, TestClock, type TimerEvent, type TimerProvider } from './clock.js';
import { ClockBackwardsError, InvalidTimerError } from './errors.js';

describe('TestClock', () => {
  it('fires timers and alerts in time order, then registration order', () => {
    const clock = new TestClock(1_000_000);
    clock.setTimer('bar', 60_000_000);
    clock.setAlert('open', 31_000_000);
    clock.setAlert('same-time-later-registered', 61_000_000);
    const fired = clock.advanceTo(121_000_000).map((e) => `${e.name}@${e.tsUs}#${e.count}`);
    expect(fired).toEqual([
      'open@31000000#1',
      'bar@61000000#1',
      'same-time-later-registered@61000000#1',
      'bar@121000000#2',
    ]);
    expect(clock.nowUs()).toBe(121_000_000);
    expect(clock.timerNames()).toEqual(['bar']);
    expect(clock.nextTimeUs('bar')).toBe(181_000_000);
  });

  it('refuses to go backwards', () => {
    const clock = new TestClock(2_000);
    expect(() => clock.advanceTo(1_000)).toThrow(ClockBackwardsError);
    expect(() => clock.advanceTo(1_000)).toThrow('now 2000 µs, asked for 1000 µs');
    expect(clock.advanceTo(2_000)).toEqual([]);
  });

  it('shows each handler the time of its event, and lets handlers set new timers that fire in the same advance', () => {
    const clock = new TestClock(0);
    const seen: string[] = [];
    clock.onTimer((e) => {
      seen.push(`${e.name}@${clock.nowUs()}`);
      if (e.name === 'a') clock.setAlert('b', clock.nowUs() + 5);
    });
    clock.setAlert('a', 10);
    clock.setTimer('t', 100, 0, 200, (e) => seen.push(`own:${e.name}@${clock.nowUs()}`));
    clock.advanceTo(1_000);
    expect(seen).toEqual(['a@10', 'b@15', 'own:t@100', 'own:t@200']);
    expect(clock.timerNames()).toEqual([]);
  });

  it('cancels timers, including from a handler, and validates input', () => {
    const clock = new TestClock(0);
    const fired: TimerEvent[] = [];
    clock.setTimer('x', 10, undefined, undefined, (e) => {
      fired.push(e);
      if (e.count === 2) clock.cancelTimer('x');
    });
    clock.advanceTo(100);
    expect(fired.map((e) => e.tsUs)).toEqual([10, 20]);
    expect(clock.cancelTimer('x')).toBe(false);
    clock.setAlert('dup', 200);
    expect(() => clock.setAlert('dup', 300)).toThrow("'dup' is already set");
    expect(() => clock.setAlert('past', 50)).toThrow(InvalidTimerError);
    expect(() => clock.setTimer('zero', 0)).toThrow('positive integer');
    expect(() => clock.setTimer('frac', 1.5)).toThrow(InvalidTimerError);
    expect(() => clock.setTimer('stop', 10, 100, 105)).toThrow('before its first firing');
    clock.cancelTimers();
    expect(clock.advanceTo(1_000)).toEqual([]);
  });

  it('fires every due event exactly once, sorted by (time, registration), for any schedule and any steps (property)', () => {
    const timerArb = fc.record({
      alert: fc.boolean(),
      atOrInterval: fc.integer({ min: 1, max: 500 }),
      start: fc.integer({ min: 0, max: 300 }),
      stopAfter: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        fc.array(timerArb, { maxLength: 12 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 12 }),
        (timers, steps) => {
          const clock = new TestClock(0);
          const expected: { ts: number; order: number; name: string }[] = [];
          const end = steps.reduce((a, b) => a + b, 0);
          timers.forEach((t, order) => {
            const name = `t${order}`;
            if (t.alert) {
              clock.setAlert(name, t.atOrInterval);
              if (t.atOrInterval <= end) expected.push({ ts: t.atOrInterval, order, name });
            } else {
              const first = t.start + t.atOrInterval;
              const stop = t.stopAfter === undefined ? undefined : first + t.stopAfter;
              clock.setTimer(name, t.atOrInterval, t.start, stop);
              for (let ts = first; ts <= end && (stop === undefined || ts <= stop); ts += t.atOrInterval)
                expected.push({ ts, order, name });
            }
          });
          expected.sort((a, b) => a.ts - b.ts || a.order - b.order);
          const fired: TimerEvent[] = [];
          let now = 0;
          for (const step of steps) {
            now += step;
            const batch = clock.advanceTo(now);
            for (const e of batch) expect(e.tsUs <= now).toBe(true);
            fired.push(...batch);
          }
          expect(fired.map((e) => `${e.name}@${e.tsUs}`)).toEqual(expected.map((e) => `${e.name}@${e.ts}`));
        },
      ),
    );
  });
});

/** A hand-driven timer provider: the test decides when callbacks run. */
class ManualTimers implements TimerProvider {
  pending = new Map<number, { callback: () => void; delayMs: number }>();
  private nextId = 1;
  setTimeout(callback: () => void, delayMs: number): unknown {
    const id = this.nextId++;
    this.pending.set(id, { callback, delayMs });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  runAll(): void {
    const due = [...this.pending.entries()];
    this.pending.clear();
    for (const [, entry] of due) entry.callback();
  }
}

describe('LiveClock', () => {
  it('gives unique, strictly increasing stamps even when the wall clock repeats or steps back', () => {
    const wall = [1_000, 1_000, 1_000, 900, 1_005, 2_000];
    let i = 0;
    const clock = new LiveClock({ wallClockUs: () => wall[i++] ?? 2_000 });
    expect(Array.from({ length: 7 }, () => clock.nowUs())).toEqual([1_000, 1_001, 1_002, 1_003, 1_005, 2_000, 2_001]);
  });

  it('reads the host clock in microseconds by default, monotonically', () => {
    const clock = new LiveClock();
    const stamps = Array.from({ length: 10_000 }, () => clock.nowUs());
    for (let k = 1; k < stamps.length; k++) expect(stamps[k]! > stamps[k - 1]!).toBe(true);
    expect(Math.abs(stamps[0]! - Date.now() * 1000)).toBeLessThan(5_000_000);
    expect(Number.isSafeInteger(stamps[0])).toBe(true);
  });

  it('drives timers through the provider, delivering missed firings in order', () => {
    let wallUs = 0;
    const timers = new ManualTimers();
    const clock = new LiveClock({ timerProvider: timers, wallClockUs: () => wallUs });
    const fired: string[] = [];
    clock.setTimer('hb', 1_000, 0, undefined, (e) => fired.push(`${e.name}#${e.count}@${e.tsUs}`));
    expect([...timers.pending.values()].map((p) => p.delayMs)).toEqual([1]);
    timers.runAll(); // woke early: nothing fires, it waits again
    expect(fired).toEqual([]);
    expect(timers.pending.size).toBe(1);
    wallUs = 3_500; // the process stalled for three periods
    timers.runAll();
    expect(fired).toEqual(['hb#1@1000', 'hb#2@2000', 'hb#3@3000']);
    expect(timers.pending.size).toBe(1);
    expect(clock.cancelTimer('hb')).toBe(true);
    expect(timers.pending.size).toBe(0);
  });

  it('fires a real alert through the host timers', async () => {
    const clock = new LiveClock();
    const event = await new Promise<TimerEvent>((resolve) => clock.setAlert('soon', clock.nowUs() + 2_000, resolve));
    expect(event.name).toBe('soon');
    expect(clock.nowUs()).toBeGreaterThanOrEqual(event.tsUs);
    clock.dispose();
  });
});
