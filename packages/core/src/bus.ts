/**
 * Publish/subscribe by topic with back-pressure. {@link EventBus} is the interface every bus
 * implements (the in-process one here; Kafka in `@tickerml/streaming`).
 *
 * @module
 */

import { BusClosedError, BusOverflowError, InvalidArgumentError, SubscriberFailedError } from './errors.js';

/**
 * What a subscription does when its buffer is full:
 * - `block`: `publish` waits (its promise stays pending) until the subscriber has room, slowing the producer;
 * - `error`: `publish` rejects with {@link BusOverflowError} and the message is not accepted by anyone.
 * Either way nothing is dropped silently.
 */
export const OverflowPolicy = { Block: 'block', Error: 'error' } as const;
/** One of {@link OverflowPolicy}'s values. */
export type OverflowPolicy = (typeof OverflowPolicy)[keyof typeof OverflowPolicy];

/**
 * When the in-process bus calls a subscriber's handler:
 * - `microtask`: on a later microtask, after the code that published returns (every handler runs
 *   outside `publish`);
 * - `synchronous`: inside `publish` when the subscriber is idle (nothing buffered, no handler
 *   running), on the next microtask otherwise. Saves the hop from the producer to the handler,
 *   which matters when a producer publishes many messages in one go (a socket read of many
 *   frames): each message is handled before the next one is published instead of after all of
 *   them. Ordering and back-pressure are the same as with `microtask`.
 */
export const Delivery = { Microtask: 'microtask', Synchronous: 'synchronous' } as const;
/** One of {@link Delivery}'s values. */
export type Delivery = (typeof Delivery)[keyof typeof Delivery];

/** Options of {@link InProcessBus}. */
export interface InProcessBusOptions {
  /**
   * When handlers run (see {@link Delivery}). Defaults to `microtask`. With `synchronous`, a
   * handler that throws during `publish` is treated as it would be later (`onError`, or the
   * subscription fails and the next `publish` rejects): `publish` itself still resolves, since
   * the message was accepted.
   */
  readonly delivery?: Delivery;
}

/** Options of {@link EventBus.publish}. */
export interface PublishOptions {
  /** Partitioning key (Kafka message key, e.g. `binanceus:BTC/USDT`); carried to handlers. */
  readonly key?: string;
}

/**
 * Where a delivered message came from. The in-process bus reuses one object per subscription:
 * it is valid until the handler returns (or its promise settles); copy what you keep.
 */
export interface MessageMeta {
  readonly topic: string;
  /** The key given to `publish`, if any. */
  readonly key: string | undefined;
  /** Position of the message in its topic: 0, 1, 2, … in acceptance order. */
  readonly offset: number;
}

/** Handles one message; a returned promise is awaited before the next message of the subscription. */
export type MessageHandler<T> = (message: T, meta: MessageMeta) => void | Promise<void>;

/** Options of {@link EventBus.subscribe}. */
export interface SubscribeOptions<T> {
  /** Messages buffered for this subscriber beyond the one being handled. Defaults to 1024. */
  readonly bufferSize?: number;
  /** What happens when the buffer is full. Defaults to `block`. */
  readonly overflow?: OverflowPolicy;
  /**
   * Called when the handler throws; delivery then continues with the next message. Without it,
   * the subscription stops and every later `publish` to the topic (and `close`) rejects with
   * {@link SubscriberFailedError} until it is unsubscribed.
   */
  readonly onError?: (error: unknown, message: T, meta: MessageMeta) => void;
  /** A name for messages and metrics (a consumer group, later). Defaults to `<topic>#<n>`. */
  readonly id?: string;
}

/** A live subscription. */
export interface Subscription {
  readonly id: string;
  readonly topic: string;
  /** Messages accepted but not yet handed to the handler. */
  readonly buffered: number;
  /**
   * Resolves once every message published from now on will reach this subscription (at once in
   * process; after the consumer group has joined and been assigned partitions for Kafka).
   */
  readonly ready: Promise<void>;
  /** Stops receiving new messages; resolves once the messages already accepted are handled. */
  unsubscribe(): Promise<void>;
}

