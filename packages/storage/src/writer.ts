/**
 * The event writer: takes the normalized event stream with back-pressure, commits it in
 * batched transactions, and acknowledges each event only once it is committed.
 *
 * Guarantee: an event whose `write()` promise resolved (or that was counted by `onCommit`) is in
 * the database, and stays there if the process is killed right after (SQLite WAL with
 * `synchronous = NORMAL` survives a process kill; `synchronous: 'full'` also survives power
 * loss; PostgreSQL commits are durable). An event not yet acknowledged may be missing after a
 * crash; nothing else is.
 *
 * @module
 */

import type { MarketEvent } from '@tickerml/core';
import { WriterClosedError, WriterFailedError } from './errors.js';

/** Where the writer commits batches: {@link SqliteStore} and `PostgresStore` (in `@tickerml/storage/postgres`) both fit. */
export interface EventSink {
  /** Commits `events` atomically; returns (or resolves) only once they are durable. */
  writeEvents(events: readonly MarketEvent[]): void | Promise<void>;
}

/** Options of {@link EventWriter}. */
export interface EventWriterOptions {
  /** Most events held in memory waiting to be committed; `write()` waits for room beyond it. Default 10,000. */
  readonly maxQueuedEvents?: number;
  /** Most events committed in one transaction. Default 5,000. */
  readonly maxBatchEvents?: number;
  /** Called after each committed batch with the total committed so far and the batch's last event. */
  readonly onCommit?: (committedTotal: number, lastEvent: MarketEvent) => void;
}

interface Pending {
  readonly event: MarketEvent;
  resolve: (() => void) | undefined;
  reject: ((error: unknown) => void) | undefined;
}

/**
 * Batches events into transactions on a sink, with a bounded queue.
 *
 * @example
 * const writer = new EventWriter(SqliteStore.open('ticks.db', { instruments }));
 * installSignalHandlers(writer);
 * await writer.pipeFrom(feed); // back-pressure: waits whenever the queue is full
 * await writer.close();
 */
export class EventWriter {
  readonly #sink: EventSink;
  readonly #maxQueued: number;
  readonly #maxBatch: number;
  readonly #onCommit: ((committedTotal: number, lastEvent: MarketEvent) => void) | undefined;
  readonly #queue: Pending[] = [];
  #head = 0;
  #flushing: Promise<void> | undefined;
  #scheduled = false;
  #closed = false;
  #failure: WriterFailedError | undefined;
  #committed = 0;
  readonly #roomWaiters: (() => void)[] = [];
  readonly #idleWaiters: (() => void)[] = [];

