/**
 * The recorder: every raw frame and REST response, stamped with its `localTs` before anything
 * parses it, appended to compressed files rotated per UTC day. Format: docs/recording.md.
 *
 * @module
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Clock } from '@tickerml/core';
import { RecorderError } from '../readers/errors.js';
import type { TickermlHeader } from '../readers/formats.js';
import type { RawFrame, RawFrameKind } from '../readers/raw-frame.js';

/**
 * Where the recorder gets `localTs` from when the caller does not pass one: the `nowUs` of
 * core's {@link Clock} (the app's one `LiveClock`, shared with its feeds; a `TestClock` in tests).
 * Only the reading is needed, so any object with `nowUs()` fits.
 */
export type RecorderClock = Pick<Clock, 'nowUs'>;

/** Options of {@link Recorder}. */
export interface RecorderOptions {
  /** Directory the files go to; created if missing. */
  readonly dir: string;
  /** Venue id written in the header and the file names, e.g. `kraken`. */
  readonly venue: string;
  /** Stamps frames that arrive without a `localTs`. */
  readonly clock: RecorderClock;
  /** Flush when the oldest buffered frame is this old, in microseconds of the clock. Defaults to 1,000,000 (1 s). */
  readonly flushIntervalUs?: number;
  /** Flush when this many bytes of uncompressed text are buffered. Defaults to 1 MiB. */
  readonly flushBytes?: number;
  /** `fsync` after every flush, so a power cut loses at most the unflushed buffer. Defaults to false. */
  readonly fsync?: boolean;
}

/** File extension of TickerML recordings. */
export const RECORDING_EXTENSION = '.tmrec.gz';

/** UTC `YYYY-MM-DD` of a time in microseconds. */
export function utcDay(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString().slice(0, 10);
}

/** Encodes one frame as a line of the TickerML format (without the newline). */
export function encodeFrame(frame: RawFrame): string {
  let line = `{"ts":${frame.localTs},"k":"${frame.kind}"`;
  if (frame.connId !== undefined) line += `,"c":${JSON.stringify(frame.connId)}`;
  if (frame.url !== undefined) line += `,"u":${JSON.stringify(frame.url)}`;
  return `${line},"d":${JSON.stringify(frame.data)}}`;
}

/**
 * Appends raw frames to `<dir>/<venue>-<YYYY-MM-DD>-<n>.tmrec.gz`.
 *
 * Each flush writes one complete gzip member in a single `write`, so a crash can only cut the
 * last member short; readers return every frame of the earlier members. A recorder never
 * appends to a file it did not create (a new process starts the next `<n>`), so a damaged tail
 * is never followed by good data. Time comes from the injected clock; nothing here reads the
 * wall clock.
 *
 * @throws {RecorderError} from the constructor on invalid options, and from `write`/`flush`
 * when the disk refuses the data (which then stays buffered for the next flush).
 * @example
 * ```ts
 * const recorder = new Recorder({ dir: 'data/raw', venue: 'kraken', clock });
 * ws.on('message', (data) => {
 *   const localTs = recorder.recv(data.toString(), 'kraken.ws.1'); // before parsing
 *   handler.onFrame(data.toString(), localTs);
 * });
 * // ...
 * recorder.close();
 * ```
 */
export class Recorder {
  private readonly dir: string;
  private readonly venue: string;
  private readonly clock: RecorderClock;
  private readonly flushIntervalUs: number;
  private readonly flushBytes: number;
  private readonly fsync: boolean;
  private fd: number | undefined;
  private day: string | undefined;
  private pending: string[] = [];
  private pendingBytes = 0;
  private oldestPendingUs = 0;
  private closed = false;
  private readonly written: string[] = [];
  /** Frames accepted so far. */
  framesRecorded = 0;
  /** Gzip members written so far. */
  flushes = 0;

  constructor(options: RecorderOptions) {
    const { flushIntervalUs = 1_000_000, flushBytes = 1024 * 1024 } = options;
    if (!Number.isSafeInteger(flushIntervalUs) || flushIntervalUs < 0) {
      throw new RecorderError('Invalid recorder option flushIntervalUs', {
        details: `expected an integer >= 0 (µs), was ${flushIntervalUs}`,
      });
    }
    if (!Number.isSafeInteger(flushBytes) || flushBytes < 1) {
      throw new RecorderError('Invalid recorder option flushBytes', {
        details: `expected an integer >= 1, was ${flushBytes}`,
      });
    }
    if (!/^[a-z0-9_.-]+$/i.test(options.venue)) {
      throw new RecorderError('Invalid recorder option venue', {
        details: `expected letters, digits, ".", "_" or "-", was ${JSON.stringify(options.venue)}`,
      });
    }
    this.dir = options.dir;
    this.venue = options.venue;
    this.clock = options.clock;
    this.flushIntervalUs = flushIntervalUs;
    this.flushBytes = flushBytes;
    this.fsync = options.fsync ?? false;
    try {
      mkdirSync(this.dir, { recursive: true });
    } catch (err) {
      throw new RecorderError(`Cannot create recording directory ${this.dir}`, {
        details: (err as Error).message,
        cause: err,
      });
    }
  }

