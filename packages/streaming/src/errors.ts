/**
 * Errors thrown by the Kafka bus, one class per condition, each with a literal `name`.
 *
 * @module
 */
import { BaseError } from '@tickerml/core';

/**
 * No broker of the list answered (refused, timed out, unknown host). Names every address tried.
 *
 * @example
 * ```ts
 * await new KafkaBus({ brokers: ['127.0.0.1:1'] }).connect();
 * // throws BrokerUnreachableError: Kafka broker unreachable at 127.0.0.1:1
 * ```
 */
export class BrokerUnreachableError extends BaseError {
  override name = 'BrokerUnreachableError' as const;
  /** The broker addresses that were tried, `host:port`. */
  readonly brokers: readonly string[];
  constructor(brokers: readonly string[], cause: unknown) {
    super(`Kafka broker unreachable at ${brokers.join(', ')}`, { cause, kind: 'retryable', retryAfterMs: 1000 });
    this.brokers = brokers;
  }
}

/**
 * A message whose envelope version this reader does not know. Such messages go to the dead-letter
 * topic; they are never guessed at.
 *
 * @example
 * ```ts
 * decodeMessage(Buffer.from('{"v":3,"kind":"trade"}'));
 * // throws UnsupportedVersionError: envelope version 2 is not supported (this reader knows 1)
 * ```
 */
export class UnsupportedVersionError extends BaseError {
  override name = 'UnsupportedVersionError' as const;
  /** The version found in the message, as it was (may be a non-number). */
  readonly found: unknown;
  constructor(found: unknown, supported: readonly number[]) {
    super(`envelope version ${JSON.stringify(found)} is not supported (this reader knows ${supported.join(', ')})`);
    this.found = found;
  }
}

/**
 * Bytes that are not a well-formed envelope: not UTF-8 JSON, not an object, a missing or
 * mistyped field. The message names the field, what was expected and what was found.
 *
 * @example
 * ```ts
 * decodeMessage(Buffer.from('{"v":1,"kind":"trade","priceTicks":"abc"}'));
 * // throws MalformedMessageError: trade.venue: expected a non-empty string, found undefined
 * ```
 */
export class MalformedMessageError extends BaseError {
  override name = 'MalformedMessageError' as const;
}

/**
 * A message could not be delivered to the broker (after the producer's own retries).
 * Every `publish` promise of the failed batch rejects with it.
 *
 * @example
 * ```ts
 * await bus.publish('tickerml.trades', trade); // may throw PublishFailedError naming the topic(s)
 * ```
 */
export class PublishFailedError extends BaseError {
  override name = 'PublishFailedError' as const;
  /** Topics of the failed batch. */
  readonly topics: readonly string[];
  /** How many messages the failed batch held. */
  readonly messageCount: number;
  constructor(topics: readonly string[], messageCount: number, cause: unknown) {
    super(`could not publish ${messageCount} message(s) to ${topics.join(', ')}`, {
      cause,
      kind: isTransient(cause) ? 'retryable' : 'non_retryable',
    });
    this.topics = topics;
    this.messageCount = messageCount;
  }
}

/**
 * A handler that failed on the same message `maxAttempts` times. It is the error recorded in the
 * dead-letter headers; the original error is its `cause`.
 *
 * @example
 * ```ts
 * bus.subscribe('tickerml.trades', () => { throw new Error('boom'); }, { groupId: 'g', maxAttempts: 3 });
 * // the message lands in the dead-letter topic with header tickerml-dlq-error-name: HandlerFailedError
 * ```
 */
export class HandlerFailedError extends BaseError {
  override name = 'HandlerFailedError' as const;
  /** How many times the handler was called. */
  readonly attempts: number;
  constructor(topic: string, partition: number, offset: string, attempts: number, cause: unknown) {
    super(`handler failed ${attempts} time(s) on ${topic}[${partition}]@${offset}`, { cause });
    this.attempts = attempts;
  }
}

/**
 * Options that cannot work (no brokers, a non-positive batch size, an unknown topic kind).
 *
 * @example
 * ```ts
 * new KafkaBus({ brokers: [] }); // throws KafkaOptionsError: brokers: expected at least one host:port
 * ```
 */
export class KafkaOptionsError extends BaseError {
  override name = 'KafkaOptionsError' as const;
}

/**
 * A lag report that could not be read for another reason than an unreachable broker (an
 * unknown topic, a group coordinator error). Names the group; the broker's error is the `cause`.
 *
 * @example
 * ```ts
 * await fetchConsumerLag(admin, 'books', { topics: ['no.such.topic'] }); // throws LagReportError
 * ```
 */
export class LagReportError extends BaseError {
  override name = 'LagReportError' as const;
  constructor(groupId: string, cause: unknown) {
    super(`could not read the lag of consumer group '${groupId}'`, { cause });
  }
}

/** kafkajs errors that a broker restart or a leader move causes, anywhere in the cause chain. */
const TRANSIENT_ERRORS = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSLockTimeout',
  'KafkaJSStaleTopicMetadataAssignment',
]);

const CONNECTION_ERRORS = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
]);

/** @internal True when `error` (or a cause) says the broker could not be reached at all. */
export function isConnectionError(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current instanceof Error && !seen.has(current)) {
    seen.add(current);
    if (CONNECTION_ERRORS.has(current.name)) return true;
    current = current.cause;
  }
  return false;
}

/**
 * True when `error` (or one of its causes) says the broker could not be reached: a refused or
 * dropped connection, a request timeout, {@link BrokerUnreachableError}. Such errors end when the
 * broker is back (the bus reconnects); a handler's own failure is not one.
 *
 * @example
 * ```ts
 * subscribe(topic, handler, { onError: (e) => (isBrokerConnectionError(e) ? log.warn(...) : fail(e)) });
 * ```
 */
export function isBrokerConnectionError(error: unknown): boolean {
  return error instanceof BrokerUnreachableError || isConnectionError(error);
}

/** @internal True when `error` (or a cause) is a kafkajs error a broker outage causes. */
export function isTransient(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current instanceof Error && !seen.has(current)) {
    seen.add(current);
    if (TRANSIENT_ERRORS.has(current.name)) return true;
    if (current.name === 'KafkaJSProtocolError' && (current as { retriable?: unknown }).retriable === true) return true;
    current = current.cause;
  }
  return false;
}

/**
 * Topics that could not be created (the broker refused: bad settings, not enough brokers for
 * the replication factor, no permission). Names the topics; the broker's error is the `cause`.
 *
 * @example
 * ```ts
 * await bus.ensureTopics([{ name: 't', replicationFactor: 3 }]); // on one broker: throws TopicSetupError
 * ```
 */
export class TopicSetupError extends BaseError {
  override name = 'TopicSetupError' as const;
  constructor(topics: readonly string[], cause: unknown) {
    super(`could not create Kafka topic(s) ${topics.join(', ')}`, { cause });
  }
}
