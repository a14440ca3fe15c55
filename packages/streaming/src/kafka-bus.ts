/**
 * The Kafka implementation of TickerML's event bus.
 *
 * @module
 */

import { randomUUID } from 'node:crypto';
import {
  BusClosedError,
  defaultTimerProvider,
  type EventBus,
  type Logger,
  type MarketEvent,
  type MetricsRegistry,
  type PublishOptions,
  type KafkaConfig as TickerKafkaConfig,
  type TimerProvider,
} from '@tickerml/core';
import {
  type Admin,
  CompressionTypes,
  type ICustomPartitioner,
  type IHeaders,
  Kafka,
  type KafkaConfig,
  logLevel as KafkaJsLogLevel,
  type KafkaMessage,
  type Message,
  Partitioners,
  type Producer,
} from 'kafkajs';
import { type BusMessage, encodeMessageText, packEnvelopes } from './codec.js';
import {
  BrokerUnreachableError,
  isConnectionError,
  isTransient,
  KafkaOptionsError,
  PublishFailedError,
  TopicSetupError,
} from './errors.js';
import { fetchConsumerLag, type PartitionLag } from './lag.js';
import type { SequenceStoreIo } from './sequence-store.js';
import { type KafkaMessageHandler, type KafkaSubscribeOptions, KafkaSubscription } from './subscription.js';
import {
  instrumentKey,
  resolveTopics,
  type TopicKind,
  type TopicMap,
  type TopicSpec,
  topicKindOf,
  topicsFromConfig,
} from './topics.js';

/** How much kafkajs itself logs (to stderr). */
export const KafkaLogLevel = {
  Nothing: 'nothing',
  Error: 'error',
  Warn: 'warn',
  Info: 'info',
} as const;
/** One of `'nothing' | 'error' | 'warn' | 'info'`. */
export type KafkaLogLevelName = (typeof KafkaLogLevel)[keyof typeof KafkaLogLevel];

/** Options of the producer side of {@link KafkaBus}. */
export interface KafkaProducerOptions {
  /**
   * How long a message may wait for others to share its request, in milliseconds. While a request
   * is in flight, new messages gather for the next one anyway. Default 5.
   */
  readonly lingerMs?: number;
  /**
   * Most messages in one produce request. Default 2,000: with one request in flight (idempotence),
   * bigger requests carry more per round trip; past a few thousand the encoding of one request
   * holds the event loop long enough to cost more than it saves (the repo patches kafkajs 2.2.4's
   * per-partition grouping, quadratic in the request size as published: `patches/`).
   */
  readonly maxBatchMessages?: number;
  /**
   * Most bytes (keys and values) in one produce request. The broker refuses a partition's record
   * batch over its `message.max.bytes` (1 MiB by default), and every message of a request may
   * land in one partition, so keep it below that. Default 900,000.
   */
  readonly maxBatchBytes?: number;
  /**
   * Most messages accepted but not yet acknowledged by the broker; past it `publish` waits
   * (back-pressure, never a silent drop). Default 100,000.
   */
  readonly maxBufferedMessages?: number;
  /**
   * kafkajs' own retries of a failed produce request (default 5); past them the bus sends the
   * request again until `deliveryTimeoutMs`. The producer is idempotent (`acks: -1`, one request
   * in flight, broker-side de-duplication by sequence number), so a resend is not a duplicate.
   */
  readonly retries?: number;
  /**
   * How long a batch keeps being retried through a broker outage (connection refused, leader
   * moving, request timeouts) before its publishes fail, in milliseconds. Counted from the first
   * attempt. Applies once the bus has connected; a bus that never reached a broker fails at once
   * with {@link BrokerUnreachableError}. Default 120,000 (Kafka's `delivery.timeout.ms`).
   */
  readonly deliveryTimeoutMs?: number;
  /** Compression of produce requests: `none` (default) or `gzip`. */
  readonly compression?: 'none' | 'gzip';
  /**
   * Most messages of one key packed into one Kafka record (a version-2 envelope, see
   * `decodeRecord`). Messages of a key that share a produce request are packed in publish order,
   * so per-instrument order is kept; Kafka's per-record work (encoding, headers, the broker's
   * checks, decoding) is then paid once per record instead of once per message. The cost: a record
   * that cannot be decoded goes to the dead-letter topic whole, up to `packMax` messages at once.
   * Consumers read packed and unpacked records alike. Default 1: no packing, one record per
   * message, for buses built directly (tools, tests that count records); `kafka_config.yaml`'s
   * `pack_max` (default 50, through {@link KafkaBus.fromConfig}) turns it on for deployments.
   */
  readonly packMax?: number;
  /**
   * Most bytes (UTF-8) of the messages packed into one record; keeps a record far below Kafka's
   * 1 MiB `message.max.bytes`. Default 524,288 (512 KiB).
   */
  readonly packMaxBytes?: number;
}

