/**
 * Which Kafka topic carries which kind of message, and how topics are created.
 *
 * @module
 */
import type { KafkaConfig, MarketEvent, MarketEventKind } from '@tickerml/core';
import { KafkaOptionsError } from './errors.js';

/**
 * The families of messages, one Kafka topic each. Feed-health events travel with the order books
 * of their instrument (a gap or a resync must stay in order with the deltas it concerns); L3
 * order events too.
 */
export const TopicKind = {
  OrderBooks: 'orderBooks',
  Trades: 'trades',
  Funding: 'funding',
  Features: 'features',
  Decisions: 'decisions',
  News: 'news',
  DeadLetter: 'deadLetter',
} as const;
/** One of {@link TopicKind}'s values. */
export type TopicKind = (typeof TopicKind)[keyof typeof TopicKind];

/** Every topic kind, in a stable order. */
export const TOPIC_KINDS: readonly TopicKind[] = Object.values(TopicKind);

/** How one topic is created. */
export interface TopicSpec {
  /** The Kafka topic name. */
  readonly name: string;
  /** Number of partitions; instruments are spread over them by key. Default 3. */
  readonly partitions?: number;
  /** Replication factor. Default 1 (a single broker). */
  readonly replicationFactor?: number;
  /** Retention in milliseconds (`retention.ms`); unset keeps the broker's default. */
  readonly retentionMs?: number;
  /**
   * `cleanup.policy`: `delete` drops old segments by retention, `compact` keeps the newest record
   * of each key (the sequence topics). Unset keeps the broker's default (`delete`).
   */
  readonly cleanupPolicy?: 'delete' | 'compact';
}

/** The topic of each kind. */
export type TopicMap = { readonly [K in TopicKind]: TopicSpec };

/**
 * Default topics, the same as the defaults of `config/kafka_config.yaml`: `tickerml.book`,
 * `tickerml.trades`, `tickerml.funding`, `tickerml.features`, `tickerml.decisions`,
 * `tickerml.news` and `tickerml.dead-letter`, 3 partitions each.
 */
export const DEFAULT_TOPICS: TopicMap = {
  orderBooks: { name: 'tickerml.book', partitions: 3 },
  trades: { name: 'tickerml.trades', partitions: 3 },
  funding: { name: 'tickerml.funding', partitions: 3 },
  features: { name: 'tickerml.features', partitions: 3 },
  decisions: { name: 'tickerml.decisions', partitions: 3 },
  news: { name: 'tickerml.news', partitions: 3 },
  deadLetter: { name: 'tickerml.dead-letter', partitions: 3 },
};

/**
 * The topic map of a loaded `kafka_config.yaml` (core's `loadConfig(dir).kafka`).
 *
 * @example
 * ```ts
 * const topics = topicsFromConfig(loadConfig('config').kafka);
 * topics.orderBooks.name; // 'tickerml.book'
 * ```
 */
export function topicsFromConfig(kafka: KafkaConfig): TopicMap {
  const spec = (name: string): TopicSpec => ({
    name,
    partitions: kafka.partitions,
    replicationFactor: kafka.replicationFactor,
    ...(kafka.retentionMs === null ? {} : { retentionMs: kafka.retentionMs }),
  });
  return resolveTopics({
    orderBooks: spec(kafka.topics.book),
    trades: spec(kafka.topics.trades),
    funding: spec(kafka.topics.funding),
    features: spec(kafka.topics.features),
    decisions: spec(kafka.topics.decisions),
    news: spec(kafka.topics.news),
    deadLetter: spec(kafka.topics.deadLetter),
  });
}

const KIND_TO_TOPIC: { readonly [K in MarketEventKind]: TopicKind } = {
  book_snapshot: 'orderBooks',
  book_delta: 'orderBooks',
  order_added: 'orderBooks',
  order_changed: 'orderBooks',
  order_removed: 'orderBooks',
  connected: 'orderBooks',
  disconnected: 'orderBooks',
  gap_detected: 'orderBooks',
  resynced: 'orderBooks',
  checksum_mismatch: 'orderBooks',
  trade: 'trades',
  funding_rate: 'funding',
};

/**
 * The topic kind that carries a market event kind.
 *
 * @example
 * ```ts
 * topicKindOf('book_delta'); // 'orderBooks'
 * topicKindOf('trade'); // 'trades'
 * ```
 */
export function topicKindOf(kind: MarketEventKind): TopicKind {
  return KIND_TO_TOPIC[kind];
}

/**
 * The Kafka message key of an event: `venue:symbol`, so every event of one instrument lands in
 * one partition and stays in order.
 *
 * @example
 * ```ts
 * instrumentKey({ venue: 'kraken', symbol: 'BTC/USD' }); // 'kraken:BTC/USD'
 * ```
 */
export function instrumentKey(event: Pick<MarketEvent, 'venue' | 'symbol'>): string {
  return `${event.venue}:${event.symbol}`;
}

/**
 * Completes a partial topic map with {@link DEFAULT_TOPICS} and checks it: names non-empty and
 * distinct, partitions and replication positive integers.
 *
 * @throws {KafkaOptionsError} naming the topic kind and the bad value
 * @example
 * ```ts
 * const topics = resolveTopics({ trades: { name: 'prod.trades', partitions: 12 } });
 * ```
 */
export function resolveTopics(overrides: Partial<TopicMap> = {}): TopicMap {
  const merged = { ...DEFAULT_TOPICS, ...overrides } as TopicMap;
  const seen = new Map<string, TopicKind>();
  for (const kind of TOPIC_KINDS) {
    const spec = merged[kind];
    if (typeof spec?.name !== 'string' || !/^[a-zA-Z0-9._-]{1,249}$/.test(spec.name)) {
      throw new KafkaOptionsError(
        `topics.${kind}.name: expected a Kafka topic name (letters, digits, '.', '_', '-'), found ${JSON.stringify(spec?.name)}`,
      );
    }
    const other = seen.get(spec.name);
    if (other !== undefined) {
      throw new KafkaOptionsError(`topics.${kind}.name: '${spec.name}' is already the topic of ${other}`);
    }
    seen.set(spec.name, kind);
    for (const field of ['partitions', 'replicationFactor', 'retentionMs'] as const) {
      const value = spec[field];
      if (value !== undefined && !(Number.isSafeInteger(value) && value > 0)) {
        throw new KafkaOptionsError(`topics.${kind}.${field}: expected a positive integer, found ${String(value)}`);
      }
    }
  }
  return merged;
}
