/**
 * Replay merge: many timestamp-ordered event streams into one, ordered by `localTs`
 * (what the bot saw, when it saw it).
 *
 * @module
 */

import { InvalidArgumentError, OutOfOrderError } from './errors.js';

/** The {@link OutOfOrderError} of input `index` (named `name`) of a merge with reorder window `windowUs`. */
function streamOutOfOrder(
  index: number,
  previousTsUs: number,
  tsUs: number,
  windowUs: number,
  name: string | undefined,
): OutOfOrderError {
  return new OutOfOrderError(`stream ${index}${name === undefined ? '' : ` (${name})`}`, previousTsUs, tsUs, {
    streamIndex: index,
    ...(windowUs > 0 ? { note: ` (beyond the reorder window of ${windowUs} µs)` } : {}),
  });
}

/** Anything stamped with a local receive time in microseconds. */
export interface LocalTimestamped {
  /** When it was received, microseconds since the epoch. */
  readonly localTs: number;
}

/** Options of {@link mergeByLocalTs} and {@link mergeByLocalTsSync}. */
export interface MergeOptions {
  /**
   * Tolerated disorder within each input, in microseconds. Defaults to 0: an input that goes
   * back in time throws {@link OutOfOrderError}. With `W > 0`, each input is held in a buffer and
   * an event is released once the input has shown an event at least `W` µs later (or ended), so
   * events up to `W` µs older than the newest seen on that input are put back in order (ties keep
   * arrival order); an event older than that still throws. Memory grows with the number of events
   * inside a window, and output lags each input by `W` µs of its own stamps.
   */
  readonly reorderWindowUs?: number;
  /** Names of the inputs, used in errors (e.g. `['binanceus:book', 'binanceus:trades']`). */
  readonly names?: readonly string[];
}

/**
 * A binary min-heap of stream indices keyed by (head `localTs`, stream index): O(log k) per
 * operation and no allocation once built.
 */
class StreamHeap {
  private readonly heap: number[] = [];
  private readonly keys: number[];

  constructor(k: number) {
    this.keys = new Array<number>(k).fill(0);
  }

  get size(): number {
    return this.heap.length;
  }

  private less(a: number, b: number): boolean {
    const ka = this.keys[a] as number;
    const kb = this.keys[b] as number;
    return ka < kb || (ka === kb && a < b);
  }

  push(stream: number, key: number): void {
    this.keys[stream] = key;
    const heap = this.heap;
    let i = heap.length;
    heap.push(stream);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as number;
      if (!this.less(stream, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = stream;
  }

  /** Removes and returns the stream with the smallest key. Callers check `size` first. */
  pop(): number {
    const heap = this.heap;
    const top = heap[0] as number;
    const last = heap.pop() as number;
    const n = heap.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        let child = left;
        const right = left + 1;
        if (right < n && this.less(heap[right] as number, heap[left] as number)) child = right;
        const c = heap[child] as number;
        if (!this.less(c, last)) break;
        heap[i] = c;
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }
}

function checkStamp(ts: number, index: number): void {
  if (!Number.isFinite(ts)) {
    throw new InvalidArgumentError(String(ts), `a localTs in microseconds (stream ${index})`);
  }
}

/**
 * Per-input reorder buffer for {@link MergeOptions.reorderWindowUs}: a min-heap by
 * (localTs, arrival order).
 */
class ReorderBuffer<T extends LocalTimestamped> {
  private readonly items: T[] = [];
  private readonly arrivals: number[] = [];
  private arrival = 0;
  private maxSeenUs = Number.NEGATIVE_INFINITY;
  private lastReleasedUs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly windowUs: number,
    private readonly index: number,
    private readonly name: string | undefined,
  ) {}

  get size(): number {
    return this.items.length;
  }

  add(event: T): void {
    const ts = event.localTs;
    checkStamp(ts, this.index);
    if (ts < this.maxSeenUs - this.windowUs || ts < this.lastReleasedUs) {
      throw streamOutOfOrder(this.index, this.maxSeenUs, ts, this.windowUs, this.name);
    }
    if (ts > this.maxSeenUs) this.maxSeenUs = ts;
    const items = this.items;
    const arrivals = this.arrivals;
    const seq = this.arrival++;
    let i = items.length;
    items.push(event);
    arrivals.push(seq);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent] as T;
      const pa = arrivals[parent] as number;
      if (p.localTs < ts || (p.localTs === ts && pa < seq)) break;
      items[i] = p;
      arrivals[i] = pa;
      i = parent;
    }
    items[i] = event;
    arrivals[i] = seq;
  }

  /** True when the oldest held event may be released (`flush`: the input has ended). */
  ready(flush: boolean): boolean {
    const top = this.items[0];
    return top !== undefined && (flush || top.localTs <= this.maxSeenUs - this.windowUs);
  }

  take(): T {
    const items = this.items;
    const arrivals = this.arrivals;
    const top = items[0] as T;
    const last = items.pop() as T;
    const lastArrival = arrivals.pop() as number;
    const n = items.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        let child = left;
        const right = left + 1;
        const l = items[left] as T;
        if (right < n) {
          const r = items[right] as T;
          if (
            r.localTs < l.localTs ||
            (r.localTs === l.localTs && (arrivals[right] as number) < (arrivals[left] as number))
          ) {
            child = right;
          }
        }
        const c = items[child] as T;
        const ca = arrivals[child] as number;
        if (last.localTs < c.localTs || (last.localTs === c.localTs && lastArrival < ca)) break;
        items[i] = c;
        arrivals[i] = ca;
        i = child;
      }
      items[i] = last;
      arrivals[i] = lastArrival;
    }
    this.lastReleasedUs = top.localTs;
    return top;
  }
}