/** Options of {@link KafkaBus}. */
export interface KafkaBusOptions {
  /** Bootstrap brokers, `host:port`. At least one. */
  readonly brokers: readonly string[];
  /** Client id shown in broker logs. Default `tickerml`. */
  readonly clientId?: string;
  /** Topic names and creation settings per kind; missing kinds use {@link DEFAULT_TOPICS}. */
  readonly topics?: Partial<TopicMap>;
  /**
   * Prefix of the compacted topics that keep each consumer group's applied venue sequences
   * (`<prefix>.dedupe.<group>`, see `KafkaSubscribeOptions.persistSequences`). Default: the client id.
   */
  readonly dedupeTopicPrefix?: string;
  /** Create the configured topics on connect when missing. Default true. */
  readonly createTopics?: boolean;
  /** Time to open a TCP connection to a broker, in milliseconds. Default 3,000. */
  readonly connectionTimeoutMs?: number;
  /** Time to wait for a broker's answer, in milliseconds. Default 30,000. */
  readonly requestTimeoutMs?: number;
  /**
   * Retries of the client's own requests (connect, metadata, admin) before an error surfaces.
   * Default 5 (with kafkajs' exponential back-off from 300 ms).
   */
  readonly connectRetries?: number;
  /**
   * Longest wait between two retries of a request (kafkajs' back-off starts at 100 ms and
   * doubles), in milliseconds; it bounds how long a client keeps waiting after a broker is back.
   * Default 2,000.
   */
  readonly retryMaxDelayMs?: number;
  /**
   * Handler calls on one message before it goes to the dead-letter topic, for subscriptions that
   * do not set their own `maxAttempts`. Default 3.
   */
  readonly maxAttempts?: number;
  /** Producer settings. */
  readonly producer?: KafkaProducerOptions;
  /** Registry for the consumer-lag gauge (`tickerml_kafka_consumer_lag_messages`); none means no metric. */
  readonly metrics?: MetricsRegistry;
  /** kafkajs' own log level. Default `error`, or the level of {@link KafkaBusOptions.logger} when one is given. */
  readonly logLevel?: KafkaLogLevelName;
  /**
   * Where kafkajs' own log lines go: each becomes one structured line of this logger
   * (`component: 'kafkajs'`, its `namespace`, broker and client id), at kafkajs' level. Without
   * it kafkajs prints JSON to the console.
   */
  readonly logger?: Logger;
  /** Timers for the linger and retry back-off; defaults to the global timers. */
  readonly timers?: TimerProvider;
}

/** A produce request being gathered or sent, shared by every message in it. */
interface PendingBatch {
  readonly byTopic: Map<string, Message[]>;
  count: number;
  bytes: number;
  readonly done: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const LOG_LEVELS = {
  nothing: KafkaJsLogLevel.NOTHING,
  error: KafkaJsLogLevel.ERROR,
  warn: KafkaJsLogLevel.WARN,
  info: KafkaJsLogLevel.INFO,
} as const;

/** kafkajs' level for a logger's level: debug and trace stop at info (kafkajs' debug is per request). */
function kafkaLevelOf(logger: Logger): KafkaLogLevelName {
  switch (logger.level) {
    case 'silent':
      return 'nothing';
    case 'error':
    case 'fatal':
      return 'error';
    case 'warn':
      return 'warn';
    default:
      return 'info';
  }
}

/** Routes kafkajs' log entries into `logger`, one structured line each. */
function logCreatorFor(logger: Logger): NonNullable<KafkaConfig['logCreator']> {
  const child = logger.child({ component: 'kafkajs' });
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _t, logger: _l, ...fields } = log as { message: string; [k: string]: unknown };
      const line = { namespace, ...fields };
      if (level === KafkaJsLogLevel.ERROR) child.error(line, message);
      else if (level === KafkaJsLogLevel.WARN) child.warn(line, message);
      else if (level === KafkaJsLogLevel.INFO) child.info(line, message);
      else child.debug(line, message);
    };
}

/**
 * Carries TickerML messages between processes through Kafka.
 *
 * - Market events go to the topic of their kind (`publishEvent`) keyed by `venue:symbol`, so each
 *   instrument stays in one partition, in order.
 * - Messages are written as a versioned envelope (see `encodeMessage`).
 * - The producer is idempotent, retries, and batches: messages published while a request is in
 *   flight, or within `lingerMs`, share the next request; `publish` resolves once the broker has
 *   acknowledged the message (acks from all in-sync replicas).
 * - Subscriptions are consumer-group members that process whole batches, commit offsets only
 *   after processing, skip redelivered events (by offset and by venue sequence) and send what
 *   cannot be processed to the dead-letter topic (see {@link KafkaSubscription}).
 *
 * @example
 * ```ts
 * const bus = new KafkaBus({ brokers: ['127.0.0.1:9092'] });
 * await bus.connect();
 * const sub = bus.subscribe(bus.topicName('trades'), (event) => console.log(event), { groupId: 'printer' });
 * await sub.ready;
 * await bus.publishEvent(trade);
 * await bus.close();
 * ```
 */
