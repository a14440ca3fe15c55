/**
 * Errors raised while reading or writing recordings.
 *
 * @module
 */

import { BaseError, type BaseErrorOptions } from '@tickerml/core';

/** Base of every error thrown by the recording readers, recorder and replay kit. */
export class RecordingBaseError extends BaseError {
  override name = 'RecordingBaseError';
  constructor(shortMessage: string, options: BaseErrorOptions = {}) {
    super(shortMessage, options);
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

/**
 * The recording ends inside a record, or its gzip stream ends before its end marker (a file cut
 * short: a crash mid-write, a partial copy). Thrown, after every good frame, only by a reader
 * opened with `partial: 'error'`; otherwise `stats.truncatedTail` says so.
 *
 * @example
 * ```ts
 * const rec = await openRecording('day.tmrec.gz', { partial: 'error' });
 * for await (const f of rec.frames()) use(f); // throws RecordingTruncatedError at the cut
 * ```
 */
export class RecordingTruncatedError extends RecordingBaseError {
  override name = 'RecordingTruncatedError' as const;
  /** Good frames read before the cut. */
  readonly framesBefore: number;
  /** `localTs` of the last good frame, µs, or `undefined` when there was none. */
  readonly lastGoodLocalTs: number | undefined;
  constructor(source: string, framesBefore: number, lastGoodLocalTs: number | undefined) {
    const last =
      lastGoodLocalTs === undefined
        ? 'no good frame before it'
        : `last good frame at ${new Date(Math.floor(lastGoodLocalTs / 1000)).toISOString()} (localTs ${lastGoodLocalTs} µs)`;
    super(`Recording ${source} is truncated: it ends inside a record after ${framesBefore} good frames; ${last}`, {
      details:
        'the file was cut short (a crash mid-write or a partial copy); accept a partial file explicitly to use it',
    });
    this.framesBefore = framesBefore;
    this.lastGoodLocalTs = lastGoodLocalTs;
  }
}

/**
 * A line longer than the readers accept: not a recording of the forced format (a file without
 * newlines), or a damaged one. Nothing past the cap is held in memory.
 *
 * @example
 * ```ts
 * await openRecording('/dev/zero', { format: 'tickerml' }); // frames() throws RecordingLineTooLongError
 * ```
 */
export class RecordingLineTooLongError extends RecordingBaseError {
  override name = 'RecordingLineTooLongError' as const;
  /** Byte offset (in the decompressed stream) where the line starts. */
  readonly offset: number;
  constructor(source: string, offset: number, maxLineBytes: number) {
    super(
      `${source}: line longer than ${maxLineBytes} bytes at byte offset ${offset} (of the decompressed data): not a line-based recording, or damaged`,
    );
    this.offset = offset;
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
