/**
 * KuCoin frame parsing, transport-free.
 *
 * @module
 */

export interface KucoinL2Msg {
  readonly type: 'l2';
  readonly symbol: string;
  readonly sequenceStart: number;
  readonly sequenceEnd: number;
  readonly asks: unknown;
  readonly bids: unknown;
  readonly timeMs: number | undefined;
}

export interface KucoinMatchMsg {
  readonly type: 'match';
  readonly symbol: string;
  /** Taker side. */
  readonly side: 'buy' | 'sell';
  readonly price: string;
  readonly size: string;
  readonly tradeId: string;
  /** Nanoseconds since the epoch, as text. */
  readonly timeNs: string | undefined;
}

export type KucoinMsg =
  | KucoinL2Msg
  | KucoinMatchMsg
  | { readonly type: 'welcome' | 'pong' | 'ack' | 'ignored' }
  | { readonly type: 'error'; readonly error: string };

const IGNORED = { type: 'ignored' } as const;

function seqOf(v: unknown): number {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : Number.NaN;
  if (typeof v === 'string' && /^[0-9]{1,16}$/.test(v)) {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : Number.NaN;
  }
  return Number.NaN;
}

/** Parses one frame; returns a reason string when malformed. */
export function parseKucoinFrame(text: string): KucoinMsg | string {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    return 'invalid JSON';
  }
  if (root === null || typeof root !== 'object' || Array.isArray(root)) return 'not a JSON object';
  const r = root as Record<string, unknown>;
  switch (r.type) {
    case 'welcome':
      return { type: 'welcome' };
    case 'pong':
      return { type: 'pong' };
    case 'ack':
      return { type: 'ack' };
    case 'error':
      return { type: 'error', error: String(r.data ?? r.code ?? 'error') };
    case 'message':
      break;
    default:
      return IGNORED;
  }
  const data = r.data as Record<string, unknown> | null;
  if (data === null || typeof data !== 'object') return 'message: data is not an object';
  if (r.subject === 'trade.l2update') {
    const start = seqOf(data.sequenceStart);
    const end = seqOf(data.sequenceEnd);
    const changes = data.changes as Record<string, unknown> | null;
    if (typeof data.symbol !== 'string' || Number.isNaN(start) || Number.isNaN(end))
      return 'l2update: symbol/sequenceStart/sequenceEnd missing or mistyped';
    if (start > end) return `l2update: sequenceStart ${start} > sequenceEnd ${end}`;
    if (changes === null || typeof changes !== 'object') return 'l2update: changes missing';
    return {
      type: 'l2',
      symbol: data.symbol,
      sequenceStart: start,
      sequenceEnd: end,
      asks: changes.asks ?? [],
      bids: changes.bids ?? [],
      timeMs: typeof data.time === 'number' ? data.time : undefined,
    };
  }
  if (r.subject === 'trade.l3match' || r.subject === 'trade.match') {
    const { symbol, side, price, size, tradeId, time } = data;
    if (
      typeof symbol !== 'string' ||
      (side !== 'buy' && side !== 'sell') ||
      typeof price !== 'string' ||
      typeof size !== 'string' ||
      typeof tradeId !== 'string'
    ) {
      return 'match: symbol/side/price/size/tradeId missing or mistyped';
    }
    return { type: 'match', symbol, side, price, size, tradeId, timeNs: typeof time === 'string' ? time : undefined };
  }
  return IGNORED;
}

/** A REST depth snapshot body (`{"code":"200000","data":{"sequence":"…","bids":…,"asks":…}}`). */
export interface KucoinSnapshotBody {
  readonly sequence: number;
  readonly timeMs: number | undefined;
  readonly bids: unknown;
  readonly asks: unknown;
}

/** Parses a REST snapshot; returns a reason string when malformed. */
export function parseKucoinSnapshot(body: string): KucoinSnapshotBody | string {
  let root: unknown;
  try {
    root = JSON.parse(body);
  } catch {
    return 'snapshot: invalid JSON';
  }
  const data = (root as { data?: unknown } | null)?.data as Record<string, unknown> | undefined;
  if (data === undefined || data === null || typeof data !== 'object') return 'snapshot: data missing';
  const sequence = seqOf(data.sequence);
  if (Number.isNaN(sequence)) return 'snapshot: sequence missing or mistyped';
  if (!Array.isArray(data.bids) || !Array.isArray(data.asks)) return 'snapshot: bids/asks are not arrays';
  return { sequence, timeMs: typeof data.time === 'number' ? data.time : undefined, bids: data.bids, asks: data.asks };
}
