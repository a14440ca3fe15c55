/**
 * One error base for every TickerML package, classified by what the caller can do about it.
 *
 * @module
 */

/**
 * What a caller can do about an error:
 * - `retryable`: try again, after {@link BaseError.retryAfterMs} when it is set (a dropped
 *   socket, a broker that is restarting, a rate limit);
 * - `non_retryable`: the same input will fail the same way (malformed input, a rejected order);
 * - `fatal`: the process state cannot be trusted any more (a corrupted ledger); stop.
 */
export const ErrorKind = {
  Retryable: 'retryable',
  NonRetryable: 'non_retryable',
  Fatal: 'fatal',
} as const;
/** One of {@link ErrorKind}'s values. */
export type ErrorKind = (typeof ErrorKind)[keyof typeof ErrorKind];

/** Options accepted by {@link BaseError}'s constructor. */
export interface BaseErrorOptions {
  /** The error that caused this one; kept as `cause` and walked by {@link BaseError.walk}. */
  readonly cause?: unknown;
  /** Extra detail appended to the message (e.g. the underlying error's message). */
  readonly details?: string;
  /** Extra lines (context) appended to the message. */
  readonly metaMessages?: readonly string[];
  /** Defaults to `non_retryable`. */
  readonly kind?: ErrorKind;
  /** For retryable errors: how long to wait before retrying, in milliseconds. */
  readonly retryAfterMs?: number;
}

/**
 * The base of every error TickerML throws. Subclasses set a literal `name`, so callers can
 * narrow on `error.name` as well as with `instanceof`.
 *
 * `message` is `shortMessage` followed by any meta lines and `Details: …`; `shortMessage` alone
 * is the one line to show a user.
 *
 * @example
 * ```ts
 * class FeedStaleError extends BaseError {
 *   override name = 'FeedStaleError' as const;
 *   constructor(venue: string, ageMs: number) {
 *     super(`${venue} feed is stale: last frame ${ageMs} ms ago`, { kind: 'retryable', retryAfterMs: 1000 });
 *   }
 * }
 * try { throw new FeedStaleError('kraken', 5000); } catch (e) {
 *   if (e instanceof BaseError && e.kind === 'retryable') console.log(`retry in ${e.retryAfterMs} ms`);
 * }
 * ```
 */
export class BaseError extends Error {
  override name = 'BaseError';
  /** One line saying what was expected and what was found. */
  readonly shortMessage: string;
  /** Extra detail, or `undefined`. */
  readonly details: string | undefined;
  /** Extra context lines. */
  readonly metaMessages: readonly string[];
  /** What the caller can do about it; see {@link ErrorKind}. */
  readonly kind: ErrorKind;
  /** For retryable errors: suggested wait before retrying, in milliseconds. */
  readonly retryAfterMs: number | undefined;

  constructor(shortMessage: string, options: BaseErrorOptions = {}) {
    const details =
      options.details ??
      (options.cause instanceof BaseError
        ? options.cause.shortMessage
        : options.cause instanceof Error
          ? options.cause.message
          : undefined);
    const lines = [shortMessage];
    if (options.metaMessages !== undefined && options.metaMessages.length > 0) lines.push('', ...options.metaMessages);
    if (details !== undefined && details !== '') lines.push('', `Details: ${details}`);
    super(lines.join('\n'), options.cause === undefined ? undefined : { cause: options.cause });
    this.shortMessage = shortMessage;
    this.details = details;
    this.metaMessages = options.metaMessages ?? [];
    this.kind = options.kind ?? ErrorKind.NonRetryable;
    this.retryAfterMs = options.retryAfterMs;
  }

  /**
   * Walks the `cause` chain starting at this error.
   * Without `fn`, returns the deepest cause (this error when there is none).
   * With `fn`, returns the first error in the chain (this one included) for which `fn` is true,
   * or `null`.
   *
   * @example
   * ```ts
   * const root = err.walk();
   * const timeout = err.walk((e) => e instanceof Error && e.name === 'TimeoutError');
   * ```
   */
  walk(): unknown;
  walk(fn: (error: unknown) => boolean): unknown;
  walk(fn?: (error: unknown) => boolean): unknown {
    let current: unknown = this;
    const seen = new Set<unknown>();
    for (;;) {
      if (fn?.(current)) return current;
      seen.add(current);
      const next: unknown = current instanceof Error ? current.cause : undefined;
      if (next === undefined || next === null || seen.has(next)) return fn === undefined ? current : null;
      current = next;
    }
  }
}

/**
 * A decimal string that is not a plain decimal number (`"65083.66"`, `"-0.5"`, `"1e-8"`).
 *
 * @example
 * ```ts
 * decimalToUnits('12,5', '0.1'); // throws InvalidDecimalError: "'12,5' is not a decimal number"
 * ```
 */
export class InvalidDecimalError extends BaseError {
  override name = 'InvalidDecimalError' as const;
  /** The offending text. */
  readonly input: string;
  constructor(input: string, what = 'a decimal number') {
    super(`'${input}' is not ${what}`);
    this.input = input;
  }
}

