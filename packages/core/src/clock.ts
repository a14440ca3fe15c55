/**
 * Clocks: the only source of time for simulation, execution, risk and learning code.
 * Backtests run on {@link TestClock}, live paper trading on {@link LiveClock}; code written
 * against {@link Clock} cannot tell which.
 *
 * @module
 */

import { ClockBackwardsError, InvalidTimerError } from './errors.js';

/** What fired: a repeating timer or a one-shot alert. */
export const TimerEventKind = { Timer: 'timer', Alert: 'alert' } as const;
/** One of {@link TimerEventKind}'s values. */
export type TimerEventKind = (typeof TimerEventKind)[keyof typeof TimerEventKind];

/** A timer or alert that fired. */
export interface TimerEvent {
  /** Name given to `setTimer` / `setAlert`. */
  readonly name: string;
  readonly kind: TimerEventKind;
  /** When it was due, microseconds since the epoch (the clock reads this time while it is handled). */
  readonly tsUs: number;
  /** 1 for the first firing of a timer, 2 for the second, … (always 1 for an alert). */
  readonly count: number;
}

/** Called with each timer event; exceptions propagate to whoever drives the clock. */
export type TimerHandler = (event: TimerEvent) => void;

/**
 * A source of time in integer microseconds since the Unix epoch, with named timers and alerts.
 *
 * Handlers: a handler passed to `setTimer`/`setAlert` receives that timer's events; events of
 * timers set without one go to every handler registered with {@link Clock.onTimer}.
 *
 * @example
 * ```ts
 * function every10s(clock: Clock) {
 *   clock.setTimer('snapshot', 10_000_000, undefined, undefined, (e) => console.log('snapshot at', e.tsUs));
 *   clock.setAlert('close', clock.nowUs() + 60_000_000);
 *   clock.onTimer((e) => { if (e.name === 'close') clock.cancelTimer('snapshot'); });
 * }
 * ```
 */
export interface Clock {
  /** The current time in microseconds since the epoch (an integer). */
  nowUs(): number;
  /**
   * Starts a repeating timer firing at `startUs + intervalUs`, `startUs + 2·intervalUs`, …
   * while that time is ≤ `stopUs`.
   * @param intervalUs - period in microseconds, a positive integer.
   * @param startUs - defaults to now.
   * @param stopUs - last allowed firing time (inclusive); defaults to never.
   * @param handler - receives this timer's events; defaults to the {@link onTimer} handlers.
   * @throws {@link InvalidTimerError} when the name is empty or taken, or the times are not valid integers.
   */
  setTimer(name: string, intervalUs: number, startUs?: number, stopUs?: number, handler?: TimerHandler): void;
  /**
   * Sets a one-shot alert at `atUs` (≥ now).
   * @throws {@link InvalidTimerError} when the name is empty or taken, or `atUs` is in the past.
   */
  setAlert(name: string, atUs: number, handler?: TimerHandler): void;
  /** Cancels a timer or alert; returns false when none had that name. */
  cancelTimer(name: string): boolean;
  /** Cancels every timer and alert. */
  cancelTimers(): void;
  /** Names of active timers and alerts, in registration order. */
  timerNames(): string[];
  /** When the named timer or alert fires next (µs), or `undefined`. */
  nextTimeUs(name: string): number | undefined;
  /** Adds a handler for timers set without their own; returns a function removing it. */
  onTimer(handler: TimerHandler): () => void;
}

interface Scheduled {
  readonly name: string;
  readonly kind: TimerEventKind;
  readonly intervalUs: number;
  readonly stopUs: number;
  readonly handler: TimerHandler | undefined;
  /** Registration order: breaks ties between timers due at the same time. */
  readonly order: number;
  nextUs: number;
  count: number;
}

function checkTime(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidTimerError(`${what} must be a non-negative integer number of microseconds, was ${value}`);
  }
}

/** Shared bookkeeping of timers, alerts and default handlers. */
abstract class TimerBook implements Clock {
  /** @internal */
  protected readonly scheduled = new Map<string, Scheduled>();
  private readonly defaultHandlers: TimerHandler[] = [];
  private nextOrder = 0;