export class KafkaBus<T extends BusMessage = BusMessage> implements EventBus<T> {
  /** The resolved topic map. */
  readonly topics: TopicMap;
  readonly #kafka: Kafka;
  readonly #brokers: readonly string[];
  readonly #admin: Admin;
  readonly #producer: Producer;
  readonly #options: KafkaBusOptions;
  readonly #timers: TimerProvider;
  readonly #lingerMs: number;
  readonly #maxBatchMessages: number;
  readonly #maxBatchBytes: number;
  readonly #maxBufferedMessages: number;
  readonly #compression: CompressionTypes;
  readonly #deliveryTimeoutMs: number;
  readonly #packMax: number;
  readonly #packMaxBytes: number;
  readonly #retryMaxDelayMs: number;
  readonly #subscriptions = new Set<KafkaSubscription>();
  readonly #knownTopics = new Set<string>();
  readonly #clientId: string;
  readonly #groupTopics = new Map<string, string>();
  readonly #sealed: PendingBatch[] = [];
  readonly #spaceWaiters: Array<() => void> = [];
  #open: PendingBatch;
  #inFlight: PendingBatch | undefined;
  #buffered = 0;
  #sending = false;
  #lingerHandle: unknown;
  #lingerArmed = false;
  #connecting: Promise<void> | undefined;
  #closed = false;
  #lastPublishError: unknown;