/**
 * An argument or option outside what a function accepts (a zero buffer size, a reversed range,
 * a non-integer seed, a timestamp that is not a number). The message names the value and what
 * was expected.
 *
 * @example
 * ```ts
 * new SeededRandom(1).int(3, 2); // throws InvalidArgumentError: '[3, 2]' is not an integer range with min ≤ max …
 * ```
 */
export class InvalidArgumentError extends BaseError {
  override name = 'InvalidArgumentError' as const;
  /** The offending value, as text. */
  readonly input: string;
  constructor(input: string, expected: string) {
    super(`'${input}' is not ${expected}`);
    this.input = input;
  }
}

/**
 * A value that is not a whole multiple of its increment (tick or lot size), with rounding `reject`.
 *
 * @example
 * ```ts
 * decimalToUnits('65083.661', '0.01'); // throws PrecisionError: "expected tick size 0.01, was 0.001 in '65083.661'"
 * ```
 */
export class PrecisionError extends BaseError {
  override name = 'PrecisionError' as const;
  /** The offending text. */
  readonly input: string;
  /** The increment the value had to be a multiple of. */
  readonly increment: string;
  /**
   * @param found - the finer step the input used (e.g. `0.001`), or `undefined` when the input has
   *   no more decimals than the increment but is still not a multiple of it (`1.2` with `0.5`).
   */
  constructor(input: string, increment: string, found: string | undefined, incrementName = 'tick size') {
    super(
      found === undefined
        ? `expected a multiple of ${incrementName} ${increment}, was '${input}'`
        : `expected ${incrementName} ${increment}, was ${found} in '${input}'`,
    );
    this.input = input;
    this.increment = increment;
  }
}

/**
 * A result outside the safe-integer range of a JS `number` (±9007199254740991).
 *
 * @example
 * ```ts
 * decimalToUnits('1e30', '0.01'); // throws UnsafeIntegerError
 * ```
 */
export class UnsafeIntegerError extends BaseError {
  override name = 'UnsafeIntegerError' as const;
  /** The offending input, as text. */
  readonly input: string;
  constructor(input: string, what = 'value') {
    super(`${what} '${input}' is outside the safe integer range ±${Number.MAX_SAFE_INTEGER}`);
    this.input = input;
  }
}

/**
 * An instrument that no registry entry matches.
 *
 * @example
 * ```ts
 * new InstrumentRegistry().get('kraken', 'BTC/USD'); // throws UnknownInstrumentError
 * ```
 */
export class UnknownInstrumentError extends BaseError {
  override name = 'UnknownInstrumentError' as const;
  readonly venue: string;
  readonly symbol: string;
  constructor(venue: string, symbol: string, known: readonly string[] = []) {
    super(`unknown instrument ${symbol} on ${venue}`, {
      ...(known.length > 0 ? { metaMessages: [`known on ${venue}: ${known.slice(0, 20).join(', ')}`] } : {}),
    });
    this.venue = venue;
    this.symbol = symbol;
  }
}

/**
 * An instrument specification that cannot describe a tradable instrument (bad symbol, zero tick).
 *
 * @example
 * ```ts
 * new Instrument({ venue: 'kraken', symbol: 'BTCUSD', base: 'BTC', quote: 'USD', tickSize: '0.1', lotSize: '0.00000001' });
 * // throws InvalidInstrumentError: symbol 'BTCUSD' is not canonical (expected BASE/QUOTE or BASE/QUOTE:SETTLE)
 * ```
 */
export class InvalidInstrumentError extends BaseError {
  override name = 'InvalidInstrumentError' as const;
}

/**
 * Two amounts of different currencies combined.
 *
 * @example
 * ```ts
 * Money.parse('1', 'USD').add(Money.parse('1', 'EUR')); // throws CurrencyMismatchError
 * ```
 */
export class CurrencyMismatchError extends BaseError {
  override name = 'CurrencyMismatchError' as const;
  constructor(operation: string, left: string, right: string) {
    super(`cannot ${operation} ${left} and ${right}: currencies differ`);
  }
}

/**
 * An amount that would go below zero where it may not (`checkedSub`), or a division that cannot be exact.
 *
 * @example
 * ```ts
 * Money.parse('1', 'USD').checkedSub(Money.parse('2', 'USD')); // throws InsufficientAmountError
 * ```
 */
export class InsufficientAmountError extends BaseError {
  override name = 'InsufficientAmountError' as const;
}

/**
 * A clock asked to move to an earlier time.
 *
 * @example
 * ```ts
 * const clock = new TestClock(2_000);
 * clock.advanceTo(1_000); // throws ClockBackwardsError
 * ```
 */
export class ClockBackwardsError extends BaseError {
  override name = 'ClockBackwardsError' as const;
  constructor(nowUs: number, toUs: number) {
    super(`clock cannot go backwards: now ${nowUs} µs, asked for ${toUs} µs`, { kind: 'fatal' });
  }
}

/**
 * A timer or alert that cannot be set (duplicate name, non-positive interval, time in the past).
 *
 * @example
 * ```ts
 * clock.setTimer('bar', 0); // throws InvalidTimerError: interval must be a positive integer
 * ```
 */
