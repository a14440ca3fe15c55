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

/**
 * Parses one frame. Returns a reason string for a malformed frame (bad JSON or wrong field
 * types) instead of throwing.
 */
export function parseBinanceFrame(text: string): BinanceMsg | string {
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
    const msg: BinanceDepthMsg = { type: 'depth', s: data.s, E: data.E, U: data.U, u: data.u, b: data.b, a: data.a };
    return typeof data.pu === 'number' ? { ...msg, pu: data.pu } : msg;
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
