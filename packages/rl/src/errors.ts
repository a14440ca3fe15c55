/**
 * Errors of `@tickerml/rl`: each names what was expected and what was found.
 *
 * @module
 */
import { BaseError } from '@tickerml/core';

/**
 * An option of the state encoder, the dataset builder or the normalisation is out of range.
 *
 * @example
 * ```ts
 * new StateEncoder({ venue: 'binance', symbol: 'BTC/USDT', bookLevels: 0 }); // throws RlOptionError
 * ```
 */
export class RlOptionError extends BaseError {
  override name = 'RlOptionError' as const;
  /** The option that was refused, e.g. `bookLevels`. */
  readonly option: string;
  constructor(option: string, expected: string, value: unknown) {
    super(`invalid ${option}: expected ${expected}, was ${safeJson(value)}`);
    this.option = option;
  }
}

/**
 * The encoder was asked for a vector at a time before the last event it applied: a vector at
 * `t0` may only use events received by `t0`, and events already applied cannot be taken back.
 *
 * @example
 * ```ts
 * encoder.onEvent(tradeAt2s);
 * encoder.encode(1_000_000, agent); // throws EncodeTimeError
 * ```
 */
export class EncodeTimeError extends BaseError {
  override name = 'EncodeTimeError' as const;
  constructor(nowUs: number, lastEventUs: number) {
    super(
      `cannot encode at ${nowUs} µs: the encoder already applied an event received at ${lastEventUs} µs; encode at decision times in localTs order`,
    );
  }
}

/**
 * A dataset file is not what the reader expects (not Arrow IPC, not a TickerML dataset, a
 * missing column or metadata key).
 *
 * @example
 * ```ts
 * readDataset('notes.txt'); // throws DatasetFormatError
 * ```
 */
export class DatasetFormatError extends BaseError {
  override name = 'DatasetFormatError' as const;
  /** The file that was refused. */
  readonly path: string;
  constructor(path: string, reason: string, cause?: unknown) {
    super(`${path} is not a readable TickerML dataset: ${reason}`, cause === undefined ? {} : { cause });
    this.path = path;
  }
}

/**
 * The input of the dataset builder cannot make a dataset (no recording, an unknown venue, no
 * instrument with a book, no sample whose horizon fits in the data).
 *
 * @example
 * ```ts
 * await buildDataset({ sources: [], out: 'x.arrow' }); // throws DatasetInputError
 * ```
 */
export class DatasetInputError extends BaseError {
  override name = 'DatasetInputError' as const;
  constructor(reason: string, cause?: unknown) {
    super(reason, cause === undefined ? {} : { cause });
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
