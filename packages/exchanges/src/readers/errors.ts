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
