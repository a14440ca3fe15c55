/**
 * A consumer-group member of the Kafka bus.
 *
 * @module
 */
import type {
  MarketEvent,
  MessageMeta,
  MetricsRegistry,
  SubscribeOptions,
  Subscription,
  TimerProvider,
} from '@tickerml/core';
import type { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import type { Gauge } from 'prom-client';
import { type BusMessage, decodeRecord, encodeMessage, isMarketEvent } from './codec.js';
import { SequenceTracker } from './dedupe.js';
import { deadLetterHeaders, errorName, errorText } from './dlq.js';
import { BrokerUnreachableError, HandlerFailedError, KafkaOptionsError } from './errors.js';
import { SequenceStore, type SequenceStoreIo, sequenceTopicName } from './sequence-store.js';

/** Where a message came from, passed to the handler beside it (core's `MessageMeta` and more). */
export interface KafkaMessageMeta extends MessageMeta {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offset within the partition. */
  readonly offset: number;
  /** The message key (`venue:symbol` for market events), or `undefined`. */
  readonly key: string | undefined;
  /** 1 on the first call for this message, 2 on the first retry, … */
  readonly attempt: number;
}

/** Handles one message; a throw (or rejection) is retried, then dead-lettered. */
export type KafkaMessageHandler<T extends BusMessage = BusMessage> = (
  message: T,
  meta: KafkaMessageMeta,
) => void | Promise<void>;

/**
 * Options of {@link KafkaBus.subscribe}: core's `SubscribeOptions` (`bufferSize` and `overflow`
 * do not apply: the backlog stays in Kafka) and the consumer-group settings.
 */
export interface KafkaSubscribeOptions<T extends BusMessage = BusMessage> extends SubscribeOptions<T> {
  /** Consumer group id. Members of one group share the topic's partitions. Default: `id`, else `<clientId>.<topic>`. */
  readonly groupId?: string;
  /** With no committed offset for the group, start at the oldest message (else the newest). Default false. */
  readonly fromBeginning?: boolean;
  /** Calls of the handler on one message before it goes to the dead-letter topic. Default 3. */
  readonly maxAttempts?: number;
  /** Wait before the first retry of a failed handler, in milliseconds; doubles each retry, at most 5,000. Default 100. */
  readonly retryBackoffMs?: number;
  /**
   * Skip market events whose venue sequence was applied already (see {@link SequenceTracker}).
   * Redelivered offsets are skipped regardless. Default true.
   */
  readonly dedupeBySequence?: boolean;
  /** The tracker of applied sequences; pass one to share or keep it across subscriptions. */
  readonly sequenceTracker?: SequenceTracker;
  /**
   * Keep the applied venue sequences in the compacted topic `<prefix>.dedupe.<group>` (prefix:
   * the bus's `dedupeTopicPrefix`, by default its client id), one record per instrument: written
   * after each batch is applied and before its offsets are committed, read back when the
   * subscription starts. A consumer that restarts, or takes over a partition, then skips by venue
   * sequence what its predecessor applied, committed or not. Only with `dedupeBySequence`.
   * Default true.
   */
  readonly persistSequences?: boolean;
  /**
   * Commit settled offsets at most this often, and at most this long after a message was settled,
   * in milliseconds. Default 1,000. Only settled offsets are committed, so a crash redelivers at
   * most about this much, and a redelivery within the process is skipped.
   */
  readonly commitIntervalMs?: number;
  /** Consumer session timeout, in milliseconds. Default 10,000. */
  readonly sessionTimeoutMs?: number;
  /** Longest wait of a fetch for new messages, in milliseconds. Default 100. */
  readonly maxWaitTimeMs?: number;
  /**
   * Told of errors the subscription survives: a message dead-lettered (with the message, when it
   * could be decoded, and its meta), a failed commit or a consumer crash it restarts from.
   */
  readonly onError?: (error: unknown, message?: T, meta?: MessageMeta) => void;
}

/** Counters of what a subscription did with the messages it received. */
export interface SubscriptionStats {
  /** Messages the handler took. */
  applied: number;
  /** Messages skipped as already applied (redelivered offsets or venue sequences). */
  duplicates: number;
  /** Messages sent to the dead-letter topic. */
  deadLettered: number;
  /** Handler calls that threw and were retried. */
  retries: number;
  /** Offset commits that failed (the next commit covers them). */
  failedCommits: number;
}

/** What the bus lends a subscription. @internal */
export interface SubscriptionHost {
  readonly kafka: Kafka;
  readonly brokers: readonly string[];
  readonly deadLetterTopic: string;
  /** Prefix of the groups' sequence topics (`<prefix>.dedupe.<group>`). */
  readonly dedupeTopicPrefix: string;
  /** Reads and writes the sequence topics. */
  readonly sequenceIo: SequenceStoreIo;
  readonly timers: TimerProvider;
  readonly retryMaxDelayMs: number;
  readonly metrics: MetricsRegistry | undefined;
  prepare(): Promise<void>;
  deadLetter(key: Buffer | null, value: Buffer | null, headers: IHeaders): Promise<void>;
  onClosed(subscription: KafkaSubscription): void;
}

/** Name of the consumer-lag gauge, without the registry's prefix (`tickerml_` by default). */
export const CONSUMER_LAG_METRIC = 'kafka_consumer_lag_messages';

/**
 * A member of a consumer group reading one topic of the Kafka bus.
 *
 * Delivery rules:
 * - messages are fetched in batches and handed to the handler one by one, in partition order;
 * - a message is settled (applied, skipped or dead-lettered) before the next one, and only
 *   settled offsets are committed (at most every `commitIntervalMs`, within `commitIntervalMs`
 *   of being settled, and on unsubscribe): a crash can redeliver, never skip;
 * - a redelivered message is skipped: by offset (per partition, the highest settled offset) and,
 *   for market events, by venue sequence ({@link SequenceTracker});
 * - a message that cannot be decoded, or whose handler throws `maxAttempts` times, is written to
 *   the dead-letter topic with the error and its topic/partition/offset in headers
 *   ({@link DLQ_HEADERS}), then the consumer goes on;
 * - after each batch the lag of the partition (log-end offset minus next offset) is set on the
 *   `tickerml_kafka_consumer_lag_messages{group,topic,partition}` gauge when the bus has a registry.
 *
 * @example
 * ```ts
 * const sub = bus.subscribe('tickerml.books', (event) => book.apply(event), { groupId: 'books' });
 * await sub.ready;
 * // …
 * await sub.unsubscribe();
 * ```
 */
export class KafkaSubscription implements Subscription {
  /** The consumer group id (also the subscription's id). */
  readonly id: string;
  /** The topic read. */
  readonly topic: string;
  /** The consumer group. */
  readonly groupId: string;
  /** Resolves once the consumer has joined its group; rejects with {@link BrokerUnreachableError} if it cannot start. */
  readonly ready: Promise<void>;
  /** What happened to the messages so far. */
  readonly stats: SubscriptionStats = { applied: 0, duplicates: 0, deadLettered: 0, retries: 0, failedCommits: 0 };
  readonly #host: SubscriptionHost;
  readonly #handler: KafkaMessageHandler<BusMessage>;
  readonly #consumer: Consumer;
  readonly #tracker: SequenceTracker | undefined;
  readonly #store: SequenceStore | undefined;
  /** The sequence-topic writes in order; offsets become committable as each is acknowledged. */
  #saveChain: Promise<void> = Promise.resolve();
  readonly #maxAttempts: number;
  readonly #retryBackoffMs: number;
  readonly #fromBeginning: boolean;
  readonly #onError: (error: unknown, message?: BusMessage, meta?: MessageMeta) => void;
  /** Highest settled offset per partition. */
  readonly #settled = new Map<number, number>();
  readonly #lag: Gauge<'group' | 'topic' | 'partition'> | undefined;
  #stopped = false;
  #inHand = 0;
  /** Next offset to commit per partition (settled, not yet committed). */
  readonly #uncommitted = new Map<number, number>();
  #lastCommitMs = 0;
  #commitTimer: unknown;
  readonly #commitIntervalMs: number;
  #stopping: Promise<void> | undefined;

  /** @internal use {@link KafkaBus.subscribe} */
  constructor(
    host: SubscriptionHost,
    topic: string,
    handler: KafkaMessageHandler<BusMessage>,
    options: KafkaSubscribeOptions<BusMessage> & { readonly groupId: string },
  ) {
    if (typeof options?.groupId !== 'string' || options.groupId === '') {
      throw new KafkaOptionsError(`subscribe(${topic}): groupId: expected a non-empty string`);
    }
    const maxAttempts = options.maxAttempts ?? 3;
    if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) {
      throw new KafkaOptionsError(
        `subscribe(${topic}): maxAttempts: expected a positive integer, found ${maxAttempts}`,
      );
    }
    this.#host = host;
    this.topic = topic;
    this.groupId = options.groupId;
    this.id = options.groupId;
    this.#handler = handler;
    this.#maxAttempts = maxAttempts;
    this.#retryBackoffMs = Math.max(0, options.retryBackoffMs ?? 100);
    this.#fromBeginning = options.fromBeginning ?? false;
    this.#commitIntervalMs = Math.max(0, options.commitIntervalMs ?? 1_000);
    this.#tracker = (options.dedupeBySequence ?? true) ? (options.sequenceTracker ?? new SequenceTracker()) : undefined;
    this.#store =
      this.#tracker !== undefined && (options.persistSequences ?? true)
        ? new SequenceStore(host.sequenceIo, sequenceTopicName(host.dedupeTopicPrefix, options.groupId), this.#tracker)
        : undefined;
    this.#onError = options.onError ?? (() => {});
    this.#lag = host.metrics?.gauge(
      CONSUMER_LAG_METRIC,
      'Messages between a consumer group position and the log end, per partition (after each batch)',
      ['group', 'topic', 'partition'],
    );
    this.#consumer = host.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: Math.floor((options.sessionTimeoutMs ?? 10_000) / 5),
      maxWaitTimeInMs: options.maxWaitTimeMs ?? 100,
      allowAutoTopicCreation: false,
      // Generous count, short waits: the consumer rides out a broker restart and resumes within
      // retryMaxDelayMs of its return (past the count, kafkajs restarts the consumer).
      retry: { retries: 30, initialRetryTime: 100, maxRetryTime: host.retryMaxDelayMs },
    });
    this.ready = this.#start();
    this.ready.catch(() => {});
  }

  async #start(): Promise<void> {
    await this.#host.prepare();
    if (this.#stopped) return;
    // Before the first fetch, so no event is judged against an incomplete record.
    await this.#store?.load();
    if (this.#stopped) return;
    const joined = new Promise<void>((resolve) => {
      const remove = this.#consumer.on(this.#consumer.events.GROUP_JOIN, () => {
        remove();
        resolve();
      });
    });
    this.#consumer.on(this.#consumer.events.CRASH, (event) => this.#onError(event.payload.error));
    try {
      await this.#consumer.connect();
      if (this.#stopped) return;
      await this.#consumer.subscribe({ topics: [this.topic], fromBeginning: this.#fromBeginning });
      await this.#consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: (payload) => this.#eachBatch(payload),
      });
    } catch (cause) {
      await this.#consumer.disconnect().catch(() => {});
      throw new BrokerUnreachableError(this.#host.brokers, cause);
    }
    await joined;
  }

  async #eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const partition = batch.partition;
    let settledOffset = this.#settled.get(partition) ?? -1;
    let lastSettled: string | undefined;
    this.#inHand = batch.messages.length;
    for (const message of batch.messages) {
      this.#inHand--;
      if (!payload.isRunning() || payload.isStale()) break;
      const offset = Number(message.offset);
      if (offset <= settledOffset) {
        this.stats.duplicates++;
      } else {
        const pending = this.#settle(message, partition, payload);
        if (pending !== undefined) {
          await pending;
          // A slow (asynchronous) handler must not cost the group membership; kafkajs sends at
          // most one heartbeat per heartbeat interval, so this is cheap.
          await payload.heartbeat();
        }
        settledOffset = offset;
        this.#settled.set(partition, offset);
      }
      lastSettled = message.offset;
    }
    // Once per batch (kafkajs does big-integer arithmetic per call): if this batch is cut short
    // by a failure, kafkajs fetches it again and the settled part is skipped by offset.
    if (lastSettled !== undefined) payload.resolveOffset(lastSettled);
    this.#inHand = 0;
    if (lastSettled !== undefined) {
      const next = Number(lastSettled) + 1;
      if (this.#store === undefined) this.#uncommitted.set(partition, next);
      else this.#commitAfterSave(partition, next);
      // Commit at most every commitIntervalMs, and within commitIntervalMs of the last batch
      // (a timer catches the tail when the stream goes quiet), or now when stopping. Only
      // offsets already settled are ever committed.
      if (this.#stopped || performance.now() - this.#lastCommitMs >= this.#commitIntervalMs) {
        await this.#commit();
      } else {
        this.#scheduleCommit();
      }
      this.#lag?.set(
        { group: this.groupId, topic: batch.topic, partition: String(partition) },
        Math.max(0, Number(batch.highWatermark) - next),
      );
    }
  }

  /**
   * Writes what this batch applied to the sequence topic, then lets its offsets be committed.
   * Writes go one after another (each carries every instrument applied since the previous one),
   * and the next batch is processed meanwhile: waiting would not narrow the window in which a
   * crash re-applies (applied, not yet acknowledged), only slow the consumer. A failed write is
   * reported and its instruments are written again with the next one; its offsets are then
   * committed with that one's.
   */
  #commitAfterSave(partition: number, next: number): void {
    const store = this.#store;
    if (store === undefined) return;
    this.#saveChain = this.#saveChain.then(async () => {
      try {
        await store.save();
        this.#uncommitted.set(partition, next);
      } catch (error) {
        this.stats.failedCommits++;
        this.#onError(error);
      }
    });
  }

  #scheduleCommit(): void {
    if (this.#commitTimer !== undefined) return;
    const delayMs = Math.max(0, this.#lastCommitMs + this.#commitIntervalMs - performance.now());
    this.#commitTimer = this.#host.timers.setTimeout(() => {
      this.#commitTimer = undefined;
      void this.#commit();
    }, delayMs);
  }

  /** Commits the settled offsets not committed yet. A failure is reported; the next commit covers it. */
  async #commit(): Promise<void> {
    if (this.#commitTimer !== undefined) {
      this.#host.timers.clearTimeout(this.#commitTimer);
      this.#commitTimer = undefined;
    }
    // Offsets wait for the sequence records of what they cover.
    await this.#saveChain;
    if (this.#uncommitted.size === 0) return;
    const offsets = [...this.#uncommitted].map(([partition, offset]) => ({
      topic: this.topic,
      partition,
      offset: String(offset),
    }));
    this.#uncommitted.clear();
    this.#lastCommitMs = performance.now();
    try {
      await this.#consumer.commitOffsets(offsets);
    } catch (error) {
      // Put them back unless a newer offset was settled meanwhile; a redelivery before the next
      // commit is skipped by offset.
      for (const { partition, offset } of offsets) {
        if (!this.#uncommitted.has(partition)) this.#uncommitted.set(partition, Number(offset));
      }
      this.stats.failedCommits++;
      this.#onError(error);
    }
  }

  /**
   * Applies, skips or dead-letters one Kafka record: one message, or each message of a packed
   * record in order. Returns `undefined` when that is done already (the common case: a
   * synchronous handler), else a promise of it. A record that cannot be decoded is dead-lettered
   * whole; a message of a packed record is skipped by venue sequence like any other, so a packed
   * record redelivered after a crash applies only what was not applied yet.
   */
  #settle(message: KafkaMessage, partition: number, payload: EachBatchPayload): Promise<void> | undefined {
    let decoded: BusMessage[];
    try {
      decoded = decodeRecord(message.value);
    } catch (error) {
      return this.#deadLetter(message, partition, error, 0).then(() => this.#onError(error));
    }
    const packed = decoded.length > 1;
    for (let i = 0; i < decoded.length; i++) {
      const pending = this.#settleOne(decoded[i] as BusMessage, packed, message, partition, payload);
      if (pending !== undefined) return this.#settleRest(pending, decoded, i + 1, message, partition, payload);
    }
    return undefined;
  }

  async #settleRest(
    pending: Promise<void>,
    decoded: readonly BusMessage[],
    from: number,
    message: KafkaMessage,
    partition: number,
    payload: EachBatchPayload,
  ): Promise<void> {
    await pending;
    for (let i = from; i < decoded.length; i++) {
      const next = this.#settleOne(decoded[i] as BusMessage, true, message, partition, payload);
      if (next !== undefined) await next;
    }
  }

  #settleOne(
    decoded: BusMessage,
    packed: boolean,
    message: KafkaMessage,
    partition: number,
    payload: EachBatchPayload,
  ): Promise<void> | undefined {
    const event = isMarketEvent(decoded) ? decoded : undefined;
    if (event !== undefined && this.#tracker?.isDuplicate(event) === true) {
      this.stats.duplicates++;
      return undefined;
    }
    const meta: KafkaMessageMeta = {
      topic: this.topic,
      partition,
      offset: Number(message.offset),
      key: message.key === null ? undefined : message.key.toString('utf8'),
      attempt: 1,
    };
    try {
      const result = this.#handler(decoded, meta);
      if (result !== undefined && typeof result.then === 'function') {
        return result.then(
          () => this.#applied(event),
          (error: unknown) => this.#retry(decoded, packed, event, message, meta, payload, error),
        );
      }
    } catch (error) {
      return this.#retry(decoded, packed, event, message, meta, payload, error);
    }
    this.#applied(event);
    return undefined;
  }

  #applied(event: MarketEvent | undefined): void {
    this.stats.applied++;
    if (event !== undefined && this.#tracker !== undefined) {
      this.#tracker.record(event);
      this.#store?.touched(event);
    }
  }

  /** Calls the handler again after a failure, up to `maxAttempts` calls, then dead-letters. */
  async #retry(
    decoded: BusMessage,
    packed: boolean,
    event: MarketEvent | undefined,
    message: KafkaMessage,
    firstMeta: KafkaMessageMeta,
    payload: EachBatchPayload,
    firstError: unknown,
  ): Promise<void> {
    let lastError = firstError;
    for (let attempt = 2; attempt <= this.#maxAttempts; attempt++) {
      this.stats.retries++;
      await this.#backoff(attempt - 1);
      await payload.heartbeat();
      try {
        await this.#handler(decoded, { ...firstMeta, attempt });
        this.#applied(event);
        return;
      } catch (error) {
        lastError = error;
      }
    }
    const { partition, offset, key } = firstMeta;
    const failure = new HandlerFailedError(this.topic, partition, message.offset, this.#maxAttempts, lastError);
    // Of a packed record, only the failing message is dead-lettered (as a version-1 envelope).
    await this.#deadLetter(message, partition, failure, this.#maxAttempts, packed ? encodeMessage(decoded) : undefined);
    this.#onError(failure, decoded, { topic: this.topic, key, offset });
  }

  async #deadLetter(
    message: KafkaMessage,
    partition: number,
    error: unknown,
    attempts: number,
    value: Buffer | null = message.value,
  ): Promise<void> {
    const headers = deadLetterHeaders(message.headers, {
      error: errorText(error),
      errorName: errorName(error),
      topic: this.topic,
      partition,
      offset: message.offset,
      group: this.groupId,
      attempts,
    });
    await this.#host.deadLetter(message.key, value, headers);
    this.stats.deadLettered++;
  }

  #backoff(attempt: number): Promise<void> {
    const delayMs = Math.min(5_000, this.#retryBackoffMs * 2 ** (attempt - 1));
    if (delayMs === 0) return Promise.resolve();
    return new Promise((resolve) => this.#host.timers.setTimeout(resolve, delayMs));
  }

  /**
   * Stops consuming (after the batch in hand is settled and committed) and leaves the group.
   * Safe to call more than once.
   *
   * @example
   * ```ts
   * await sub.unsubscribe();
   * ```
   */
  unsubscribe(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#stopped = true;
      await this.#commit();
      await this.#consumer.stop().catch(() => {});
      await this.#consumer.disconnect().catch(() => {});
      this.#host.onClosed(this);
    })();
    return this.#stopping;
  }

  /** Messages of the batch in hand not yet settled (the rest of the backlog stays in Kafka). */
  get buffered(): number {
    return this.#inHand;
  }

  /** True once {@link unsubscribe} was called. */
  get closed(): boolean {
    return this.#stopped;
  }
}
