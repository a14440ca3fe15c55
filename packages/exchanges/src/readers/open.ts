/**
 * Opening a recording: format detection and the common reader entry point.
 *
 * @module
 */
import { byteChunks, isGzip, type RecordingSource, sourceName } from './bytes.js';
import { RecordingReadError, RecordingTruncatedError, UnknownRecordingFormatError } from './errors.js';
import {
  cryptofeedVenue,
  parseCbcapHeader,
  readCbcap,
  readCryptofeed,
  readHftbacktest,
  readTickerml,
} from './formats.js';
import {
  newReaderStats,
  type RawFrame,
  type ReaderStats,
  type RecordingFormat,
  type RecordingInfo,
} from './raw-frame.js';

/** Options of {@link openRecording}. */
export interface OpenRecordingOptions {
  /** The file's format; `auto` (the default) detects it from the first line. */
  readonly format?: RecordingFormat | 'auto';
  /**
   * A file cut short (it ends inside a record, or its gzip stream before its end marker):
   * `accept` (the default) returns every good frame and sets `stats.truncatedTail`, as reading
   * the file a crashed recorder was writing needs; `error` throws {@link RecordingTruncatedError}
   * after the good frames, naming the last one, as a backtest needs.
   */
  readonly partial?: 'accept' | 'error';
}

/** An opened recording: what it is, its frames, and counters filled while iterating them. */
export interface Recording {
  readonly source: string;
  readonly info: RecordingInfo;
  /**
   * The frames in file order. Each call starts a fresh pass and resets {@link Recording.stats}.
   * @throws {RecordingCorruptError} after yielding every good frame, when compressed data is damaged.
   * @throws {RecordingReadError} when the file cannot be read.
   */
  frames(): AsyncIterable<RawFrame>;
  /** Counters of the latest pass (frames, malformed lines with samples, truncated tail). */
  readonly stats: ReaderStats;
}

const HEAD_BYTES = 64 * 1024;

async function readDecompressedHead(source: RecordingSource): Promise<{ head: string; compressed: boolean }> {
  let compressed: boolean;
  if (typeof source === 'string') {
    const { open } = await import('node:fs/promises');
    let handle: Awaited<ReturnType<typeof open>> | undefined;
    try {
      handle = await open(source, 'r');
      const magic = Buffer.alloc(2);
      const { bytesRead } = await handle.read(magic, 0, 2, 0);
      compressed = isGzip(magic.subarray(0, bytesRead));
    } catch (err) {
      throw new RecordingReadError(source, err);
    } finally {
      await handle?.close();
    }
  } else {
    compressed = isGzip(source);
  }
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of byteChunks(source)) {
      parts.push(chunk);
      size += chunk.length;
      if (size >= HEAD_BYTES || chunk.includes(0x0a)) break;
    }
  } catch (err) {
    if (err instanceof RecordingReadError) throw err;
    // Damaged compression right at the start: detection sees whatever came out.
  }
  return { head: Buffer.concat(parts).subarray(0, HEAD_BYTES).toString('utf8'), compressed };
}

/**
 * Tells the format of a recording from its first line.
 * @returns the format, and the venue/symbol the header names.
 * @throws {UnknownRecordingFormatError} when the first line matches no known format.
 */
export function detectFormat(firstLine: string, source = '<input>'): Omit<RecordingInfo, 'compressed'> {
  if (firstLine.startsWith('CBCAP1 ')) {
    const header = parseCbcapHeader(firstLine);
    return header === undefined ? { format: 'cbcap' } : { format: 'cbcap', venue: header.venue, symbol: header.symbol };
  }
  if (/^\d{10,25} [{[]/.test(firstLine)) {
    return firstLine.includes('{"stream":"') || firstLine.includes('"lastUpdateId"')
      ? { format: 'hftbacktest', venue: 'binance' }
      : { format: 'hftbacktest' };
  }
  if (firstLine.startsWith('{')) {
    let parsed: Record<string, unknown> | undefined;
    try {
      const value: unknown = JSON.parse(firstLine);
      if (typeof value === 'object' && value !== null) parsed = value as Record<string, unknown>;
    } catch {
      parsed = undefined;
    }
    if (parsed?.tickerml === 'recording' || (parsed === undefined && firstLine.startsWith('{"tickerml":"recording"'))) {
      return typeof parsed?.venue === 'string' ? { format: 'tickerml', venue: parsed.venue } : { format: 'tickerml' };
    }
    if (parsed !== undefined && typeof parsed.t === 'string') {
      return typeof parsed.exchange === 'string'
        ? { format: 'cryptofeed', venue: cryptofeedVenue(parsed.exchange) }
        : { format: 'cryptofeed' };
    }
    if (parsed === undefined && /^\{"t":"(header|recv|send|http|connect)"/.test(firstLine))
      return { format: 'cryptofeed' };
  }
  throw new UnknownRecordingFormatError(source, firstLine.slice(0, 80));
}

/**
 * Opens a recording in any supported format (gzip-compressed or not) for reading.
 *
 * @param source a file path, or the file's bytes.
 * @throws {UnknownRecordingFormatError} with `format: 'auto'` when the format is not recognised.
 * @throws {RecordingReadError} when the file cannot be opened.
 * @example
 * ```ts
 * const rec = await openRecording('test/fixtures/kraken/crossbook_kraken_btcusd_l2.cbcap');
 * for await (const frame of rec.frames()) console.log(frame.localTs, frame.data);
 * console.log(rec.stats.malformed, rec.stats.malformedSamples);
 * ```
 */
export async function openRecording(source: RecordingSource, options: OpenRecordingOptions = {}): Promise<Recording> {
  const { head, compressed } = await readDecompressedHead(source);
  const nl = head.indexOf('\n');
  const firstLine = (nl < 0 ? head : head.slice(0, nl)).replace(/\r$/, '');
  const requested = options.format ?? 'auto';
  let detected: Omit<RecordingInfo, 'compressed'>;
  if (requested === 'auto' && firstLine.length === 0 && typeof source === 'string' && source.endsWith('.tmrec.gz')) {
    // A recording cut short before its first line was complete (a crash right after creation).
    detected = { format: 'tickerml' };
  } else if (requested === 'auto') {
    detected = detectFormat(firstLine, sourceName(source));
  } else {
    try {
      detected = detectFormat(firstLine, sourceName(source));
      if (detected.format !== requested) detected = { format: requested };
    } catch {
      detected = { format: requested };
    }
  }
  const info: RecordingInfo = { ...detected, compressed };
  const stats = newReaderStats();
  const read = {
    cryptofeed: readCryptofeed,
    hftbacktest: readHftbacktest,
    cbcap: readCbcap,
    tickerml: readTickerml,
  }[info.format];
  return {
    source: sourceName(source),
    info,
    stats,
    frames() {
      stats.frames = 0;
      stats.malformed = 0;
      stats.malformedSamples.length = 0;
      stats.truncatedTail = false;
      return options.partial === 'error'
        ? refusePartial(read(source, stats), stats, sourceName(source))
        : read(source, stats);
    },
  };
}

/** Passes the frames on, then throws when the file turned out to be cut short. */
async function* refusePartial(
  frames: AsyncIterable<RawFrame>,
  stats: ReaderStats,
  source: string,
): AsyncGenerator<RawFrame> {
  let last: number | undefined;
  for await (const f of frames) {
    last = f.localTs;
    yield f;
  }
  if (stats.truncatedTail) throw new RecordingTruncatedError(source, stats.frames, last);
}
