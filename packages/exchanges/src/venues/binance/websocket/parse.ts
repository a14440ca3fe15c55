/**
 * Binance WebSocket frame parsing (combined-stream envelopes or bare payloads), transport-free.
 *
 * @module
 */

/** A `depthUpdate` payload as sent (prices and quantities still strings). */
export interface BinanceDepthMsg {
  readonly type: 'depth';
  /** Venue symbol, e.g. `BTCUSDT`. */
  readonly s: string;
  readonly E: number;
  readonly U: number;
  readonly u: number;
  /** Futures only: previous `u`. */
  readonly pu?: number;
  readonly b: unknown;
  readonly a: unknown;
}

/** A `trade` payload. */
export interface BinanceTradeMsg {
  readonly type: 'trade';
  readonly s: string;
  readonly t: number;
  readonly p: string;
  readonly q: string;
  readonly T: number;
  /** Buyer is the maker (so the aggressor sold). */
  readonly m: boolean;
}

/** A USD-M `markPriceUpdate` payload. */
export interface BinanceMarkPriceMsg {
  readonly type: 'markPrice';
  readonly s: string;
  readonly E: number;
  /** Mark price. */
  readonly p: string;
  /** Funding rate. */
  readonly r: string;
  /** Next funding time, ms. */
  readonly T: number;
}

/** Parsed frame, or `ignored` for frames that carry nothing we use (acks, bookTicker, klines). */
export type BinanceMsg = BinanceDepthMsg | BinanceTradeMsg | BinanceMarkPriceMsg | { readonly type: 'ignored' };

const IGNORED = { type: 'ignored' } as const;

const ENVELOPE = '{"stream":"';
/** Streams (name after the symbol's `@`) that never yield an event: their frames are not parsed. */
const UNUSED_STREAMS = ['bookTicker', 'kline_', 'ticker', 'miniTicker', 'avgPrice'] as const;

/**
 * True when `text` is a combined-stream envelope of a stream that carries nothing the handlers
 * use (`btcusdt@bookTicker`, klines, tickers), decided from the stream name at the start of the
 * frame without parsing the rest. Allocates nothing.
 * @example
 * isUnusedStreamFrame('{"stream":"btcusdt@bookTicker","data":{...}}'); // true
 * isUnusedStreamFrame('{"stream":"btcusdt@depth@100ms","data":{...}}'); // false
 */
export function isUnusedStreamFrame(text: string): boolean {
  if (!text.startsWith(ENVELOPE)) return false;
  const start = ENVELOPE.length;
  const end = text.indexOf('"', start);
  const at = text.indexOf('@', start);
  if (end < 0 || at < 0 || at > end) return false;
  for (let i = 0; i < UNUSED_STREAMS.length; i++) if (text.startsWith(UNUSED_STREAMS[i] as string, at + 1)) return true;
  return false;
}

/**
 * Parses one frame. Returns a reason string for a malformed frame (bad JSON or wrong field
 * types) instead of throwing. Frames of unused streams ({@link isUnusedStreamFrame}) come back
 * `ignored` without being parsed, so a damaged one of those is ignored rather than counted
 * malformed.
 */
export function parseBinanceFrame(text: string): BinanceMsg | string {
  if (isUnusedStreamFrame(text)) return IGNORED;
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    return 'invalid JSON';
  }
  if (root === null || typeof root !== 'object' || Array.isArray(root)) return 'not a JSON object';
  const envelope = root as Record<string, unknown>;
  const data = (typeof envelope.stream === 'string' ? envelope.data : envelope) as Record<string, unknown> | null;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return 'stream data is not an object';
  const e = data.e;
  if (e === 'depthUpdate') {
    if (typeof data.s !== 'string' || !isSeq(data.U) || !isSeq(data.u) || typeof data.E !== 'number')
      return 'depthUpdate: s/E/U/u missing or mistyped';
    if (data.U > data.u) return `depthUpdate: U ${data.U} > u ${data.u}`;
    if (data.pu !== undefined && !isSeq(data.pu) && data.pu !== -1) return 'depthUpdate: pu mistyped';
    if (typeof data.pu === 'number')
      return { type: 'depth', s: data.s, E: data.E, U: data.U, u: data.u, pu: data.pu, b: data.b, a: data.a };
    return { type: 'depth', s: data.s, E: data.E, U: data.U, u: data.u, b: data.b, a: data.a };
  }
  if (e === 'trade' || e === 'aggTrade') {
    const id = e === 'trade' ? data.t : data.a;
    if (
      typeof data.s !== 'string' ||
      typeof id !== 'number' ||
      typeof data.p !== 'string' ||
      typeof data.q !== 'string' ||
      typeof data.T !== 'number' ||
      typeof data.m !== 'boolean'
    ) {
      return `${e}: fields missing or mistyped`;
    }
    return { type: 'trade', s: data.s, t: id, p: data.p, q: data.q, T: data.T, m: data.m };
  }
  if (e === 'markPriceUpdate') {
    if (
      typeof data.s !== 'string' ||
      typeof data.r !== 'string' ||
      typeof data.T !== 'number' ||
      typeof data.p !== 'string' ||
      typeof data.E !== 'number'
    ) {
      return 'markPriceUpdate: fields missing or mistyped';
    }
    return { type: 'markPrice', s: data.s, E: data.E, p: data.p, r: data.r, T: data.T };
  }
  if (typeof envelope.stream !== 'string' && 'result' in envelope && 'id' in envelope) return IGNORED; // subscribe ack
  if (typeof envelope.stream !== 'string' && 'code' in envelope && 'msg' in envelope)
    return `venue error: ${String(envelope.msg).slice(0, 100)}`;
  return IGNORED;
}

