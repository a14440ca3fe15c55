/**
 * Line and record parsers for the four recording formats. Each turns a byte source into
 * {@link RawFrame}s, counting what it cannot read instead of failing on it.
 *
 * @module
 */
import { byteChunks, type Line, type RecordingSource, sourceName, splitLines } from './bytes.js';
import { noteMalformed, type RawFrame, type RawFrameKind, type ReaderStats } from './raw-frame.js';

/** Marks the stats when the compressed stream was cut short (even at a line boundary). */
function truncated(stats: ReaderStats): () => void {
  return () => {
    stats.truncatedTail = true;
  };
}

const CRYPTOFEED_KINDS: Record<string, RawFrameKind> = {
  recv: 'recv',
  send: 'send',
  http: 'http',
  connect: 'connect',
  disconnect: 'disconnect',
};

/** cryptofeed exchange ids (header `exchange`) mapped to TickerML venue ids. */
const CRYPTOFEED_VENUES: Record<string, string> = {
  BINANCE: 'binance',
  BINANCE_US: 'binanceus',
  BINANCE_FUTURES: 'binanceusdm',
  COINBASE: 'coinbase',
  KRAKEN: 'kraken',
  KRAKEN_FUTURES: 'krakenfutures',
  KUCOIN: 'kucoin',
  KUCOIN_FUTURES: 'kucoinfutures',
};

/** TickerML venue id for a cryptofeed exchange id (lower-cased when unknown). */
export function cryptofeedVenue(exchange: string): string {
  return CRYPTOFEED_VENUES[exchange] ?? exchange.toLowerCase();
}

/** Seconds (a float, as cryptofeed writes them) to integer microseconds. */
function secondsToUs(seconds: number): number {
  return Math.round(seconds * 1e6);
}

/**
 * Parses one JSON-lines record that must be an object. A malformed line is counted with its
 * reason (invalid JSON, a truncated last line, not an object) and gives `undefined`.
 */
function parseObjectLine(line: Line, stats: ReaderStats): Record<string, unknown> | undefined {
  let record: unknown;
  try {
    record = JSON.parse(line.text);
  } catch (err) {
    if (!line.terminated) stats.truncatedTail = true;
    noteMalformed(
      stats,
      line.lineNo,
      line.terminated ? `invalid JSON (${(err as Error).message})` : 'truncated last line',
      line.text,
    );
    return undefined;
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    noteMalformed(stats, line.lineNo, 'expected a JSON object', line.text);
    return undefined;
  }
  return record as Record<string, unknown>;
}

/**
 * cryptofeed "format 2" JSONL: `{"t": "recv"|"send"|"http"|"connect", "conn", "ts" (s), "url"|"addr", "data"}`.
 * Header lines (`"t": "header"`) are not frames.
 */
export async function* readCryptofeed(source: RecordingSource, stats: ReaderStats): AsyncGenerator<RawFrame> {
  for await (const batch of splitLines(
    byteChunks(source, () => stats.frames, truncated(stats)),
    { source: sourceName(source) },
  ))
    for (const line of batch) {
      if (line.text.length === 0) continue;
      const r = parseObjectLine(line, stats);
      if (r === undefined) continue;
      if (r.t === 'header') continue;
      const kind = typeof r.t === 'string' ? CRYPTOFEED_KINDS[r.t] : undefined;
      if (kind === undefined) {
        noteMalformed(stats, line.lineNo, `unknown record type ${JSON.stringify(r.t)}`, line.text);
        continue;
      }
      if (typeof r.ts !== 'number' || !Number.isSafeInteger(secondsToUs(r.ts)) || r.ts < 0) {
        noteMalformed(stats, line.lineNo, `expected "ts" in unix seconds, found ${JSON.stringify(r.ts)}`, line.text);
        continue;
      }
      const data = r.data ?? '';
      if (typeof data !== 'string') {
        noteMalformed(stats, line.lineNo, `expected "data" to be a string, found ${typeof data}`, line.text);
        continue;
      }
      const url = typeof r.url === 'string' ? r.url : typeof r.addr === 'string' ? r.addr : undefined;
      const frame: { -readonly [K in keyof RawFrame]: RawFrame[K] } = { localTs: secondsToUs(r.ts), kind, data };
      if (typeof r.conn === 'string') frame.connId = r.conn;
      if (url !== undefined) frame.url = url;
      stats.frames++;
      yield frame;
    }
}