  constructor(sink: EventSink, options: EventWriterOptions = {}) {
    this.#sink = sink;
    this.#maxQueued = options.maxQueuedEvents ?? 10_000;
    this.#maxBatch = options.maxBatchEvents ?? 5_000;
    this.#onCommit = options.onCommit;
    if (!(this.#maxQueued >= 1 && this.#maxBatch >= 1))
      throw new RangeError('maxQueuedEvents and maxBatchEvents must be at least 1');
  }

  /** Events committed (acknowledged) so far. */
  get committedCount(): number {
    return this.#committed;
  }

  /** Events accepted and not yet committed. */
  get queuedCount(): number {
    return this.#queue.length - this.#head;
  }

  /** Whether `write()` would be queued at once (the queue has room). */
  get hasRoom(): boolean {
    return this.queuedCount < this.#maxQueued;
  }

  /** Resolves once the queue has room (at once if it has). Rejects if the writer failed. */
  async waitForRoom(): Promise<void> {
    while (!this.hasRoom) {
      if (this.#failure) throw this.#failure;
      await new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
    }
    if (this.#failure) throw this.#failure;
  }

  /**
   * Queues one event; the promise resolves when it is committed (acknowledged). If the queue is
   * full it first waits for room.
   *
   * @throws {WriterClosedError} if the writer is closing or closed.
   * @throws {WriterFailedError} if a batch could not be committed (the cause says why).
   */
  async write(event: MarketEvent): Promise<void> {
    if (this.#closed) throw new WriterClosedError();
    if (!this.hasRoom) await this.waitForRoom();
    if (this.#closed) throw new WriterClosedError();
    if (this.#failure) throw this.#failure;
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ event, resolve, reject });
      this.#schedule();
    });
  }

  /**
   * Queues one event and resolves as soon as it is queued (waiting for room when the queue is
   * full), not when it is committed: the back-pressure of {@link write} without holding a
   * promise per event until the commit. Use it as an event-bus handler so the bus slows down
   * exactly when storage does; `committedCount` / `onCommit` tell what is acknowledged.
   *
   * @throws {WriterClosedError} if the writer is closing or closed.
   * @throws {WriterFailedError} if a batch could not be committed.
   * @example
   * bus.subscribe('trades', (event) => writer.push(event));
   */
  async push(event: MarketEvent): Promise<void> {
    if (this.#closed) throw new WriterClosedError();
    if (!this.hasRoom) await this.waitForRoom();
    if (this.#closed) throw new WriterClosedError();
    if (this.#failure) throw this.#failure;
    this.#queue.push({ event, resolve: undefined, reject: undefined });
    this.#schedule();
  }

  /**
   * Writes every event of `source`, waiting whenever the queue is full (back-pressure), and
   * resolves once all of them are committed. Returns how many events were written. If the
   * writer is closed meanwhile (for instance by a signal), it stops reading the source, commits
   * what it took, and returns that count.
   *
   * @throws {WriterFailedError} if a batch could not be committed.
   */
  async pipeFrom(source: Iterable<MarketEvent> | AsyncIterable<MarketEvent>): Promise<number> {
    let count = 0;
    if (Symbol.iterator in source) {
      // A synchronous source: no promise per event, awaiting only when the queue is full.
      for (const event of source) {
        let admitted = this.#admit();
        if (admitted instanceof Promise) admitted = await admitted;
        if (!admitted) break;
        this.#queue.push({ event, resolve: undefined, reject: undefined });
        count++;
      }
    } else {
      for await (const event of source) {
        let admitted = this.#admit();
        if (admitted instanceof Promise) admitted = await admitted;
        if (!admitted) break;
        this.#queue.push({ event, resolve: undefined, reject: undefined });
        count++;
      }
    }
    await this.flush();
    return count;
  }

  /** Schedules a commit and waits while the queue is full; false once the writer is closed. */
  #admit(): boolean | Promise<boolean> {
    this.#schedule();
    if (this.#closed) return false;
    if (this.#failure) throw this.#failure;
    if (this.hasRoom) return true;
    return this.waitForRoom().then(() => !this.#closed);
  }

  /** Resolves once everything queued so far is committed. */
  async flush(): Promise<void> {
    while (this.queuedCount > 0 || this.#flushing !== undefined || this.#scheduled) {
      if (this.#failure) throw this.#failure;
      await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    }
    if (this.#failure) throw this.#failure;
  }

  /** Stops accepting events, commits everything already queued, and resolves when done. Safe to call twice. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  #schedule(): void {
    if (this.#scheduled || this.#flushing !== undefined) return;
    this.#scheduled = true;
    // Let the current turn of the event loop queue more events, then commit them together.
    setImmediate(() => {
      this.#scheduled = false;
      this.#flushing = this.#drain().finally(() => {
        this.#flushing = undefined;
        // Events queued while the last batch was finishing would otherwise wait for the next write.
        if (this.queuedCount > 0 && this.#failure === undefined) this.#schedule();
        for (const wake of this.#idleWaiters.splice(0)) wake();
      });
    });
  }

  async #drain(): Promise<void> {
    while (this.queuedCount > 0 && this.#failure === undefined) {
      const end = Math.min(this.#queue.length, this.#head + this.#maxBatch);
      const batch = this.#queue.slice(this.#head, end);
      const events = batch.map((p) => p.event);
      try {
        await this.#sink.writeEvents(events);
      } catch (error) {
        this.#fail(error);
        return;
      }
      this.#head = end;
      this.#committed += batch.length;
      if (this.#head > 4096 && this.#head * 2 > this.#queue.length) {
        this.#queue.splice(0, this.#head);
        this.#head = 0;
      }
      this.#onCommit?.(this.#committed, events[events.length - 1] as MarketEvent);
      for (const pending of batch) pending.resolve?.();
      for (const wake of this.#roomWaiters.splice(0)) wake();
      // Give producers a turn so the next batch can fill up.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  #fail(error: unknown): void {
    this.#failure = new WriterFailedError(error);
    const unacknowledged = this.#queue.splice(this.#head);
    this.#queue.length = 0;
    this.#head = 0;
    for (const pending of unacknowledged) pending.reject?.(this.#failure);
    for (const wake of this.#roomWaiters.splice(0)) wake();
  }
}

/** Options of {@link installSignalHandlers}. */
export interface SignalHandlerOptions {
  /** Signals to handle. Default `['SIGINT', 'SIGTERM']`. */
  readonly signals?: readonly NodeJS.Signals[];
  /** Runs after the writer is flushed and closed (close the store here). */
  readonly onClosed?: () => void | Promise<void>;
  /** Exit the process after closing, with code 0 (or 1 if the flush failed). Default true. */
  readonly exit?: boolean;
}

/**
 * On SIGINT/SIGTERM: stop accepting events, commit everything queued, run `onClosed`, then exit.
 * Returns a function that removes the handlers.
 *
 * @example
 * const remove = installSignalHandlers(writer, { onClosed: () => store.close() });
 */
export function installSignalHandlers(writer: EventWriter, options: SignalHandlerOptions = {}): () => void {
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  let closing: Promise<void> | undefined;
  const handler = (): void => {
    if (closing !== undefined) return;
    closing = (async () => {
      let code = 0;
      try {
        await writer.close();
      } catch {
        code = 1;
      }
      try {
        await options.onClosed?.();
      } catch {
        code = 1;
      }
      if (options.exit ?? true) process.exit(code);
    })();
  };
  for (const signal of signals) process.on(signal, handler);
  return () => {
    for (const signal of signals) process.off(signal, handler);
  };
}
