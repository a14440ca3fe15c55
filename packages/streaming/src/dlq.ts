/**
 * Dead letters: what is attached to a message that could not be processed.
 *
 * @module
 */
import type { IHeaders } from 'kafkajs';

/**
 * Header names set on a dead-lettered message. The message keeps its original key, value and
 * headers; these are added.
 */
export const DLQ_HEADERS = {
  /** The error's message (first line and details). */
  error: 'tickerml-dlq-error',
  /** The error's `name`, e.g. `MalformedMessageError`, `UnsupportedVersionError`, `HandlerFailedError`. */
  errorName: 'tickerml-dlq-error-name',
  /** Topic the message was read from. */
  topic: 'tickerml-dlq-topic',
  /** Partition it was read from, decimal. */
  partition: 'tickerml-dlq-partition',
  /** Offset it was read from, decimal. */
  offset: 'tickerml-dlq-offset',
  /** Consumer group that gave up on it. */
  group: 'tickerml-dlq-group',
  /** How many times the handler was called (0 when the message could not be decoded). */
  attempts: 'tickerml-dlq-attempts',
} as const;

/** Where a dead letter came from and why it is dead, as read back from its headers. */
export interface DeadLetterInfo {
  readonly error: string;
  readonly errorName: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly group: string;
  readonly attempts: number;
}

/**
 * Builds the headers of a dead letter: the original headers plus {@link DLQ_HEADERS}.
 *
 * @example
 * ```ts
 * const headers = deadLetterHeaders(message.headers, { error: 'boom', errorName: 'Error', topic: 't', partition: 0, offset: '5', group: 'g', attempts: 3 });
 * ```
 */
export function deadLetterHeaders(original: IHeaders | undefined, info: DeadLetterInfo): IHeaders {
  return {
    ...original,
    [DLQ_HEADERS.error]: info.error,
    [DLQ_HEADERS.errorName]: info.errorName,
    [DLQ_HEADERS.topic]: info.topic,
    [DLQ_HEADERS.partition]: String(info.partition),
    [DLQ_HEADERS.offset]: info.offset,
    [DLQ_HEADERS.group]: info.group,
    [DLQ_HEADERS.attempts]: String(info.attempts),
  };
}

/**
 * Reads {@link DLQ_HEADERS} back from a consumed dead letter, or `undefined` when a header is missing.
 *
 * @example
 * ```ts
 * const info = readDeadLetterHeaders(kafkaMessage.headers);
 * console.log(`${info?.topic}[${info?.partition}]@${info?.offset}: ${info?.error}`);
 * ```
 */
export function readDeadLetterHeaders(headers: IHeaders | undefined): DeadLetterInfo | undefined {
  if (headers === undefined) return undefined;
  const get = (name: string): string | undefined => {
    const value = headers[name];
    const first = Array.isArray(value) ? value[0] : value;
    return first === undefined ? undefined : first.toString();
  };
  const error = get(DLQ_HEADERS.error);
  const errorName = get(DLQ_HEADERS.errorName);
  const topic = get(DLQ_HEADERS.topic);
  const partition = get(DLQ_HEADERS.partition);
  const offset = get(DLQ_HEADERS.offset);
  const group = get(DLQ_HEADERS.group);
  const attempts = get(DLQ_HEADERS.attempts);
  if (
    error === undefined ||
    errorName === undefined ||
    topic === undefined ||
    partition === undefined ||
    offset === undefined ||
    group === undefined ||
    attempts === undefined
  ) {
    return undefined;
  }
  return { error, errorName, topic, partition: Number(partition), offset, group, attempts: Number(attempts) };
}

/** The text recorded for an error: its message (which carries details), or `String(error)`. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The name recorded for an error: its `name`, or `'Error'` for a non-Error throw. */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}