  /**
   * @throws {KafkaOptionsError} when the options cannot work (no brokers, bad sizes, bad topics)
   */
  constructor(options: KafkaBusOptions) {
    if (!Array.isArray(options.brokers) || options.brokers.length === 0) {
      throw new KafkaOptionsError('brokers: expected at least one host:port');
    }
    for (const broker of options.brokers) {
      if (typeof broker !== 'string' || !/^[^:\s]+:\d{1,5}$/.test(broker)) {
        throw new KafkaOptionsError(`brokers: expected host:port, found ${JSON.stringify(broker)}`);
      }
    }
    const producer = options.producer ?? {};
    this.#lingerMs = positiveInt('producer.lingerMs', producer.lingerMs ?? 5, true);
    this.#maxBatchMessages = positiveInt('producer.maxBatchMessages', producer.maxBatchMessages ?? 2_000);
    this.#maxBatchBytes = positiveInt('producer.maxBatchBytes', producer.maxBatchBytes ?? 900_000);
    this.#maxBufferedMessages = positiveInt('producer.maxBufferedMessages', producer.maxBufferedMessages ?? 100_000);
    this.#deliveryTimeoutMs = positiveInt('producer.deliveryTimeoutMs', producer.deliveryTimeoutMs ?? 120_000, true);
    this.#packMax = positiveInt('producer.packMax', producer.packMax ?? 1);
    this.#packMaxBytes = positiveInt('producer.packMaxBytes', producer.packMaxBytes ?? 512 * 1024);
    if (this.#packMaxBytes > this.#maxBatchBytes) {
      throw new KafkaOptionsError(
        `producer.packMaxBytes: expected at most producer.maxBatchBytes (${this.#maxBatchBytes}), found ${this.#packMaxBytes}`,
      );
    }
    if (options.maxAttempts !== undefined) positiveInt('maxAttempts', options.maxAttempts);
    this.#compression = producer.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
    this.topics = resolveTopics(options.topics);
    this.#options = options;
    this.#brokers = [...options.brokers];
    this.#timers = options.timers ?? defaultTimerProvider;
    this.#retryMaxDelayMs = positiveInt('retryMaxDelayMs', options.retryMaxDelayMs ?? 2_000);
    this.#clientId = options.clientId ?? 'tickerml';
    const config: KafkaConfig = {
      clientId: this.#clientId,
      brokers: [...options.brokers],
      connectionTimeout: options.connectionTimeoutMs ?? 3_000,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      retry: {
        retries: positiveInt('connectRetries', options.connectRetries ?? 5, true),
        initialRetryTime: 100,
        maxRetryTime: this.#retryMaxDelayMs,
      },
      logLevel: LOG_LEVELS[options.logLevel ?? (options.logger === undefined ? 'error' : kafkaLevelOf(options.logger))],
      ...(options.logger === undefined ? {} : { logCreator: logCreatorFor(options.logger) }),
    };
    this.#kafka = new Kafka(config);
    this.#admin = this.#kafka.admin();
    this.#producer = this.#kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: cachedKeyPartitioner,
      // kafkajs' own retries of one request; past them the bus resends the request itself until
      // deliveryTimeoutMs (see #send), with the same sequence numbers, so the broker de-duplicates.
      retry: {
        retries: positiveInt('producer.retries', producer.retries ?? 5),
        initialRetryTime: 100,
        maxRetryTime: this.#retryMaxDelayMs,
      },
    });
    this.#open = newBatch();
  }

  /**
   * A bus configured from a loaded `kafka_config.yaml` (core's `loadConfig(dir).kafka`): brokers,
   * client id, topics with their partitions, replication and retention, linger, delivery timeout
   * and the handler attempts before a dead letter.
   * `overrides` win over the file.
   *
   * @throws {KafkaOptionsError} see the constructor
   * @example
   * ```ts
   * const bus = KafkaBus.fromConfig(loadConfig('config').kafka, { metrics });
   * ```
   */
  static fromConfig<T extends BusMessage = BusMessage>(
    kafka: TickerKafkaConfig,
    overrides: Partial<KafkaBusOptions> = {},
  ): KafkaBus<T> {
    return new KafkaBus<T>({
      brokers: kafka.brokers,
      clientId: kafka.clientId,
      topics: topicsFromConfig(kafka),
      maxAttempts: kafka.maxAttempts,
      ...overrides,
      producer: {
        lingerMs: kafka.lingerMs,
        deliveryTimeoutMs: kafka.deliveryTimeoutMs,
        packMax: kafka.packMax,
        ...overrides.producer,
      },
    });
  }

  /** The broker addresses this bus uses. */
  get brokers(): readonly string[] {
    return this.#brokers;
  }

  /** The kafkajs client, for admin tasks this class does not wrap (lag reports, tests). */
  get client(): Kafka {
    return this.#kafka;
  }

  /**
   * The Kafka topic name of a kind.
   *
   * @example
   * ```ts
   * bus.topicName('trades'); // 'tickerml.trades'
   * ```
   */
  topicName(kind: TopicKind): string {
    return this.topics[kind].name;
  }

  /**
   * Connects the producer and admin client and creates the configured topics that are missing.
   * Publishing connects on its own; call this to learn early that the broker is unreachable.
   *
   * @throws {BrokerUnreachableError} naming the brokers, when none answers within the retries
   * @throws {TopicSetupError} when the broker refuses to create a configured topic
   * @throws {BusClosedError} after {@link close}
   * @example
   * ```ts
   * await bus.connect();
   * ```
   */
  connect(): Promise<void> {
    if (this.#closed) return Promise.reject(new BusClosedError('Kafka bus is closed'));
    this.#connecting ??= this.#doConnect().catch((error: unknown) => {
      this.#connecting = undefined;
      throw error;
    });
    return this.#connecting;
  }

  async #doConnect(): Promise<void> {
    try {
      await this.#admin.connect();
      await this.#producer.connect();
    } catch (cause) {
      await Promise.allSettled([this.#producer.disconnect(), this.#admin.disconnect()]);
      throw new BrokerUnreachableError(this.#brokers, cause);
    }
    if (this.#options.createTopics ?? true) {
      await this.ensureTopics(Object.values(this.topics));
    }
  }

  /**
   * Creates the given topics when missing (existing ones are left as they are).
   *
   * @throws {BrokerUnreachableError} when the broker cannot be reached
   * @throws {TopicSetupError} when the broker refuses to create them
   * @example
   * ```ts
   * await bus.ensureTopics([{ name: 'my.topic', partitions: 6 }]);
   * ```
   */
  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    let missing = specs.filter((spec) => !this.#knownTopics.has(spec.name));
    if (missing.length === 0) return;
    try {
      const existing = new Set(await this.#admin.listTopics());
      for (const spec of missing) if (existing.has(spec.name)) this.#knownTopics.add(spec.name);
      missing = missing.filter((spec) => !existing.has(spec.name));
    } catch (cause) {
      throw new BrokerUnreachableError(this.#brokers, cause);
    }
    if (missing.length === 0) return;
    for (let attempt = 1; ; attempt++) {
      try {
        // Existing topics are left alone, so a retry after a partial success is harmless.
        await this.#admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((spec) => ({
            topic: spec.name,
            numPartitions: spec.partitions ?? 3,
            replicationFactor: spec.replicationFactor ?? 1,
            configEntries: topicConfigEntries(spec),
          })),
        });
        break;
      } catch (cause) {
        // Right after creation the leaders' metadata can lag ("does not host this
        // topic-partition"): retriable, so wait a little and ask again.
        if (isTransient(cause) && !isConnectionError(cause) && attempt < 5) {
          await new Promise<void>((resolve) => this.#timers.setTimeout(resolve, 100 * attempt));
          continue;
        }
        if (isConnectionError(cause)) throw new BrokerUnreachableError(this.#brokers, cause);
        throw new TopicSetupError(
          missing.map((spec) => spec.name),
          cause,
        );
      }
    }
    for (const spec of missing) this.#knownTopics.add(spec.name);
  }

  /**
   * Publishes one message to a topic. Resolves when the broker has acknowledged it; waits first
   * when `maxBufferedMessages` are unacknowledged (back-pressure). Messages of one key keep their
   * publish order.
   *
   * @param topic Kafka topic name (see {@link topicName})
   * @param message a market event or a record with a string `kind`
   * @param options `key`: the partition key; messages of one key stay in order. Default:
   *   `venue:symbol` when the message has a `venue` and a `symbol`, none (spread) otherwise
   * @throws {PublishFailedError} when the batch holding the message failed after retries
   * @throws {BrokerUnreachableError} when the bus could not connect
   * @throws {MalformedMessageError} when the message has no string `kind`
   * @throws {BusClosedError} after {@link close}
   * @example
   * ```ts
   * await bus.publish('tickerml.features', { kind: 'feature', venue: 'kraken', symbol: 'BTC/USD', values: [0.1] });
   * ```
   */
  publish(topic: string, message: T, options?: PublishOptions): Promise<void> {
    if (this.#closed) return Promise.reject(new BusClosedError('Kafka bus is closed'));
    let value: string;
    try {
      value = encodeMessageText(message);
    } catch (error) {
      return Promise.reject(error);
    }
    const messageKey = options?.key ?? defaultKey(message);
    const record: Message = messageKey === undefined ? { value } : { key: messageKey, value };
    if (messageKey !== undefined && this.#packMax > 1) PACKABLE.add(record);
    return this.#enqueue(topic, record);
  }

  /**
   * Publishes a market event to the topic of its kind, keyed by `venue:symbol`.
   *
   * @throws see {@link publish}
   * @example
   * ```ts
   * await bus.publishEvent({ kind: 'trade', venue: 'binanceus', symbol: 'BTC/USDT', exchTs, localTs, tradeId: '1', priceTicks: 6508366, qtyLots: 10, aggressor: 'buy' });
   * ```
   */
  publishEvent(event: MarketEvent & T): Promise<void> {
    return this.publish(this.topics[topicKindOf(event.kind)].name, event, { key: instrumentKey(event) });
  }

  /**
   * Sends a message as it is, without the envelope (dead letters, tools); batched, acknowledged
   * and retried like {@link publish}.
   *
   * @throws {PublishFailedError} / {@link BrokerUnreachableError} / {@link BusClosedError} as {@link publish}
   * @example
   * ```ts
   * await bus.publishRaw('tickerml.dead-letter', key, value, { 'tickerml-dlq-error': 'boom' });
   * ```
   */
  publishRaw(topic: string, key: Buffer | string | null, value: Buffer | null, headers: IHeaders): Promise<void> {
    if (this.#closed) return Promise.reject(new BusClosedError('Kafka bus is closed'));
    return this.#enqueue(topic, { key, value, headers });
  }

  /**
   * Subscribes a handler to a topic as a member of a consumer group. See {@link KafkaSubscription}
   * for the delivery rules (batches, commit after processing, de-duplication, dead letters).
   *
   * @param topic Kafka topic name
   * @param handler called once per message, in partition order; a throw is retried, then the
   *   message goes to the dead-letter topic
   * @param options the consumer group (default: `options.id`, else `<clientId>.<topic>`) and
   *   delivery settings. `bufferSize` and `overflow` do not apply: the backlog stays in Kafka, and
   *   a slow handler slows fetching (the lag grows), nothing is dropped
   * @returns the subscription; await its `ready` before relying on delivery
   * @throws {BusClosedError} after {@link close}
   * @throws {KafkaOptionsError} when this bus already uses the group for another topic (every
   *   member of a kafkajs consumer group must read the same topics: use one group per topic)
   * @example
   * ```ts
   * const sub = bus.subscribe('tickerml.trades', (trade) => book.apply(trade), { groupId: 'books', fromBeginning: true });
   * await sub.ready;
   * ```
   */
  subscribe(topic: string, handler: KafkaMessageHandler<T>, options: KafkaSubscribeOptions<T> = {}): KafkaSubscription {
    if (this.#closed) throw new BusClosedError('Kafka bus is closed');
    const groupId = options.groupId ?? options.id ?? `${this.#clientId}.${topic}`;
    const groupTopic = this.#groupTopics.get(groupId);
    if (groupTopic !== undefined && groupTopic !== topic) {
      throw new KafkaOptionsError(
        `subscribe(${topic}): group '${groupId}' already reads '${groupTopic}'; use one group per topic`,
      );
    }
    const subscription = new KafkaSubscription(
      {
        kafka: this.#kafka,
        brokers: this.#brokers,
        deadLetterTopic: this.topics.deadLetter.name,
        dedupeTopicPrefix: this.#options.dedupeTopicPrefix ?? this.#clientId,
        sequenceIo: this.#sequenceIo,
        timers: this.#timers,
        retryMaxDelayMs: this.#retryMaxDelayMs,
        metrics: this.#options.metrics,
        prepare: () => this.connect().then(() => this.ensureTopics([this.#specFor(topic)])),
        deadLetter: (key, value, headers) => this.publishRaw(this.topics.deadLetter.name, key, value, headers),
        onClosed: (sub) => this.#subscriptions.delete(sub),
      },
      topic,
      handler as KafkaMessageHandler<BusMessage>,
      {
        ...(this.#options.maxAttempts === undefined ? {} : { maxAttempts: this.#options.maxAttempts }),
        ...(options as KafkaSubscribeOptions<BusMessage>),
        groupId,
      },
    );
    this.#subscriptions.add(subscription);
    this.#groupTopics.set(groupId, topic);
    return subscription;
  }

  /**
   * The lag of a consumer group per partition (committed offsets against log-end offsets).
   *
   * @throws {BrokerUnreachableError} naming the brokers, when they cannot be reached
   * @example
   * ```ts
   * for (const row of await bus.consumerLag('books')) console.log(row.topic, row.partition, row.lag);
   * ```
   */
  async consumerLag(groupId: string, topics?: readonly string[]): Promise<PartitionLag[]> {
    await this.connect();
    return fetchConsumerLag(this.#admin, groupId, {
      brokers: this.#brokers,
      ...(topics === undefined ? {} : { topics }),
    });
  }

  /**
   * Sends everything published so far and waits for the broker's acknowledgements.
   *
   * @throws {PublishFailedError} when a batch failed since the last flush
   * @example
   * ```ts
   * for (const e of events) void bus.publishEvent(e);
   * await bus.flush();
   * ```
   */
  async flush(): Promise<void> {
    // Publishes waiting for room join batches as earlier ones are acknowledged: loop until none is left.
    for (;;) {
      const waits: Promise<void>[] = [];
      if (this.#inFlight !== undefined) waits.push(this.#inFlight.done);
      for (const batch of this.#sealed) waits.push(batch.done);
      if (this.#open.count > 0) waits.push(this.#open.done);
      if (waits.length === 0) break;
      this.#sealOpen();
      void this.#pump();
      await Promise.allSettled(waits);
    }
    const error = this.#lastPublishError;
    this.#lastPublishError = undefined;
    if (error !== undefined) throw error;
  }

  /**
   * Flushes, stops every subscription (committing what they processed) and disconnects.
   * Further calls do nothing.
   *
   * @throws {PublishFailedError} when the final flush failed (the bus is closed all the same)
   * @example
   * ```ts
   * process.on('SIGTERM', () => void bus.close());
   * ```
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    let flushError: unknown;
    try {
      if (this.#connecting !== undefined) await this.flush();
    } catch (error) {
      flushError = error;
    }
    this.#closed = true;
    await Promise.allSettled([...this.#subscriptions].map((sub) => sub.unsubscribe()));
    await Promise.allSettled([this.#producer.disconnect(), this.#admin.disconnect()]);
    if (flushError !== undefined) throw flushError;
  }

  /** How subscriptions keep their applied sequences (see `SequenceStore`). */
  readonly #sequenceIo: SequenceStoreIo = {
    ensureTopic: (topic) => this.ensureTopics([{ name: topic, partitions: 1, cleanupPolicy: 'compact' }]),
    readAll: (topic) => this.#readAll(topic),
    write: async (topic, records) => {
      // Not lingering: the consumer waits for this before committing its batch.
      const acks = records.map((record) => this.#enqueue(topic, { key: record.key, value: record.value }));
      this.#sealOpen();
      void this.#pump();
      await Promise.all(acks);
    },
  };

  /** Every message of a topic up to its current end, read by a short-lived consumer group. */
  async #readAll(topic: string): Promise<KafkaMessage[]> {
    let ends: Map<number, bigint>;
    try {
      const offsets = await this.#admin.fetchTopicOffsets(topic);
      ends = new Map(
        offsets
          .filter((row) => BigInt(row.high) > BigInt(row.low))
          .map((row) => [row.partition, BigInt(row.high) - 1n]),
      );
    } catch (cause) {
      throw new BrokerUnreachableError(this.#brokers, cause);
    }
    if (ends.size === 0) return [];
    const groupId = `${topic}.reader-${randomUUID()}`;
    const consumer = this.#kafka.consumer({ groupId, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
    const messages: KafkaMessage[] = [];
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        consumer.on(consumer.events.CRASH, (event) => reject(event.payload.error));
        consumer
          .run({
            eachBatch: async ({ batch }) => {
              const last = ends.get(batch.partition);
              for (const message of batch.messages) {
                if (last !== undefined && BigInt(message.offset) <= last) messages.push(message);
              }
              // A compacted log may lack the last offsets of a batch, never its own end record.
              if (last !== undefined && BigInt(batch.lastOffset()) >= last) ends.delete(batch.partition);
              if (ends.size === 0) resolve();
            },
          })
          .catch(reject);
      });
    } catch (cause) {
      throw new BrokerUnreachableError(this.#brokers, cause);
    } finally {
      await consumer.disconnect().catch(() => {});
      await this.#admin.deleteGroups([groupId]).catch(() => {});
    }
    return messages;
  }

  #specFor(topic: string): TopicSpec {
    for (const spec of Object.values(this.topics)) if (spec.name === topic) return spec;
    return { name: topic, partitions: 1 };
  }

  #enqueue(topic: string, message: Message): Promise<void> {
    if (this.#buffered >= this.#maxBufferedMessages || this.#spaceWaiters.length > 0) {
      // Wait in line: waiters are let in first come, first served, so order is kept.
      return new Promise<void>((resolve, reject) => {
        this.#spaceWaiters.push(() => this.#add(topic, message).then(resolve, reject));
      });
    }
    return this.#add(topic, message);
  }

  #add(topic: string, message: Message): Promise<void> {
    const bytes = byteLength(message.key) + byteLength(message.value);
    if (this.#open.count > 0 && this.#open.bytes + bytes > this.#maxBatchBytes) {
      this.#sealOpen();
      void this.#pump();
    }
    const batch = this.#open;
    batch.bytes += bytes;
    let list = batch.byTopic.get(topic);
    if (list === undefined) {
      list = [];
      batch.byTopic.set(topic, list);
    }
    list.push(message);
    batch.count++;
    this.#buffered++;
    if (batch.count >= this.#maxBatchMessages) {
      this.#sealOpen();
      void this.#pump();
    } else if (!this.#sending && !this.#lingerArmed) {
      this.#lingerArmed = true;
      this.#lingerHandle = this.#timers.setTimeout(() => {
        this.#lingerArmed = false;
        this.#sealOpen();
        void this.#pump();
      }, this.#lingerMs);
    }
    return batch.done;
  }

  #sealOpen(): void {
    if (this.#lingerArmed) {
      this.#timers.clearTimeout(this.#lingerHandle);
      this.#lingerArmed = false;
    }
    if (this.#open.count === 0) return;
    this.#sealed.push(this.#open);
    this.#open = newBatch();
  }

  async #pump(): Promise<void> {
    if (this.#sending) return;
    this.#sending = true;
    try {
      for (;;) {
        if (this.#sealed.length === 0) this.#sealOpen();
        const batch = this.#sealed.shift();
        if (batch === undefined) break;
        this.#inFlight = batch;
        await this.#send(batch);
        this.#inFlight = undefined;
      }
    } finally {
      this.#sending = false;
    }
  }

  async #send(batch: PendingBatch): Promise<void> {
    const topics = [...batch.byTopic.keys()];
    const startedMs = performance.now();
    let backoffMs = 100;
    try {
      await this.connect();
      await this.ensureTopics(topics.map((topic) => this.#specFor(topic)));
      const request = {
        acks: -1,
        compression: this.#compression,
        topicMessages: topics.map((topic) => {
          const messages = batch.byTopic.get(topic) ?? [];
          return {
            topic,
            messages: this.#packMax > 1 ? packByKey(messages, this.#packMax, this.#packMaxBytes) : messages,
          };
        }),
      };
      for (;;) {
        try {
          await this.#producer.sendBatch(request);
          break;
        } catch (cause) {
          // kafkajs gives up on a broker outage after its own few retries. The same request is
          // sent again: kafkajs rolls its sequence numbers back on failure, so the broker drops
          // a copy it already wrote (idempotence), and nothing is written twice.
          if (!isTransient(cause) || performance.now() - startedMs + backoffMs > this.#deliveryTimeoutMs) throw cause;
          await new Promise<void>((resolve) => this.#timers.setTimeout(resolve, backoffMs));
          backoffMs = Math.min(backoffMs * 2, 2_000);
        }
      }
      batch.resolve();
    } catch (cause) {
      const error =
        cause instanceof BrokerUnreachableError ? cause : new PublishFailedError(topics, batch.count, cause);
      this.#lastPublishError = error;
      batch.reject(error);
    } finally {
      this.#buffered -= batch.count;
      this.#wakeWaiters();
    }
  }

  #wakeWaiters(): void {
    while (this.#buffered < this.#maxBufferedMessages) {
      const waiter = this.#spaceWaiters.shift();
      if (waiter === undefined) break;
      waiter();
    }
  }
}

/** Messages written by `publish` (a version-1 envelope text with a string key): only these are packed. */
const PACKABLE = new WeakSet<Message>();

/**
 * The messages of one topic with those of a key packed into version-2 records: each key's
 * messages, in order, fill a record up to `packMax` messages or `packMaxBytes`, which takes the
 * place of the first of them. Messages of different keys may change places; those of one key
 * never do (they share a partition, and their records are written in order). A key with a single
 * message keeps its version-1 record.
 */
function packByKey(messages: readonly Message[], packMax: number, packMaxBytes: number): Message[] {
  const out: Message[] = [];
  const open = new Map<string, { index: number; values: string[]; bytes: number }>();
  const close = (key: string, group: { index: number; values: string[] }): void => {
    if (group.values.length > 1) out[group.index] = { key, value: packEnvelopes(group.values) };
    open.delete(key);
  };
  for (const message of messages) {
    if (!PACKABLE.has(message)) {
      out.push(message);
      continue;
    }
    const key = message.key as string;
    const value = message.value as string;
    const bytes = Buffer.byteLength(value, 'utf8') + 1;
    let group = open.get(key);
    if (group !== undefined && (group.values.length >= packMax || group.bytes + bytes > packMaxBytes)) {
      close(key, group);
      group = undefined;
    }
    if (group === undefined) {
      group = { index: out.length, values: [], bytes: 20 };
      open.set(key, group);
      out.push(message);
    }
    group.values.push(value);
    group.bytes += bytes;
  }
  for (const [key, group] of open) close(key, group);
  return out;
}

/** Most keys whose partition {@link cachedKeyPartitioner} remembers per topic before it starts over. */
const PARTITION_CACHE_KEYS = 10_000;

/**
 * kafkajs' default partitioner (murmur2 of the key, as Java's client), remembering the partition
 * of each key per topic: keys are `venue:symbol`, a few hundred at most, and hashing each message
 * cost about 5% of the producer's CPU. The memory is dropped when a topic's partition count
 * changes, and is bounded by {@link PARTITION_CACHE_KEYS}.
 */
const cachedKeyPartitioner: ICustomPartitioner = () => {
  const hash = Partitioners.DefaultPartitioner();
  const byTopic = new Map<string, { partitions: number; byKey: Map<string, number> }>();
  return (args) => {
    const key = args.message.key;
    if (typeof key !== 'string' || typeof args.message.partition === 'number') return hash(args);
    let cache = byTopic.get(args.topic);
    if (cache === undefined || cache.partitions !== args.partitionMetadata.length) {
      cache = { partitions: args.partitionMetadata.length, byKey: new Map() };
      byTopic.set(args.topic, cache);
    }
    let partition = cache.byKey.get(key);
    if (partition === undefined) {
      partition = hash(args);
      if (cache.byKey.size >= PARTITION_CACHE_KEYS) cache.byKey.clear();
      cache.byKey.set(key, partition);
    }
    return partition;
  };
};

/** The topic-level settings of a spec, as Kafka config entries. */
function topicConfigEntries(spec: TopicSpec): { name: string; value: string }[] {
  const entries: { name: string; value: string }[] = [];
  if (spec.retentionMs !== undefined) entries.push({ name: 'retention.ms', value: String(spec.retentionMs) });
  if (spec.cleanupPolicy !== undefined) entries.push({ name: 'cleanup.policy', value: spec.cleanupPolicy });
  return entries;
}

function byteLength(data: Buffer | string | null | undefined): number {
  if (data === null || data === undefined) return 0;
  return typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.length;
}

function newBatch(): PendingBatch {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A caller that does not await its publish must not crash the process; the error is also
  // reported by flush() and close().
  done.catch(() => {});
  return { byTopic: new Map(), count: 0, bytes: 0, done, resolve, reject };
}

function defaultKey(message: BusMessage): string | undefined {
  const { venue, symbol } = message as { venue?: unknown; symbol?: unknown };
  return typeof venue === 'string' && typeof symbol === 'string' ? `${venue}:${symbol}` : undefined;
}

function positiveInt(name: string, value: number, allowZero = false): number {
  if (!Number.isSafeInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new KafkaOptionsError(
      `${name}: expected a ${allowZero ? 'non-negative' : 'positive'} integer, found ${value}`,
    );
  }
  return value;
}
