import { describe, expect, it } from 'vitest';
import { BaseError, ErrorKind, InvalidDecimalError, PrecisionError } from './errors.js';

class FeedStaleError extends BaseError {
  override name = 'FeedStaleError' as const;
  constructor(cause?: unknown) {
    super('kraken feed is stale: last frame 5000 ms ago', {
      kind: ErrorKind.Retryable,
      retryAfterMs: 1000,
      ...(cause === undefined ? {} : { cause }),
    });
  }
}

describe('BaseError', () => {
  it('carries a short message, kind, retry hint and a literal name', () => {
    const error = new FeedStaleError();
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(BaseError);
    expect(error.name).toBe('FeedStaleError');
    expect(error.kind).toBe('retryable');
    expect(error.retryAfterMs).toBe(1000);
    expect(error.shortMessage).toBe('kraken feed is stale: last frame 5000 ms ago');
    expect(new InvalidDecimalError('x').kind).toBe('non_retryable');
  });

  it('keeps the cause chain and puts the cause in the details', () => {
    const root = new Error('ECONNRESET');
    const middle = new PrecisionError('1.001', '0.01', '0.001', 'tick size');
    const withRoot = new BaseError('decode failed', { cause: root });
    const top = new FeedStaleError(new BaseError('wrapped', { cause: withRoot }));
    expect(top.cause).toBeInstanceOf(BaseError);
    expect(top.walk()).toBe(root);
    expect(top.walk((e) => e === withRoot)).toBe(withRoot);
    expect(top.walk((e) => e === middle)).toBeNull();
    expect(withRoot.details).toBe('ECONNRESET');
    expect(withRoot.message).toBe('decode failed\n\nDetails: ECONNRESET');
    expect(new BaseError('alone').walk()).toBeInstanceOf(BaseError);
  });

  it('stops walking on a cyclic chain', () => {
    const a = new BaseError('a');
    const b = new BaseError('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(b.walk()).toBe(a);
  });
});