/**
 * A topic-based publish/subscribe bus with back-pressure.
 *
 * - `publish` resolves when every current subscriber of the topic has accepted the message
 *   (buffered it); with the `block` policy a full subscriber keeps the promise pending, so a
 *   producer that awaits `publish` runs at the pace of its slowest subscriber. Messages on a topic
 *   are accepted, and delivered to each subscriber, in `publish` call order.
 * - Each subscription handles its messages one at a time, in order.
 * - `close` stops new publishes, lets everything accepted be handled, and reports failures.
 *
 * @example
 * ```ts
 * const bus: EventBus<Trade> = new InProcessBus<Trade>();
 * const sub = bus.subscribe('trades', async (trade, meta) => { await store(trade); }, { bufferSize: 10_000 });
 * await bus.publish('trades', trade, { key: 'binanceus:BTC/USDT' });
 * await sub.unsubscribe();
 * await bus.close();
 * ```
 */
export interface EventBus<T> {
  /**
   * Offers `message` to every subscriber of `topic`; a topic without subscribers accepts and discards it.
   * @throws {@link BusClosedError} after `close()`.
   * @throws {@link BusOverflowError} when an `error`-policy subscriber is full (no subscriber got the message).
   * @throws {@link SubscriberFailedError} when a subscriber of the topic has failed.
   */
  publish(topic: string, message: T, options?: PublishOptions): Promise<void>;
  /**
   * Delivers each message later published to `topic` to `handler`.
   * @throws {@link BusClosedError} after `close()`.
   */
  subscribe(topic: string, handler: MessageHandler<T>, options?: SubscribeOptions<T>): Subscription;
  /**
   * Refuses new publishes, waits until all accepted messages are handled, then resolves.
   * @throws {@link SubscriberFailedError} when a subscriber failed (after everything else drained).
   */
  close(): Promise<void>;
}

interface PendingPublish<T> {
  readonly message: T;
  readonly key: string | undefined;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

interface TopicState<T> {
  readonly topic: string;
  subscribers: SubscriptionImpl<T>[];
  nextOffset: number;
  /** Publishes waiting for room, in call order. */
  readonly pending: PendingPublish<T>[];
}

const RESOLVED: Promise<void> = Promise.resolve();

class SubscriptionImpl<T> implements Subscription {
  readonly ready: Promise<void> = RESOLVED;
  readonly id: string;
  readonly topic: string;
  readonly capacity: number;
  readonly overflow: OverflowPolicy;
  private readonly handler: MessageHandler<T>;
  private readonly onError: ((error: unknown, message: T, meta: MessageMeta) => void) | undefined;
  private readonly bus: InProcessBus<T>;
  private readonly state: TopicState<T>;
  // Ring buffer of accepted messages.
  private readonly messages: (T | undefined)[];
  private readonly keys: (string | undefined)[];
  private readonly offsets: number[];
  private head = 0;
  private count = 0;
  private running = false;
  private readonly meta: { topic: string; key: string | undefined; offset: number };
  private idleWaiters: (() => void)[] = [];
  failure: unknown = undefined;
  failed = false;
  detached = false;

  constructor(
    bus: InProcessBus<T>,
    state: TopicState<T>,
    id: string,
    handler: MessageHandler<T>,
    options: SubscribeOptions<T>,
  ) {
    const capacity = options.bufferSize ?? 1024;
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new InvalidArgumentError(String(capacity), 'a bufferSize (a positive integer number of messages)');
    }
    this.bus = bus;
    this.state = state;
    this.id = id;
    this.topic = state.topic;
    this.capacity = capacity;
    this.overflow = options.overflow ?? OverflowPolicy.Block;
    this.handler = handler;
    this.onError = options.onError;
    this.messages = new Array<T | undefined>(capacity);
    this.keys = new Array<string | undefined>(capacity);
    this.offsets = new Array<number>(capacity).fill(0);
    this.meta = { topic: state.topic, key: undefined, offset: 0 };
  }

  get buffered(): number {
    return this.count;
  }

  isFull(): boolean {
    return this.count >= this.capacity;
  }

