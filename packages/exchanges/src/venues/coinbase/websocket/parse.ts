/**
 * Coinbase Advanced Trade frame parsing, transport-free.
 *
 * @module
 */

/** One `l2_data` event (snapshot or update) for a product; quantities absolute. */
export interface CoinbaseL2Event {
  readonly type: 'snapshot' | 'update';
  readonly productId: string;
  /** The frame's own update objects, checked (not copied: a snapshot holds tens of thousands). */
  readonly updates: readonly CoinbaseLevelUpdate[];
}

/** One level change as Coinbase sends it; `offer` (or `ask`) is the ask side. */
export interface CoinbaseLevelUpdate {
  readonly side: 'bid' | 'offer' | 'ask';
  readonly price_level: string;
  readonly new_quantity: string;
}

/** One trade of `market_trades`; `side` is the maker's side. */
export interface CoinbaseTrade {
  readonly productId: string;
  readonly tradeId: string;
  readonly price: string;
  readonly size: string;
  readonly makerSide: 'BUY' | 'SELL';
  readonly time: string | undefined;
}

export interface CoinbaseFrame {
  readonly channel: string;
  readonly sequenceNum: number;
  readonly timestamp: string | undefined;
  readonly l2: readonly CoinbaseL2Event[];
  /** Trades of `update` events (the subscription's `snapshot` of past trades is left out). */
  readonly trades: readonly CoinbaseTrade[];
  /** `error` frames carry the venue's message. */
  readonly error?: string;
}

/** Parses one frame; returns a reason string when malformed. */
export function parseCoinbaseFrame(text: string): CoinbaseFrame | string {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    return 'invalid JSON';
  }
  if (root === null || typeof root !== 'object' || Array.isArray(root)) return 'not a JSON object';
  const r = root as Record<string, unknown>;
  if (r.type === 'error')
    return {
      channel: 'error',
      sequenceNum: -1,
      timestamp: undefined,
      l2: [],
      trades: [],
      error: String(r.message ?? 'error'),
    };
  const channel = r.channel;
  const seq = r.sequence_num;
  if (typeof channel !== 'string') return 'channel missing';
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0)
    return 'sequence_num missing or not a non-negative integer';
  const timestamp = typeof r.timestamp === 'string' ? r.timestamp : undefined;
  const events = r.events;
  if (events !== undefined && !Array.isArray(events)) return 'events is not an array';
  const l2: CoinbaseL2Event[] = [];
  const trades: CoinbaseTrade[] = [];
  if (channel === 'l2_data') {
    for (const e of (events ?? []) as unknown[]) {
      if (e === null || typeof e !== 'object') return 'l2_data: event is not an object';
      const ev = e as Record<string, unknown>;
      if (
        (ev.type !== 'snapshot' && ev.type !== 'update') ||
        typeof ev.product_id !== 'string' ||
        !Array.isArray(ev.updates)
      ) {
        return 'l2_data: type/product_id/updates missing or mistyped';
      }
      const updates = ev.updates as unknown[];
      for (let i = 0; i < updates.length; i++) {
        const u = updates[i];
        if (u === null || typeof u !== 'object') return 'l2_data: update is not an object';
        const { side, price_level: price, new_quantity: qty } = u as Record<string, unknown>;
        if (
          (side !== 'bid' && side !== 'offer' && side !== 'ask') ||
          typeof price !== 'string' ||
          typeof qty !== 'string'
        ) {
          return 'l2_data: side/price_level/new_quantity missing or mistyped';
        }
      }
      l2.push({ type: ev.type, productId: ev.product_id, updates: updates as CoinbaseLevelUpdate[] });
    }
  } else if (channel === 'market_trades') {
    for (const e of (events ?? []) as unknown[]) {
      if (e === null || typeof e !== 'object') return 'market_trades: event is not an object';
      const ev = e as Record<string, unknown>;
      if (!Array.isArray(ev.trades)) return 'market_trades: trades is not an array';
      if (ev.type !== 'update') continue;
      for (const t of ev.trades as unknown[]) {
        if (t === null || typeof t !== 'object') return 'market_trades: trade is not an object';
        const { product_id: productId, trade_id: tradeId, price, size, side, time } = t as Record<string, unknown>;
        if (
          typeof productId !== 'string' ||
          typeof tradeId !== 'string' ||
          typeof price !== 'string' ||
          typeof size !== 'string' ||
          (side !== 'BUY' && side !== 'SELL')
        ) {
          return 'market_trades: trade fields missing or mistyped';
        }
        trades.push({
          productId,
          tradeId,
          price,
          size,
          makerSide: side,
          time: typeof time === 'string' ? time : undefined,
        });
      }
    }
  }
  return { channel, sequenceNum: seq, timestamp, l2, trades };
}