  /** Files this recorder has created, oldest first. */
  get files(): readonly string[] {
    return this.written;
  }

  /**
   * Records one frame. Call it before parsing the frame.
   * @returns the frame's `localTs` (µs): the one passed in, or the clock's now.
   * @throws {RecorderError} when closed, or when a flush this write triggers fails.
   */
  write(frame: Omit<RawFrame, 'localTs'> & { readonly localTs?: number }): number {
    if (this.closed)
      throw new RecorderError('Recorder is closed', { details: `frame of kind ${frame.kind} was not recorded` });
    const localTs = frame.localTs ?? this.clock.nowUs();
    if (!Number.isSafeInteger(localTs) || localTs < 0) {
      throw new RecorderError('Invalid localTs', {
        details: `expected integer microseconds since the epoch, was ${localTs}`,
      });
    }
    const day = utcDay(localTs);
    if (this.day !== undefined && day !== this.day) {
      this.flush();
      this.closeFile();
    }
    this.day ??= day;
    const line = encodeFrame(frame.localTs === localTs ? (frame as RawFrame) : { ...frame, localTs });
    if (this.pending.length === 0) this.oldestPendingUs = localTs;
    this.pending.push(line);
    this.pendingBytes += line.length + 1;
    this.framesRecorded++;
    if (this.pendingBytes >= this.flushBytes || localTs - this.oldestPendingUs >= this.flushIntervalUs) this.flush();
    return localTs;
  }

  /** Records a received WebSocket message. @returns its `localTs` (µs). */
  recv(data: string, connId?: string, localTs?: number): number {
    return this.write(withOptional({ kind: 'recv' as RawFrameKind, data }, connId, undefined, localTs));
  }

  /** Records a message we sent. @returns its `localTs` (µs). */
  send(data: string, connId?: string, localTs?: number): number {
    return this.write(withOptional({ kind: 'send' as RawFrameKind, data }, connId, undefined, localTs));
  }

  /** Records a REST response body with its request URL. @returns its `localTs` (µs). */
  http(url: string, body: string, localTs?: number): number {
    return this.write(withOptional({ kind: 'http' as RawFrameKind, data: body }, undefined, url, localTs));
  }

  /** Records a connection opening. @returns its `localTs` (µs). */
  connect(connId: string, url: string, localTs?: number): number {
    return this.write(withOptional({ kind: 'connect' as RawFrameKind, data: '' }, connId, url, localTs));
  }

  /** Records a connection closing and why. @returns its `localTs` (µs). */
  disconnect(connId: string, reason: string, localTs?: number): number {
    return this.write(withOptional({ kind: 'disconnect' as RawFrameKind, data: reason }, connId, undefined, localTs));
  }

  /**
   * Writes the buffered frames as one gzip member. Call it from a timer to bound how much an
   * idle feed keeps in memory; `write` also calls it when the buffer is old or big enough.
   * @throws {RecorderError} when the file cannot be written; the frames stay buffered.
   */
  flush(): void {
    if (this.pending.length === 0) return;
    const fd = this.ensureFile();
    const member = gzipSync(`${this.pending.join('\n')}\n`);
    try {
      writeSync(fd, member);
      if (this.fsync) fsyncSync(fd);
    } catch (err) {
      throw new RecorderError(`Cannot write recording ${this.written.at(-1) ?? this.dir}`, {
        details: `${(err as Error).message}; ${this.pending.length} frames kept in memory for the next flush`,
        cause: err,
      });
    }
    this.pending = [];
    this.pendingBytes = 0;
    this.flushes++;
  }

  /** Flushes and closes the current file. Further writes throw. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closeFile();
    this.closed = true;
  }

  private ensureFile(): number {
    if (this.fd !== undefined) return this.fd;
    const day = this.day ?? utcDay(this.clock.nowUs());
    let n = 0;
    let path = join(this.dir, `${this.venue}-${day}-${n}${RECORDING_EXTENSION}`);
    while (existsSync(path)) {
      n++;
      path = join(this.dir, `${this.venue}-${day}-${n}${RECORDING_EXTENSION}`);
    }
    try {
      this.fd = openSync(path, 'wx');
    } catch (err) {
      throw new RecorderError(`Cannot create recording ${path}`, { details: (err as Error).message, cause: err });
    }
    this.written.push(path);
    const header: TickermlHeader = {
      tickerml: 'recording',
      version: 1,
      venue: this.venue,
      createdUs: this.oldestPendingUs,
    };
    this.pending.unshift(JSON.stringify(header));
    return this.fd;
  }

  private closeFile(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.day = undefined;
  }
}

function withOptional(
  base: { kind: RawFrameKind; data: string },
  connId: string | undefined,
  url: string | undefined,
  localTs: number | undefined,
): Omit<RawFrame, 'localTs'> & { localTs?: number } {
  const frame: { kind: RawFrameKind; data: string; connId?: string; url?: string; localTs?: number } = base;
  if (connId !== undefined) frame.connId = connId;
  if (url !== undefined) frame.url = url;
  if (localTs !== undefined) frame.localTs = localTs;
  return frame;
}
