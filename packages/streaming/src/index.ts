/**
 * @packageDocumentation
 * Kafka (kafkajs) implementation of the TickerML event bus: topics per kind keyed by
 * `venue:symbol`, a versioned envelope, an idempotent batching producer, consumer groups that
 * commit after processing and skip redeliveries, a dead-letter topic and consumer-lag reports.
 */
export {
  type BusMessage,
  type BusRecord,
  decodeMessage,
  decodeRecord,
  ENVELOPE_VERSION,
  encodeMessage,
  encodeMessageText,
  isMarketEvent,
  isMarketEventKind,
  PACKED_ENVELOPE_VERSION,
  packEnvelopes,
  SUPPORTED_VERSIONS,
} from './codec.js';
export { type InstrumentSnapshot, type SequenceSnapshot, SequenceTracker } from './dedupe.js';
export { type DeadLetterInfo, DLQ_HEADERS, deadLetterHeaders, readDeadLetterHeaders } from './dlq.js';
export {
  BrokerUnreachableError,
  HandlerFailedError,
  isBrokerConnectionError,
  KafkaOptionsError,
  LagReportError,
  MalformedMessageError,
  PublishFailedError,
  TopicSetupError,
  UnsupportedVersionError,
} from './errors.js';
export {
  KafkaBus,
  type KafkaBusOptions,
  KafkaLogLevel,
  type KafkaLogLevelName,
  type KafkaProducerOptions,
} from './kafka-bus.js';
export { fetchConsumerLag, formatLagTable, type PartitionLag, registerGroupLagGauge } from './lag.js';
export { sequenceTopicName } from './sequence-store.js';
export {
  CONSUMER_LAG_METRIC,
  type KafkaMessageHandler,
  type KafkaMessageMeta,
  type KafkaSubscribeOptions,
  KafkaSubscription,
  type SubscriptionStats,
} from './subscription.js';
export {
  DEFAULT_TOPICS,
  instrumentKey,
  resolveTopics,
  TOPIC_KINDS,
  TopicKind,
  type TopicMap,
  type TopicSpec,
  topicKindOf,
  topicsFromConfig,
} from './topics.js';
