/**
 * Errors raised while reading or writing recordings.
 *
 * @module
 */

// TODO(core): extend core's BaseError once packages/core/src/errors.ts lands; this local base
// keeps the same fields (shortMessage, details, cause, walk) so the switch is a one-line change.
/** Base of every error thrown by the recording readers, recorder and replay kit. */
export class RecordingBaseError extends Error {
  override name = 'RecordingBaseError';
  /** One line saying what went wrong, without the details. */
  readonly shortMessage: string;
  /** What was expected and what was found, where known. */
  readonly details: string | undefined;

  constructor(shortMessage: string, options: { details?: string; cause?: unknown } = {}) {
    super(options.details === undefined ? shortMessage : `${shortMessage}\n\nDetails: ${options.details}`, {
      cause: options.cause,
    });
    this.shortMessage = shortMessage;
    this.details = options.details;
  }

  /** Walks the `cause` chain and returns the deepest error, or the first one `predicate` accepts. */
  walk(predicate?: (err: unknown) => boolean): unknown {
    let current: unknown = this;
    for (;;) {
      if (predicate?.(current)) return current;
      const next = (current as { cause?: unknown } | null)?.cause;
      if (next === undefined || next === null) return predicate ? null : current;
      current = next;
    }
  }
}

/** The file's format could not be recognised from its first bytes. */
export class UnknownRecordingFormatError extends RecordingBaseError {
  override name = 'UnknownRecordingFormatError' as const;
  constructor(source: string, sample: string) {
    super(`Cannot tell the recording format of ${source}`, {
      details: `expected a cryptofeed header line, "<ns> <json>" lines, a "CBCAP1" header or a tickerml header; the file starts with ${JSON.stringify(sample)}`,
    });
  }
}

/** The compressed stream is damaged in a way that is not a simple truncation. */
export class RecordingCorruptError extends RecordingBaseError {
  override name = 'RecordingCorruptError' as const;
  constructor(source: string, framesBefore: number, cause: unknown) {
    super(`Corrupt compressed data in ${source} after ${framesBefore} good frames`, {
      details: `the gzip stream could not be decoded (${(cause as Error)?.message ?? String(cause)}); every frame before the damage was returned`,
      cause,
    });
  }
}

/** The recording could not be opened or read from disk. */
export class RecordingReadError extends RecordingBaseError {
  override name = 'RecordingReadError' as const;
  constructor(source: string, cause: unknown) {
    super(`Cannot read recording ${source}`, { details: (cause as Error)?.message ?? String(cause), cause });
  }
}

/** A recorder was given an invalid option or used after it was closed. */
export class RecorderError extends RecordingBaseError {
  override name = 'RecorderError' as const;
}