export class InvalidTimerError extends BaseError {
  override name = 'InvalidTimerError' as const;
}

/** Options of {@link OutOfOrderError}. */
export interface OutOfOrderErrorOptions {
  /** Index of the offending input, when the source merges several streams. */
  readonly streamIndex?: number;
  /** Appended to the message as given (start it with a space or `;`), e.g. the reorder window or the event. */
  readonly note?: string;
}

/**
 * An event stream that went back in time: something that needs events in `localTs` order (a
 * merge of streams, the execution kernel, a windowed feature) got one stamped before the one
 * it already took. The one out-of-order error of every package.
 *
 * @example
 * ```ts
 * [...mergeByLocalTsSync([[{ localTs: 2 }, { localTs: 1 }]])];
 * // throws OutOfOrderError: stream 0 went back in time: localTs 1 µs after 2 µs
 * new OutOfOrderError('OhlcvBarBuilder', 10, 5).message;
 * // 'OhlcvBarBuilder went back in time: localTs 5 µs after 10 µs'
 * ```
 */
export class OutOfOrderError extends BaseError {
  override name = 'OutOfOrderError' as const;
  /** What received the event: `stream 1 (trades)`, `event source`, a feature's name. */
  readonly source: string;
  /** Index of the offending input stream, for merges; otherwise `undefined`. */
  readonly streamIndex: number | undefined;
  /** Stamp of the event taken before, µs. */
  readonly previousTsUs: number;
  /** Stamp of the offending event, µs. */
  readonly tsUs: number;
  /**
   * @param source - what received the event, the start of the message.
   * @param previousTsUs - stamp of the event taken before, µs.
   * @param tsUs - stamp of the offending event, µs.
   */
  constructor(source: string, previousTsUs: number, tsUs: number, options: OutOfOrderErrorOptions = {}) {
    super(`${source} went back in time: localTs ${tsUs} µs after ${previousTsUs} µs${options.note ?? ''}`);
    this.source = source;
    this.streamIndex = options.streamIndex;
    this.previousTsUs = previousTsUs;
    this.tsUs = tsUs;
  }
}

/**
 * A bus subscriber whose buffer is full with the `error` overflow policy; the message was not accepted.
 *
 * @example
 * ```ts
 * bus.subscribe('trades', slowHandler, { bufferSize: 1, overflow: 'error' });
 * await bus.publish('trades', a); await bus.publish('trades', b); // second may throw BusOverflowError
 * ```
 */
export class BusOverflowError extends BaseError {
  override name = 'BusOverflowError' as const;
  constructor(topic: string, subscriptionId: string, bufferSize: number) {
    super(
      `subscriber ${subscriptionId} on topic '${topic}' has ${bufferSize} messages buffered (its bound); message not accepted`,
      { kind: 'retryable' },
    );
  }
}

/**
 * A bus used after `close()`.
 *
 * @example
 * ```ts
 * await bus.close(); await bus.publish('t', 1); // throws BusClosedError
 * ```
 */
export class BusClosedError extends BaseError {
  override name = 'BusClosedError' as const;
}

/**
 * A bus subscriber's handler threw and the subscription had no `onError` to take it.
 * Reported on the next `publish` to that topic and by `close()`; the handler's error is the `cause`.
 *
 * @example
 * ```ts
 * bus.subscribe('t', () => { throw new Error('boom'); });
 * await bus.publish('t', 1); await bus.close(); // rejects with SubscriberFailedError
 * ```
 */
export class SubscriberFailedError extends BaseError {
  override name = 'SubscriberFailedError' as const;
  constructor(topic: string, subscriptionId: string, cause: unknown) {
    super(`subscriber ${subscriptionId} on topic '${topic}' failed and was stopped`, { cause });
  }
}

/**
 * Invalid configuration: names the file, the key path, the value and what was allowed.
 *
 * @example
 * ```ts
 * // risk_limits.yaml: kelly_fraction = 1.5 is out of range (0, 0.5]
 * ```
 */
export class ConfigError extends BaseError {
  override name = 'ConfigError' as const;
  /** The file the problem is in (or the environment variable that set it). */
  readonly file: string;
  /** Dotted key path, e.g. `kelly_fraction` or `latency.binanceus.max_ms`. */
  readonly keyPath: string;
  constructor(file: string, keyPath: string, problem: string, options: BaseErrorOptions = {}) {
    super(`${file}: ${keyPath === '' ? '' : `${keyPath} `}${problem}`, options);
    this.file = file;
    this.keyPath = keyPath;
  }
}

/**
 * A metric registered twice under one name with a different type or label set.
 *
 * @example
 * ```ts
 * metrics.counter('x_total', 'help'); metrics.gauge('x_total', 'help'); // throws MetricConflictError
 * ```
 */
export class MetricConflictError extends BaseError {
  override name = 'MetricConflictError' as const;
}

/**
 * A metric or label name that Prometheus does not accept.
 *
 * @example
 * ```ts
 * metrics.counter('frames-total', 'help'); // throws InvalidMetricNameError
 * ```
 */
export class InvalidMetricNameError extends BaseError {
  override name = 'InvalidMetricNameError' as const;
}