function isSeq(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** A parsed REST depth snapshot (levels still strings). */
export interface BinanceSnapshotBody {
  readonly lastUpdateId: number;
  readonly bids: unknown;
  readonly asks: unknown;
}

/** Parses a REST `/api/v3/depth` body; returns a reason string when malformed. */
export function parseBinanceSnapshot(body: string): BinanceSnapshotBody | string {
  let root: unknown;
  try {
    root = JSON.parse(body);
  } catch {
    return 'snapshot: invalid JSON';
  }
  if (root === null || typeof root !== 'object') return 'snapshot: not an object';
  const r = root as Record<string, unknown>;
  if (!isSeq(r.lastUpdateId)) return 'snapshot: lastUpdateId missing or mistyped';
  if (!Array.isArray(r.bids) || !Array.isArray(r.asks)) return 'snapshot: bids/asks are not arrays';
  return { lastUpdateId: r.lastUpdateId, bids: r.bids, asks: r.asks };
}

/**
 * Where the fields of one `depthUpdate` frame sit in its text, filled by {@link scanDepthUpdate}
 * and reused frame after frame (the hot path of a depth stream allocates no parse tree).
 */
export class DepthScan {
  /** Venue symbol is `text.slice(symbolStart, symbolEnd)`. */
  symbolStart = 0;
  symbolEnd = 0;
  /** Event time, ms. */
  E = 0;
  /** First update id. */
  U = 0;
  /** Last update id. */
  u = 0;
  /** Number of bid / ask levels. */
  bidCount = 0;
  askCount = 0;
  /** Per level: price start, price end, quantity start, quantity end (offsets into the text). */
  bidOffsets = new Int32Array(4 * 256);
  askOffsets = new Int32Array(4 * 256);
}

const QUOTE = 34;
const COMMA = 44;
const COLON = 58;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const DATA_KEY = ',"data":';
const DEPTH_UPDATE = 'depthUpdate"';
const SEEN_E = 1;
const SEEN_EVENT_TIME = 2;
const SEEN_SYMBOL = 4;
const SEEN_FIRST = 8;
const SEEN_LAST = 16;
const SEEN_BIDS = 32;
const SEEN_ASKS = 64;
const SEEN_ALL = 127;

/**
 * Finds the fields of a spot `depthUpdate` frame (bare or in a combined-stream envelope) in
 * place, without `JSON.parse`. Only the compact layout Binance sends is accepted: anything else
 * (whitespace, escapes, unknown or repeated keys, non-integer ids, level rows that are not two
 * strings) returns `false`, and the caller takes {@link parseBinanceFrame}, which decides what
 * the frame is. When it returns `true` the frame is one `parseBinanceFrame` reads as the same
 * depth message. Allocates nothing unless a frame has more than 256 levels a side.
 * @example
 * const scan = new DepthScan();
 * if (scanDepthUpdate(text, scan)) console.log(text.slice(scan.symbolStart, scan.symbolEnd), scan.U, scan.u);
 */
export function scanDepthUpdate(text: string, out: DepthScan): boolean {
  const n = text.length;
  let i = 0;
  let enveloped = false;
  if (text.startsWith(ENVELOPE)) {
    if (isUnusedStreamFrame(text)) return false; // parseBinanceFrame ignores these whatever they hold
    const end = plainStringEnd(text, ENVELOPE.length);
    if (end < 0 || !text.startsWith(DATA_KEY, end + 1)) return false;
    i = end + 1 + DATA_KEY.length;
    enveloped = true;
  }
  if (text.charCodeAt(i) !== OPEN_BRACE) return false;
  i++;
  let seen = 0;
  for (;;) {
    if (text.charCodeAt(i) !== QUOTE) return false;
    const keyStart = i + 1;
    const keyEnd = plainStringEnd(text, keyStart);
    if (keyEnd < 0 || text.charCodeAt(keyEnd + 1) !== COLON) return false;
    i = keyEnd + 2;
    const keyLength = keyEnd - keyStart;
    const k = text.charCodeAt(keyStart);
    let flag = 0;
    if (keyLength === 1 && k === 101 /* e */) {
      if (text.charCodeAt(i) !== QUOTE || !text.startsWith(DEPTH_UPDATE, i + 1)) return false;
      i += 1 + DEPTH_UPDATE.length;
      flag = SEEN_E;
    } else if (keyLength === 1 && k === 115 /* s */) {
      if (text.charCodeAt(i) !== QUOTE) return false;
      const end = plainStringEnd(text, i + 1);
      if (end < 0) return false;
      out.symbolStart = i + 1;
      out.symbolEnd = end;
      i = end + 1;
      flag = SEEN_SYMBOL;
    } else if (keyLength === 1 && (k === 69 /* E */ || k === 85 /* U */ || k === 117) /* u */) {
      let value = 0;
      const start = i;
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c < 48 || c > 57) break;
        value = value * 10 + (c - 48);
      }
      // 1 to 15 digits: an exact safe integer, as JSON.parse would give (no sign, fraction, exponent)
      if (i === start || i - start > 15) return false;
      if (k === 69) {
        out.E = value;
        flag = SEEN_EVENT_TIME;
      } else if (k === 85) {
        out.U = value;
        flag = SEEN_FIRST;
      } else {
        out.u = value;
        flag = SEEN_LAST;
      }
    } else if (keyLength === 1 && (k === 98 /* b */ || k === 97) /* a */) {
      i = scanLevels(text, i, out, k === 98);
      if (i < 0) return false;
      flag = k === 98 ? SEEN_BIDS : SEEN_ASKS;
    } else {
      return false;
    }
    if (seen & flag) return false; // a repeated key: JSON.parse keeps the last one
    seen |= flag;
    const c = text.charCodeAt(i++);
    if (c === COMMA) continue;
    if (c === CLOSE_BRACE) break;
    return false;
  }
  if (enveloped && text.charCodeAt(i++) !== CLOSE_BRACE) return false;
  return i === n && seen === SEEN_ALL && out.U <= out.u;
}