const DIGITS = /^\d{1,25}$/;

/** Nanoseconds as a decimal string to integer microseconds (exact: drops the last 3 digits). */
function nsTextToUs(ns: string): number {
  return ns.length <= 3 ? 0 : Number(ns.slice(0, -3));
}

/**
 * hftbacktest raw lines: `<local_receive_ns> <raw JSON>`. Binance combined-stream envelopes are
 * `recv` frames; a bare REST depth snapshot (`{"lastUpdateId"...}`) is an `http` frame whose
 * `url` is inferred from the last stream seen (`/api/v3/depth?symbol=BTCUSDT&limit=1000`).
 */
export async function* readHftbacktest(source: RecordingSource, stats: ReaderStats): AsyncGenerator<RawFrame> {
  let lastSymbol: string | undefined;
  for await (const batch of splitLines(
    byteChunks(source, () => stats.frames, truncated(stats)),
    { source: sourceName(source) },
  ))
    for (const line of batch) {
      const text = line.text;
      if (text.length === 0) continue;
      const space = text.indexOf(' ');
      const ns = space > 0 ? text.slice(0, space) : '';
      if (!DIGITS.test(ns)) {
        noteMalformed(stats, line.lineNo, 'expected "<nanoseconds> <json>"', text);
        continue;
      }
      const localTs = nsTextToUs(ns);
      if (!Number.isSafeInteger(localTs)) {
        noteMalformed(stats, line.lineNo, `timestamp ${ns} ns is out of range`, text);
        continue;
      }
      const body = text.slice(space + 1);
      const first = body.charCodeAt(0);
      const last = body.charCodeAt(body.length - 1);
      if (!((first === 0x7b && last === 0x7d) || (first === 0x5b && last === 0x5d))) {
        if (!line.terminated) stats.truncatedTail = true;
        noteMalformed(
          stats,
          line.lineNo,
          line.terminated ? 'expected a JSON object or array after the timestamp' : 'truncated last line',
          text,
        );
        continue;
      }
      stats.frames++;
      if (body.startsWith('{"stream":"')) {
        const at = body.indexOf('@', 11);
        if (at > 11 && at < 40) lastSymbol = body.slice(11, at).toUpperCase();
        yield { localTs, kind: 'recv', data: body };
      } else if (body.startsWith('{"lastUpdateId"')) {
        const url = `/api/v3/depth?symbol=${lastSymbol ?? 'UNKNOWN'}&limit=1000`;
        yield { localTs, kind: 'http', url, data: body };
      } else {
        yield { localTs, kind: 'recv', data: body };
      }
    }
}

/** Parsed `CBCAP1 <venue> <symbol> <unix_ns_at_start>` header. */
export interface CbcapHeader {
  readonly venue: string;
  readonly symbol: string;
  readonly startNs: bigint;
}

/** Parses a crossbook capture header line, or returns undefined. */
export function parseCbcapHeader(line: string): CbcapHeader | undefined {
  const m = /^CBCAP1 (\S+) (\S+) (\d{1,25})$/.exec(line);
  if (m === null) return undefined;
  return { venue: m[1] as string, symbol: m[2] as string, startNs: BigInt(m[3] as string) };
}

const RECORD_HEADER = /^(\d{1,25}) (\d{1,12})$/;

/**
 * crossbook capture: header line, then `<ts_ns> <byte_count>\n<bytes>\n` per frame. `ts_ns` is a
 * steady clock, so `localTs` = header start + (ts_ns - first ts_ns). A damaged record header is
 * counted and the reader resumes at the next line that looks like one.
 */
