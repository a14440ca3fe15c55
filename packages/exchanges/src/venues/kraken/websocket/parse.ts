/**
 * Kraken v2 frame parsing, transport-free. Numbers the checksum depends on stay strings.
 *
 * @module
 */
import { quoteKrakenNumbers } from '../common/parse.js';

/** One book entry of a `book` message (strings, exactly as sent). */
export interface KrakenLevelText {
  readonly price: string;
  readonly qty: string;
}

/** A `book` snapshot or update for one symbol. */
export interface KrakenBookMsg {
  readonly type: 'book';
  readonly snapshot: boolean;
  readonly symbol: string;
  readonly bids: readonly KrakenLevelText[];
  readonly asks: readonly KrakenLevelText[];
  readonly checksum: number;
  readonly timestamp: string | undefined;
}

/** One public trade. */
export interface KrakenTradeMsg {
  readonly type: 'trade';
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly price: string;
  readonly qty: string;
  readonly tradeId: string;
  readonly timestamp: string | undefined;
}

/** One L3 order event (`level3` channel). */
export interface KrakenL3Msg {
  readonly type: 'l3';
  readonly snapshot: boolean;
  readonly symbol: string;
  readonly orders: readonly {
    readonly side: 'bid' | 'ask';
    readonly event: 'add' | 'modify' | 'delete';
    readonly orderId: string;
    readonly price: string;
    readonly qty: string;
    readonly timestamp: string | undefined;
  }[];
}

export type KrakenMsg =
  | { readonly type: 'batch'; readonly items: readonly (KrakenBookMsg | KrakenTradeMsg | KrakenL3Msg)[] }
  | { readonly type: 'ignored' }
  | { readonly type: 'error'; readonly error: string };

const IGNORED = { type: 'ignored' } as const;

function levelsOf(raw: unknown, where: string): KrakenLevelText[] | string {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) return `${where} is not an array`;
  const out: KrakenLevelText[] = [];
  for (const l of raw) {
    if (l === null || typeof l !== 'object') return `${where} entry is not an object`;
    const { price, qty } = l as Record<string, unknown>;
    if (typeof price !== 'string' || typeof qty !== 'string') return `${where} price/qty are not numbers`;
    out.push({ price, qty });
  }
  return out;
}

/** Parses one frame; returns a reason string when it is malformed. */
export function parseKrakenFrame(text: string): KrakenMsg | string {
  let root: unknown;
  try {
    root = JSON.parse(text.includes('"price"') || text.includes('"limit_price"') ? quoteKrakenNumbers(text) : text);
  } catch {
    return 'invalid JSON';
  }
  if (root === null || typeof root !== 'object' || Array.isArray(root)) return 'not a JSON object';
  const r = root as Record<string, unknown>;
  if (typeof r.method === 'string') {
    if (r.success === false) return { type: 'error', error: String(r.error ?? 'request failed') };
    return IGNORED; // subscribe/unsubscribe acks, pong
  }
  const channel = r.channel;
  if (channel === 'heartbeat' || channel === 'status' || channel === 'ticker' || channel === 'instrument')
    return IGNORED;
  if (channel !== 'book' && channel !== 'trade' && channel !== 'level3') return IGNORED;
  if (!Array.isArray(r.data)) return `${channel}: data is not an array`;
  const snapshot = r.type === 'snapshot';
  if (!snapshot && r.type !== 'update') return `${channel}: type must be snapshot or update`;
  const items: (KrakenBookMsg | KrakenTradeMsg | KrakenL3Msg)[] = [];
  for (const d of r.data as unknown[]) {
    if (d === null || typeof d !== 'object') return `${channel}: data entry is not an object`;
    const e = d as Record<string, unknown>;
    if (typeof e.symbol !== 'string') return `${channel}: symbol missing`;
    const timestamp = typeof e.timestamp === 'string' ? e.timestamp : undefined;
    if (channel === 'book') {
      const bids = levelsOf(e.bids, 'bids');
      const asks = levelsOf(e.asks, 'asks');
      if (typeof bids === 'string') return `book: ${bids}`;
      if (typeof asks === 'string') return `book: ${asks}`;
      const checksum = e.checksum;
      if (typeof checksum !== 'number' || !Number.isInteger(checksum) || checksum < 0 || checksum > 0xffffffff)
        return 'book: checksum missing or not a uint32';
      items.push({ type: 'book', snapshot, symbol: e.symbol, bids, asks, checksum, timestamp });
    } else if (channel === 'trade') {
      const { side, price, qty, trade_id: tradeId } = e;
      if (
        (side !== 'buy' && side !== 'sell') ||
        typeof price !== 'string' ||
        typeof qty !== 'string' ||
        (typeof tradeId !== 'number' && typeof tradeId !== 'string')
      ) {
        return 'trade: side/price/qty/trade_id missing or mistyped';
      }
      items.push({ type: 'trade', symbol: e.symbol, side, price, qty, tradeId: String(tradeId), timestamp });
    } else {
      const orders: KrakenL3Msg['orders'][number][] = [];
      for (const side of ['bids', 'asks'] as const) {
        const list = e[side];
        if (list === undefined) continue;
        if (!Array.isArray(list)) return `level3: ${side} is not an array`;
        for (const o of list as unknown[]) {
          if (o === null || typeof o !== 'object') return `level3: ${side} entry is not an object`;
          const { event, order_id: orderId, limit_price: price, order_qty: qty } = o as Record<string, unknown>;
          const ev = event === undefined ? 'add' : event;
          if (
            (ev !== 'add' && ev !== 'modify' && ev !== 'delete') ||
            typeof orderId !== 'string' ||
            typeof price !== 'string' ||
            typeof qty !== 'string'
          ) {
            return `level3: ${side} order fields missing or mistyped`;
          }
          const ts = (o as Record<string, unknown>).timestamp;
          orders.push({
            side: side === 'bids' ? 'bid' : 'ask',
            event: ev,
            orderId,
            price,
            qty,
            timestamp: typeof ts === 'string' ? ts : undefined,
          });
        }
      }
      items.push({ type: 'l3', snapshot, symbol: e.symbol, orders });
    }
  }
  return { type: 'batch', items };
}