  abstract nowUs(): number;
  /** Called when an entry is added or rescheduled. @internal */
  protected abstract schedule(entry: Scheduled): void;
  /** Called when an entry is removed. @internal */
  protected abstract unschedule(entry: Scheduled): void;

  setTimer(name: string, intervalUs: number, startUs?: number, stopUs?: number, handler?: TimerHandler): void {
    this.checkName(name);
    if (!Number.isSafeInteger(intervalUs) || intervalUs <= 0) {
      throw new InvalidTimerError(
        `timer '${name}': interval must be a positive integer number of microseconds, was ${intervalUs}`,
      );
    }
    const start = startUs ?? this.nowUs();
    checkTime(start, `timer '${name}': startUs`);
    const first = start + intervalUs;
    if (stopUs !== undefined) {
      checkTime(stopUs, `timer '${name}': stopUs`);
      if (stopUs < first) {
        throw new InvalidTimerError(`timer '${name}': stopUs ${stopUs} is before its first firing at ${first} µs`);
      }
    }
    this.add({
      name,
      kind: TimerEventKind.Timer,
      intervalUs,
      stopUs: stopUs ?? Number.MAX_SAFE_INTEGER,
      handler,
      order: this.nextOrder++,
      nextUs: first,
      count: 0,
    });
  }

  setAlert(name: string, atUs: number, handler?: TimerHandler): void {
    this.checkName(name);
    checkTime(atUs, `alert '${name}': atUs`);
    const now = this.nowUs();
    if (atUs < now) throw new InvalidTimerError(`alert '${name}' at ${atUs} µs is in the past (now ${now} µs)`);
    this.add({
      name,
      kind: TimerEventKind.Alert,
      intervalUs: 0,
      stopUs: atUs,
      handler,
      order: this.nextOrder++,
      nextUs: atUs,
      count: 0,
    });
  }

  cancelTimer(name: string): boolean {
    const entry = this.scheduled.get(name);
    if (entry === undefined) return false;
    this.scheduled.delete(name);
    this.unschedule(entry);
    return true;
  }

  cancelTimers(): void {
    for (const name of [...this.scheduled.keys()]) this.cancelTimer(name);
  }

  timerNames(): string[] {
    return [...this.scheduled.keys()];
  }

  nextTimeUs(name: string): number | undefined {
    return this.scheduled.get(name)?.nextUs;
  }

  onTimer(handler: TimerHandler): () => void {
    this.defaultHandlers.push(handler);
    return () => {
      const index = this.defaultHandlers.indexOf(handler);
      if (index >= 0) this.defaultHandlers.splice(index, 1);
    };
  }

  private checkName(name: string): void {
    if (name === '') throw new InvalidTimerError('timer name must not be empty');
    if (this.scheduled.has(name)) throw new InvalidTimerError(`a timer or alert named '${name}' is already set`);
  }

  private add(entry: Scheduled): void {
    this.scheduled.set(entry.name, entry);
    this.schedule(entry);
  }

  /** Whether `entry` is still the live registration for its name. @internal */
  protected isLive(entry: Scheduled): boolean {
    return this.scheduled.get(entry.name) === entry;
  }

  /**
   * Produces the event for `entry`'s due time and moves the entry to its next time (or removes
   * it) before any handler runs, so handlers may set or cancel timers freely.
   * @internal
   */
  protected fire(entry: Scheduled): TimerEvent {
    entry.count++;
    const event: TimerEvent = { name: entry.name, kind: entry.kind, tsUs: entry.nextUs, count: entry.count };
    const next = entry.nextUs + entry.intervalUs;
    if (entry.kind === TimerEventKind.Alert || next > entry.stopUs) {
      this.scheduled.delete(entry.name);
    } else {
      entry.nextUs = next;
      this.schedule(entry);
    }
    return event;
  }

  /** @internal */
  protected dispatch(entry: Scheduled, event: TimerEvent): void {
    if (entry.handler !== undefined) {
      entry.handler(event);
      return;
    }
    for (const handler of this.defaultHandlers.slice()) handler(event);
  }
}