/** Index of the quote closing a string that starts at `start`; -1 on an escape, a control character or no end. */
function plainStringEnd(text: string, start: number): number {
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) return i;
    if (c === 92 /* \ */ || c < 32) return -1;
  }
  return -1;
}

/** Scans `[["p","q"],...]` at `start` into the scan's offsets; returns the index after it, or -1. */
function scanLevels(text: string, start: number, out: DepthScan, bids: boolean): number {
  let i = start;
  if (text.charCodeAt(i++) !== OPEN_BRACKET) return -1;
  let offsets = bids ? out.bidOffsets : out.askOffsets;
  let count = 0;
  if (text.charCodeAt(i) === CLOSE_BRACKET) i++;
  else
    for (;;) {
      if (text.charCodeAt(i) !== OPEN_BRACKET || text.charCodeAt(i + 1) !== QUOTE) return -1;
      const priceEnd = plainStringEnd(text, i + 2);
      if (priceEnd < 0 || text.charCodeAt(priceEnd + 1) !== COMMA || text.charCodeAt(priceEnd + 2) !== QUOTE) return -1;
      const qtyEnd = plainStringEnd(text, priceEnd + 3);
      if (qtyEnd < 0 || text.charCodeAt(qtyEnd + 1) !== CLOSE_BRACKET) return -1;
      if (4 * count + 4 > offsets.length) {
        const grown = new Int32Array(offsets.length * 2);
        grown.set(offsets);
        offsets = grown;
        if (bids) out.bidOffsets = grown;
        else out.askOffsets = grown;
      }
      const o = 4 * count;
      offsets[o] = i + 2;
      offsets[o + 1] = priceEnd;
      offsets[o + 2] = priceEnd + 3;
      offsets[o + 3] = qtyEnd;
      count++;
      i = qtyEnd + 2;
      const c = text.charCodeAt(i++);
      if (c === COMMA) continue;
      if (c === CLOSE_BRACKET) break;
      return -1;
    }
  if (bids) out.bidCount = count;
  else out.askCount = count;
  return i;
}
