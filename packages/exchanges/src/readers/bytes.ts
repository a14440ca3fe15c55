/**
 * Byte sources for the readers: files or in-memory buffers, gunzipped when they start with the
 * gzip magic, split into lines without ever decoding a partial UTF-8 sequence.
 *
 * @module
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { constants, createGunzip } from 'node:zlib';
import { RecordingCorruptError, RecordingLineTooLongError, RecordingReadError } from './errors.js';

/** A recording to read: a file path or the file's bytes. */
export type RecordingSource = string | Uint8Array;

/** A short name for a source in error messages. */
export function sourceName(source: RecordingSource): string {
  return typeof source === 'string' ? source : `<${source.byteLength} bytes in memory>`;
}

/** True when `head` starts with the gzip magic bytes 1f 8b. */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

function rawStream(source: RecordingSource): Readable {
  return typeof source === 'string'
    ? createReadStream(source, { highWaterMark: 256 * 1024 })
    : Readable.from([Buffer.from(source)]);
}

async function readHead(source: RecordingSource): Promise<Buffer> {
  if (typeof source !== 'string') return Buffer.from(source.subarray(0, 2));
  const stream = createReadStream(source, { start: 0, end: 1 });
  const parts: Buffer[] = [];
  try {
    for await (const chunk of stream) parts.push(chunk as Buffer);
  } catch (err) {
    throw new RecordingReadError(source, err);
  }
  return Buffer.concat(parts);
}

/**
 * Yields the decompressed bytes of `source` in chunks.
 *
 * A gzip stream cut short (a crash mid-write) ends quietly with everything that could be
 * decoded, and calls `onTruncated`; damaged compressed data throws {@link RecordingCorruptError}
 * after the good bytes. `framesSoFar` is only used to make that error say how much was recovered.
 */
export async function* byteChunks(
  source: RecordingSource,
  framesSoFar: () => number = () => 0,
  onTruncated: () => void = () => undefined,
): AsyncGenerator<Buffer> {
  const head = await readHead(source);
  const raw = rawStream(source);
  if (!isGzip(head)) {
    try {
      for await (const chunk of raw) yield chunk as Buffer;
    } catch (err) {
      throw new RecordingReadError(sourceName(source), err);
    }
    return;
  }
  // Z_FINISH (the default) as the finishing flush: a stream cut short yields what it holds, then
  // fails with Z_BUF_ERROR at the end of the input, which tells a cut from a complete file.
  const gunzip = createGunzip({ finishFlush: constants.Z_FINISH });
  // Compressed bytes go in small slices, and each slice's output is taken before the next one is
  // written: when zlib fails on damaged data it discards what it had buffered, so at most the
  // output of the damaged slice is lost, never that of earlier members.
  const queue: Buffer[] = [];
  let failure: unknown;
  gunzip.on('data', (chunk: Buffer) => queue.push(chunk));
  gunzip.on('error', (err) => {
    failure ??= err;
  });
  const settle = (write: (done: () => void) => void) =>
    new Promise<void>((resolve) => {
      const done = () => setImmediate(resolve);
      gunzip.once('error', done);
      write(() => {
        gunzip.off('error', done);
        done();
      });
    });
  try {
    outer: for await (const chunk of raw) {
      const bytes = chunk as Buffer;
      for (let offset = 0; offset < bytes.length; offset += GZIP_SLICE_BYTES) {
        await settle((done) => gunzip.write(bytes.subarray(offset, offset + GZIP_SLICE_BYTES), () => done()));
        while (queue.length > 0) yield queue.shift() as Buffer;
        if (failure !== undefined) break outer;
      }
    }
    if (failure === undefined) {
      // Wait for 'close', not the end callback: zlib may report the missing trailer (Z_BUF_ERROR)
      // after the writable side has finished, and a check made before that misses the cut.
      await new Promise<void>((resolve) => {
        gunzip.once('close', () => setImmediate(resolve));
        gunzip.end();
      });
      while (queue.length > 0) yield queue.shift() as Buffer;
      // Every byte was given and the stream wanted more: the file was cut short, not damaged.
      if ((failure as NodeJS.ErrnoException | undefined)?.code === 'Z_BUF_ERROR') {
        failure = undefined;
        onTruncated();
      }
    }
  } catch (err) {
    failure ??= err;
  } finally {
    raw.destroy();
    gunzip.destroy();
  }
  if (failure !== undefined) {
    const code = (failure as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR')
      throw new RecordingReadError(sourceName(source), failure);
    throw new RecordingCorruptError(sourceName(source), framesSoFar(), failure);
  }
}

/** Compressed bytes handed to zlib at a time (bounds what a damaged member can take with it). */
const GZIP_SLICE_BYTES = 65536;

/**
 * The longest line the line-based readers accept, in bytes: 64 MiB, far above any real frame (a
 * deep REST snapshot is a few MB) and low enough that a file with no newlines fails fast.
 */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

/** A line of a recording and whether a newline ended it (false only for the file's last line). */
export interface Line {
  /** 1-based line number. */
  readonly lineNo: number;
  readonly text: string;
  readonly terminated: boolean;
}

/**
 * Splits decompressed bytes into UTF-8 lines (without the `\n`, and without a trailing `\r`),
 * one batch per chunk: callers loop over each batch synchronously, so a file of small lines
 * costs one await per chunk, not one per line.
 */
export async function* splitLines(
  chunks: AsyncIterable<Buffer>,
  options: { readonly maxLineBytes?: number; readonly source?: string } = {},
): AsyncGenerator<Line[]> {
  const maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
  // Pieces of the current unfinished line; joined once its newline arrives, so a 5 MB frame
  // spread over hundreds of chunks is copied once, not once per chunk.
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  /** Offset of the current line's first byte in the stream. */
  let lineStart = 0;
  let chunkStart = 0;
  let lineNo = 0;
  for await (const chunk of chunks) {
    const batch: Line[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      let line: Buffer;
      if (pending.length > 0) {
        pending.push(chunk.subarray(start, nl));
        line = Buffer.concat(pending);
        pending = [];
      } else {
        line = chunk.subarray(start, nl);
      }
      const end = line.length > 0 && line[line.length - 1] === 0x0d ? line.length - 1 : line.length;
      lineNo++;
      if (line.length > maxLineBytes)
        throw new RecordingLineTooLongError(options.source ?? 'recording', lineStart, maxLineBytes);
      batch.push({ lineNo, text: line.toString('utf8', 0, end), terminated: true });
      start = nl + 1;
      lineStart = chunkStart + start;
      pendingBytes = 0;
    }
    if (start < chunk.length) {
      pending.push(chunk.subarray(start));
      pendingBytes += chunk.length - start;
      // A line without an end (a forced format on a file with no newlines) stops here, bounded.
      if (pendingBytes > maxLineBytes)
        throw new RecordingLineTooLongError(options.source ?? 'recording', lineStart, maxLineBytes);
    }
    chunkStart += chunk.length;
    if (batch.length > 0) yield batch;
  }
  if (pending.length > 0) {
    const rest = Buffer.concat(pending);
    if (rest.length > 0) {
      lineNo++;
      yield [{ lineNo, text: rest.toString('utf8'), terminated: false }];
    }
  }
}