/** A min-heap of scheduled entries by (due time, registration order). */
class DueHeap {
  private readonly items: Scheduled[] = [];
  private readonly times: number[] = [];

  get size(): number {
    return this.items.length;
  }

  push(entry: Scheduled): void {
    const items = this.items;
    const times = this.times;
    let i = items.length;
    items.push(entry);
    times.push(entry.nextUs);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(entry, entry.nextUs, items[parent] as Scheduled, times[parent] as number)) break;
      items[i] = items[parent] as Scheduled;
      times[i] = times[parent] as number;
      i = parent;
    }
    items[i] = entry;
    times[i] = entry.nextUs;
  }

  /** Time the top entry was pushed with (entries may be rescheduled later; stale copies are skipped by the caller). */
  peekTime(): number | undefined {
    return this.times[0];
  }

  peek(): Scheduled | undefined {
    return this.items[0];
  }

  pop(): void {
    const items = this.items;
    const times = this.times;
    const lastItem = items.pop() as Scheduled;
    const lastTime = times.pop() as number;
    const n = items.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (
        right < n &&
        this.less(items[right] as Scheduled, times[right] as number, items[left] as Scheduled, times[left] as number)
      ) {
        child = right;
      }
      if (!this.less(items[child] as Scheduled, times[child] as number, lastItem, lastTime)) break;
      items[i] = items[child] as Scheduled;
      times[i] = times[child] as number;
      i = child;
    }
    items[i] = lastItem;
    times[i] = lastTime;
  }

  private less(a: Scheduled, aTime: number, b: Scheduled, bTime: number): boolean {
    return aTime < bTime || (aTime === bTime && a.order < b.order);
  }
}

/**
 * A clock for backtests and tests: time moves only when {@link advanceTo} moves it.
 *
 * `advanceTo(t)` fires every timer and alert due up to and including `t`, in time order and, for
 * equal times, in registration order; while each handler runs, `nowUs()` reads that event's time.
 * Handlers may set and cancel timers; new ones due before `t` fire in the same call.
 *
 * @example
 * ```ts
 * const clock = new TestClock(1_000_000);
 * clock.setTimer('bar', 60_000_000);
 * clock.setAlert('open', 30_000_000 + 1_000_000);
 * clock.advanceTo(121_000_000).map((e) => `${e.name}@${e.tsUs}`);
 * // ['open@31000000', 'bar@61000000', 'bar@121000000']
 * ```
 */
export class TestClock extends TimerBook {
  private timeUs: number;
  private readonly heap = new DueHeap();

  /** @param startUs - initial time in microseconds since the epoch; default 0. */
  constructor(startUs = 0) {
    super();
    checkTime(startUs, 'TestClock startUs');
    this.timeUs = startUs;
  }

  nowUs(): number {
    return this.timeUs;
  }

  /** @internal */
  protected schedule(entry: Scheduled): void {
    this.heap.push(entry);
  }

  /** @internal */
  protected unschedule(): void {
    // Stale heap copies are skipped when they surface.
  }

  /**
   * Moves time forward to `toUs`, firing what falls due on the way.
   * @param toUs - the new time in microseconds; equal to now is allowed (fires what is due now).
   * @returns the events that fired, in the order they fired.
   * @throws {@link ClockBackwardsError} when `toUs` is before now.
   * @throws whatever a handler throws (the clock then stands at that event's time).
   */
  advanceTo(toUs: number): TimerEvent[] {
    if (!Number.isSafeInteger(toUs))
      throw new InvalidTimerError(`advanceTo: ${toUs} is not an integer number of microseconds`);
    if (toUs < this.timeUs) throw new ClockBackwardsError(this.timeUs, toUs);
    const fired: TimerEvent[] = [];
    for (;;) {
      const entry = this.heap.peek();
      const dueUs = this.heap.peekTime();
      if (entry === undefined || dueUs === undefined || dueUs > toUs) break;
      this.heap.pop();
      if (!this.isLive(entry) || entry.nextUs !== dueUs) continue; // cancelled or rescheduled copy
      this.timeUs = dueUs;
      const event = this.fire(entry);
      fired.push(event);
      this.dispatch(entry, event);
    }
    this.timeUs = toUs;
    return fired;
  }