function windowOf(options: MergeOptions | undefined): number {
  const windowUs = options?.reorderWindowUs ?? 0;
  if (!Number.isSafeInteger(windowUs) || windowUs < 0) {
    throw new InvalidArgumentError(
      String(windowUs),
      'a reorderWindowUs (a non-negative integer number of microseconds)',
    );
  }
  return windowUs;
}

function* reorderSync<T extends LocalTimestamped>(
  source: Iterable<T>,
  windowUs: number,
  index: number,
  name: string | undefined,
): Generator<T> {
  const buffer = new ReorderBuffer<T>(windowUs, index, name);
  for (const event of source) {
    buffer.add(event);
    while (buffer.ready(false)) yield buffer.take();
  }
  while (buffer.ready(true)) yield buffer.take();
}

async function* reorderAsync<T extends LocalTimestamped>(
  source: AsyncIterable<T> | Iterable<T>,
  windowUs: number,
  index: number,
  name: string | undefined,
): AsyncGenerator<T> {
  const buffer = new ReorderBuffer<T>(windowUs, index, name);
  for await (const event of source) {
    buffer.add(event);
    while (buffer.ready(false)) yield buffer.take();
  }
  while (buffer.ready(true)) yield buffer.take();
}

/**
 * Merges timestamp-ordered synchronous inputs (arrays, generators) into one sequence ordered by
 * `localTs`; equal stamps come in input order (stream 0 first), and within one input in their
 * original order. O(log k) per event for k inputs; inputs are read lazily, one event ahead.
 *
 * @param streams - inputs, each non-decreasing in `localTs` (or within the reorder window).
 * @throws {@link OutOfOrderError} naming the input and both stamps when an input goes back in time.
 * @throws {@link InvalidArgumentError} when an event's `localTs` is not a finite number.
 * @example
 * ```ts
 * const merged = [...mergeByLocalTsSync([bookEvents, tradeEvents])];
 * ```
 */