export async function* readCbcap(source: RecordingSource, stats: ReaderStats): AsyncGenerator<RawFrame> {
  const parts: Buffer[] = [];
  for await (const chunk of byteChunks(source, () => stats.frames, truncated(stats))) parts.push(chunk);
  const buf = Buffer.concat(parts);
  let pos = buf.indexOf(0x0a);
  const header = parseCbcapHeader(buf.toString('utf8', 0, pos < 0 ? Math.min(buf.length, 200) : pos));
  if (header === undefined || pos < 0) {
    noteMalformed(
      stats,
      1,
      'expected "CBCAP1 <venue> <symbol> <unix_ns>"',
      buf.toString('utf8', 0, Math.min(buf.length, 160)),
    );
    if (pos < 0) return;
  }
  const startUs = header === undefined ? 0n : header.startNs / 1000n;
  let firstNs: bigint | undefined;
  let record = 1;
  pos++;
  while (pos < buf.length) {
    record++;
    const nl = buf.indexOf(0x0a, pos);
    if (nl < 0) {
      stats.truncatedTail = true;
      noteMalformed(
        stats,
        record,
        'truncated record header',
        buf.toString('utf8', pos, Math.min(buf.length, pos + 160)),
      );
      return;
    }
    const head = RECORD_HEADER.exec(buf.toString('latin1', pos, Math.min(nl, pos + 40)));
    if (head === null || nl - pos > 40) {
      noteMalformed(
        stats,
        record,
        'expected "<ts_ns> <byte_count>"',
        buf.toString('utf8', pos, Math.min(nl, pos + 160)),
      );
      pos = nl + 1;
      continue;
    }
    const ns = BigInt(head[1] as string);
    const length = Number(head[2]);
    const bodyStart = nl + 1;
    const bodyEnd = bodyStart + length;
    if (bodyEnd > buf.length) {
      stats.truncatedTail = true;
      noteMalformed(
        stats,
        record,
        `record of ${length} bytes cut short at end of file`,
        buf.toString('utf8', bodyStart, Math.min(buf.length, bodyStart + 160)),
      );
      return;
    }
    if (bodyEnd < buf.length && buf[bodyEnd] !== 0x0a) {
      noteMalformed(
        stats,
        record,
        `record of ${length} bytes not followed by a newline`,
        buf.toString('utf8', bodyStart, Math.min(bodyEnd, bodyStart + 160)),
      );
      pos = nl + 1;
      continue;
    }
    firstNs ??= ns;
    const localTs = Number(startUs + (ns - firstNs) / 1000n);
    if (!Number.isSafeInteger(localTs) || localTs < 0) {
      noteMalformed(
        stats,
        record,
        `timestamp ${ns} ns is out of range`,
        buf.toString('utf8', bodyStart, Math.min(bodyEnd, bodyStart + 160)),
      );
      pos = bodyEnd + 1;
      continue;
    }
    stats.frames++;
    yield { localTs, kind: 'recv', data: buf.toString('utf8', bodyStart, bodyEnd) };
    pos = bodyEnd + 1;
  }
}

/** The first line of every TickerML recording file. */
export interface TickermlHeader {
  readonly tickerml: 'recording';
  /** Format version; this reader understands 1. */
  readonly version: number;
  readonly venue?: string;
  /** When the file was created, microseconds since the epoch. */
  readonly createdUs?: number;
}

/**
 * TickerML's own recording format (see docs/recording.md): gzip members of JSON lines
 * `{"ts": µs, "k": kind, "c"?: connId, "u"?: url, "d": data}` after a header line.
 */
export async function* readTickerml(source: RecordingSource, stats: ReaderStats): AsyncGenerator<RawFrame> {
  for await (const batch of splitLines(
    byteChunks(source, () => stats.frames, truncated(stats)),
    { source: sourceName(source) },
  ))
    for (const line of batch) {
      if (line.text.length === 0) continue;
      const r = parseObjectLine(line, stats);
      if (r === undefined) continue;
      if (r.tickerml === 'recording') continue;
      const kind = typeof r.k === 'string' ? CRYPTOFEED_KINDS[r.k] : undefined;
      if (kind === undefined) {
        noteMalformed(stats, line.lineNo, `unknown frame kind ${JSON.stringify(r.k)}`, line.text);
        continue;
      }
      if (typeof r.ts !== 'number' || !Number.isSafeInteger(r.ts) || r.ts < 0) {
        noteMalformed(
          stats,
          line.lineNo,
          `expected "ts" in integer microseconds, found ${JSON.stringify(r.ts)}`,
          line.text,
        );
        continue;
      }
      if (typeof r.d !== 'string') {
        noteMalformed(stats, line.lineNo, `expected "d" to be a string, found ${typeof r.d}`, line.text);
        continue;
      }
      const frame: { -readonly [K in keyof RawFrame]: RawFrame[K] } = { localTs: r.ts, kind, data: r.d };
      if (typeof r.c === 'string') frame.connId = r.c;
      if (typeof r.u === 'string') frame.url = r.u;
      stats.frames++;
      yield frame;
    }
}