  /**
   * Moves time forward by `deltaUs` microseconds; see {@link advanceTo}.
   * @throws {@link ClockBackwardsError} when `deltaUs` is negative.
   */
  advanceBy(deltaUs: number): TimerEvent[] {
    return this.advanceTo(this.timeUs + deltaUs);
  }
}

/**
 * How a {@link LiveClock} waits: replace it in tests to drive timers by hand.
 * The default wraps the global `setTimeout`/`clearTimeout` lazily (looked up at each call).
 */
export interface TimerProvider {
  /** Calls `callback` after about `delayMs` milliseconds; returns a handle for {@link clearTimeout}. */
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The default {@link TimerProvider}: the host's timers, looked up lazily so test tools can patch them. */
export const defaultTimerProvider: TimerProvider = {
  setTimeout: (callback, delayMs) => globalThis.setTimeout(callback, delayMs),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};

/** Options of {@link LiveClock}. */
export interface LiveClockOptions {
  /** Drives timers; defaults to {@link defaultTimerProvider}. */
  readonly timerProvider?: TimerProvider;
  /** Wall time in microseconds (may repeat or step back); defaults to `performance.timeOrigin + performance.now()`. */
  readonly wallClockUs?: () => number;
}

function hostWallClockUs(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

/**
 * Wall-clock time for live paper trading. Every `nowUs()` is unique and strictly greater than
 * the one before, even when called twice within one microsecond or when the wall clock steps
 * back (it then advances by 1 µs per call until the wall clock catches up).
 *
 * Timers run on the {@link TimerProvider}. If the process stalls past several due times, each
 * missed firing is delivered, in order, as soon as it runs again. Call {@link cancelTimers}
 * (or {@link dispose}) to let the process exit.
 *
 * @example
 * ```ts
 * const clock = new LiveClock();
 * const receivedAtUs = clock.nowUs();
 * clock.setTimer('heartbeat', 5_000_000, undefined, undefined, () => console.log('alive'));
 * ```
 */
export class LiveClock extends TimerBook {
  private lastUs = 0;
  private readonly provider: TimerProvider;
  private readonly wallClockUs: () => number;
  private readonly handles = new Map<Scheduled, unknown>();

  constructor(options: LiveClockOptions = {}) {
    super();
    this.provider = options.timerProvider ?? defaultTimerProvider;
    this.wallClockUs = options.wallClockUs ?? hostWallClockUs;
  }

  nowUs(): number {
    let t = this.wallClockUs();
    if (t <= this.lastUs) t = this.lastUs + 1;
    this.lastUs = t;
    return t;
  }

  /** @internal */
  protected schedule(entry: Scheduled): void {
    this.clearHandle(entry);
    const delayMs = Math.max(0, Math.ceil((entry.nextUs - this.nowUs()) / 1000));
    this.handles.set(
      entry,
      this.provider.setTimeout(() => this.onDue(entry), delayMs),
    );
  }

  /** @internal */
  protected unschedule(entry: Scheduled): void {
    this.clearHandle(entry);
  }

  private clearHandle(entry: Scheduled): void {
    const handle = this.handles.get(entry);
    if (handle !== undefined) {
      this.provider.clearTimeout(handle);
      this.handles.delete(entry);
    }
  }

  private onDue(entry: Scheduled): void {
    this.handles.delete(entry);
    if (!this.isLive(entry)) return;
    const now = this.nowUs();
    if (entry.nextUs > now) {
      this.schedule(entry); // woke early: wait again
      return;
    }
    // Deliver every due firing; fire() reschedules the entry (a new handle) before the handler runs.
    while (this.isLive(entry) && entry.nextUs <= now) {
      this.clearHandle(entry);
      const event = this.fire(entry);
      this.dispatch(entry, event);
    }
  }

  /** Cancels every timer; the clock still tells time. */
  dispose(): void {
    this.cancelTimers();
  }
}
