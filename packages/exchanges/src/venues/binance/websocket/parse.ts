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
