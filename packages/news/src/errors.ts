/**
 * Errors of the news package.
 *
 * @module
 */

import { BaseError } from '@tickerml/core';

/** A feed document that is not RSS or Atom, or cannot be parsed as XML. */
export class MalformedFeedError extends BaseError {
  override name = 'MalformedFeedError' as const;
  constructor(source: string, reason: string) {
    super(`news source "${source}": the document is not a readable RSS or Atom feed: ${reason}`);
  }
}

/** An HTTP answer a source cannot use (not 2xx/304); retryable on 429 and 5xx. */
export class NewsHttpError extends BaseError {
  override name = 'NewsHttpError' as const;
  /** The HTTP status. */
  readonly status: number;
  constructor(source: string, status: number, retryAfterMs?: number) {
    const retryable = status === 429 || status >= 500;
    super(`news source "${source}": HTTP ${status}`, {
      kind: retryable ? 'retryable' : 'non_retryable',
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
    this.status = status;
  }
}

/** An answer from the scoring model that does not fit the schema; counted and dropped, never guessed. */
export class InvalidScoreError extends BaseError {
  override name = 'InvalidScoreError' as const;
  constructor(model: string, reason: string) {
    super(`model "${model}" answered outside the score schema: ${reason}`);
  }
}