  /**
   * Buffers `message`. When the subscription was idle it starts delivering: at once if
   * `startNow` is given (the caller runs it with {@link run} after every subscriber of the
   * topic has the message), else on the next microtask.
   */
  enqueue(message: T, key: string | undefined, offset: number, startNow: SubscriptionImpl<T>[] | undefined): void {
    const tail = (this.head + this.count) % this.capacity;
    this.messages[tail] = message;
    this.keys[tail] = key;
    this.offsets[tail] = offset;
    this.count++;
    if (!this.running) {
      this.running = true;
      if (startNow !== undefined) startNow.push(this);
      else RESOLVED.then(() => this.run());
    }
  }

  /**
   * Hands buffered messages to the handler one at a time. Synchronous handlers are called in a
   * plain loop; a handler that returns a promise suspends the loop until it settles.
   * @internal
   */
  run(): void {
    while (this.count > 0 && !this.failed) {
      const i = this.head;
      const message = this.messages[i] as T;
      this.messages[i] = undefined;
      this.meta.key = this.keys[i];
      this.meta.offset = this.offsets[i] as number;
      this.head = (i + 1) % this.capacity;
      this.count--;
      this.bus.roomFreed(this.state);
      let result: void | Promise<void>;
      try {
        result = this.handler(message, this.meta);
      } catch (error) {
        this.handlerFailed(error, message);
        continue;
      }
      if (result !== undefined && typeof (result as Promise<void>).then === 'function') {
        (result as Promise<void>).then(
          () => this.run(),
          (error: unknown) => {
            this.handlerFailed(error, message);
            this.run();
          },
        );
        return;
      }
    }
    this.running = false;
    const waiters = this.idleWaiters;
    if (waiters.length > 0) {
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  private handlerFailed(error: unknown, message: T): void {
    if (this.onError === undefined) {
      this.fail(error);
      return;
    }
    try {
      this.onError(error, message, this.meta);
    } catch (handlerError) {
      this.fail(handlerError);
    }
  }

  private fail(error: unknown): void {
    this.failed = true;
    this.failure = new SubscriberFailedError(this.topic, this.id, error);
    // Wake publishers blocked on this subscriber: they now reject with the failure.
    this.bus.roomFreed(this.state);
  }

  /** Resolves when nothing is buffered or in flight (or the subscription failed). */
  whenIdle(): Promise<void> {
    if ((this.count === 0 || this.failed) && !this.running) return RESOLVED;
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  unsubscribe(): Promise<void> {
    if (!this.detached) {
      this.detached = true;
      this.bus.detach(this.state, this);
    }
    return this.whenIdle();
  }
}

/**
 * The in-process {@link EventBus}: bounded per-subscriber ring buffers, ordered delivery,
 * back-pressure by `block` or `error` policy. No allocation per message beyond the promise
 * `publish` returns when it has to wait.
 *
 * @example
 * ```ts
 * const bus = new InProcessBus<BookDelta>();
 * bus.subscribe('book', (delta) => book.apply(delta), { bufferSize: 4096, overflow: 'block' });
 * for await (const delta of feed) await bus.publish('book', delta);
 * await bus.close();
 * ```
 */
export class InProcessBus<T> implements EventBus<T> {
  /** When handlers run (see {@link Delivery}). */
  readonly delivery: Delivery;
  private readonly topics = new Map<string, TopicState<T>>();
  private closed = false;
  private subscriptionCount = 0;
  /** True while handlers run inside `publish`: a publish from such a handler is delivered on a microtask. */
  private delivering = false;

  /** @throws {@link InvalidArgumentError} for an unknown `delivery`. */
  constructor(options: InProcessBusOptions = {}) {
    const delivery = options.delivery ?? Delivery.Microtask;
    if (delivery !== Delivery.Microtask && delivery !== Delivery.Synchronous) {
      throw new InvalidArgumentError(String(delivery), "a delivery ('microtask' or 'synchronous')");
    }
    this.delivery = delivery;
  }

  publish(topic: string, message: T, options?: PublishOptions): Promise<void> {
    if (this.closed) return Promise.reject(new BusClosedError(`cannot publish to '${topic}': the bus is closed`));
    const state = this.topics.get(topic);
    if (state === undefined) return RESOLVED;
    const key = options?.key;
    if (state.pending.length === 0) {
      // Synchronous delivery: every subscriber gets the message first, then the idle ones run
      // (a handler that publishes to the same topic buffers behind it, in order, everywhere).
      const startNow: SubscriptionImpl<T>[] | undefined =
        this.delivery === Delivery.Synchronous && !this.delivering ? [] : undefined;
      let accepted: boolean;
      try {
        accepted = this.tryAccept(state, message, key, startNow);
      } catch (error) {
        return Promise.reject(error);
      }
      if (startNow !== undefined && startNow.length > 0) {
        this.delivering = true;
        try {
          for (const subscription of startNow) subscription.run();
        } finally {
          this.delivering = false;
        }
      }
      if (accepted) return RESOLVED;
    }
    return new Promise<void>((resolve, reject) => {
      state.pending.push({ message, key, resolve, reject });
    });
  }

  subscribe(topic: string, handler: MessageHandler<T>, options: SubscribeOptions<T> = {}): Subscription {
    if (this.closed) throw new BusClosedError(`cannot subscribe to '${topic}': the bus is closed`);
    let state = this.topics.get(topic);
    if (state === undefined) {
      state = { topic, subscribers: [], nextOffset: 0, pending: [] };
      this.topics.set(topic, state);
    }
    const id = options.id ?? `${topic}#${++this.subscriptionCount}`;
    const subscription = new SubscriptionImpl(this, state, id, handler, options);
    state.subscribers = [...state.subscribers, subscription];
    return subscription;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (;;) {
      const waits: Promise<void>[] = [];
      let pending = 0;
      for (const state of this.topics.values()) {
        pending += state.pending.length;
        for (const subscriber of state.subscribers) waits.push(subscriber.whenIdle());
      }
      await Promise.all(waits);
      let stillBusy = pending > 0;
      for (const state of this.topics.values()) {
        if (state.pending.length > 0) stillBusy = true;
        for (const subscriber of state.subscribers) if (subscriber.buffered > 0 && !subscriber.failed) stillBusy = true;
      }
      if (!stillBusy) break;
    }
    for (const state of this.topics.values()) {
      for (const subscriber of state.subscribers) if (subscriber.failed) throw subscriber.failure;
    }
  }

  /**
   * Enqueues into every subscriber if all have room; false when a `block` subscriber is full.
   * Throws (accepting nothing) on a failed subscriber or a full `error` subscriber.
   */
  private tryAccept(
    state: TopicState<T>,
    message: T,
    key: string | undefined,
    startNow?: SubscriptionImpl<T>[],
  ): boolean {
    const subscribers = state.subscribers;
    let blocked = false;
    for (let i = 0; i < subscribers.length; i++) {
      const subscriber = subscribers[i] as SubscriptionImpl<T>;
      if (subscriber.failed) throw subscriber.failure;
      if (subscriber.isFull()) {
        if (subscriber.overflow === OverflowPolicy.Error) {
          throw new BusOverflowError(state.topic, subscriber.id, subscriber.capacity);
        }
        blocked = true;
      }
    }
    if (blocked) return false;
    const offset = state.nextOffset++;
    for (let i = 0; i < subscribers.length; i++)
      (subscribers[i] as SubscriptionImpl<T>).enqueue(message, key, offset, startNow);
    return true;
  }

  /**
   * A subscriber of `state` made room, failed or left: accept waiting publishes in order.
   * @internal
   */
  roomFreed(state: TopicState<T>): void {
    const pending = state.pending;
    while (pending.length > 0) {
      const next = pending[0] as PendingPublish<T>;
      let accepted: boolean;
      try {
        accepted = this.tryAccept(state, next.message, next.key);
      } catch (error) {
        pending.shift();
        next.reject(error);
        continue;
      }
      if (!accepted) return;
      pending.shift();
      next.resolve();
    }
  }

  /** @internal */
  detach(state: TopicState<T>, subscription: SubscriptionImpl<T>): void {
    state.subscribers = state.subscribers.filter((s) => s !== subscription);
    this.roomFreed(state);
  }
}