export function* mergeByLocalTsSync<T extends LocalTimestamped>(
  streams: readonly Iterable<T>[],
  options?: MergeOptions,
): Generator<T, void, undefined> {
  const windowUs = windowOf(options);
  const names = options?.names;
  const iterators = streams.map((stream, index) =>
    (windowUs > 0 ? reorderSync(stream, windowUs, index, names?.[index]) : stream)[Symbol.iterator](),
  );
  const heads: (T | undefined)[] = new Array(iterators.length);
  const heap = new StreamHeap(iterators.length);
  const done: boolean[] = new Array<boolean>(iterators.length).fill(false);
  try {
    for (let i = 0; i < iterators.length; i++) {
      const result = (iterators[i] as Iterator<T>).next();
      if (result.done === true) {
        done[i] = true;
        continue;
      }
      checkStamp(result.value.localTs, i);
      heads[i] = result.value;
      heap.push(i, result.value.localTs);
    }
    while (heap.size > 0) {
      const i = heap.pop();
      const event = heads[i] as T;
      heads[i] = undefined;
      yield event;
      const result = (iterators[i] as Iterator<T>).next();
      if (result.done === true) {
        done[i] = true;
        continue;
      }
      const ts = result.value.localTs;
      checkStamp(ts, i);
      if (ts < event.localTs) throw streamOutOfOrder(i, event.localTs, ts, windowUs, names?.[i]);
      heads[i] = result.value;
      heap.push(i, ts);
    }
  } finally {
    for (let i = 0; i < iterators.length; i++) if (!done[i]) (iterators[i] as Iterator<T>).return?.();
  }
}

/**
 * Merges timestamp-ordered async inputs (WebSocket feeds, file readers, Kafka consumers) into one
 * stream ordered by `localTs`; equal stamps come in input order (stream 0 first). O(log k) per
 * event for k inputs. The first event of every input is awaited concurrently; after that only
 * the input whose event was just emitted is read. Leaving the loop early closes every input.
 *
 * @param streams - async or sync iterables, each non-decreasing in `localTs` (or within the reorder window).
 * @throws {@link OutOfOrderError} naming the input and both stamps when an input goes back in time.
 * @throws {@link InvalidArgumentError} when an event's `localTs` is not a finite number.
 * @example
 * ```ts
 * for await (const event of mergeByLocalTs([readRecording('book.jsonl'), readRecording('trades.jsonl')])) {
 *   engine.onEvent(event);
 * }
 * ```
 */
export async function* mergeByLocalTs<T extends LocalTimestamped>(
  streams: readonly (AsyncIterable<T> | Iterable<T>)[],
  options?: MergeOptions,
): AsyncGenerator<T, void, undefined> {
  const windowUs = windowOf(options);
  const names = options?.names;
  const iterators: (AsyncIterator<T> | Iterator<T>)[] = streams.map((stream, index) => {
    const source = windowUs > 0 ? reorderAsync(stream, windowUs, index, names?.[index]) : stream;
    return Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  });
  const heads: (T | undefined)[] = new Array(iterators.length);
  const heap = new StreamHeap(iterators.length);
  const done: boolean[] = new Array<boolean>(iterators.length).fill(false);
  try {
    const firsts = await Promise.allSettled(iterators.map((iterator) => iterator.next()));
    for (let i = 0; i < firsts.length; i++) {
      const settled = firsts[i] as PromiseSettledResult<IteratorResult<T>>;
      if (settled.status === 'rejected') {
        done[i] = true;
        throw settled.reason;
      }
      if (settled.value.done === true) {
        done[i] = true;
        continue;
      }
      checkStamp(settled.value.value.localTs, i);
      heads[i] = settled.value.value;
      heap.push(i, settled.value.value.localTs);
    }
    while (heap.size > 0) {
      const i = heap.pop();
      const event = heads[i] as T;
      heads[i] = undefined;
      yield event;
      let result: IteratorResult<T>;
      try {
        result = await (iterators[i] as AsyncIterator<T>).next();
      } catch (error) {
        done[i] = true;
        throw error;
      }
      if (result.done === true) {
        done[i] = true;
        continue;
      }
      const ts = result.value.localTs;
      checkStamp(ts, i);
      if (ts < event.localTs) throw streamOutOfOrder(i, event.localTs, ts, windowUs, names?.[i]);
      heads[i] = result.value;
      heap.push(i, ts);
    }
  } finally {
    await Promise.allSettled(iterators.map((iterator, i) => (done[i] ? undefined : iterator.return?.())));
  }
}
