/**
 * What the replay server needs to know about each venue's wire protocol: which recorded frames
 * are greetings, control replies or book updates; how to answer a client's subscribe and ping;
 * and how to damage a frame for a fault. Recognition is by cheap text probes, never by a full
 * parse, so classifying a frame costs little more than sending it.
 *
 * @module
 */

/** What a recorded frame is, to the server. */
export const FrameRole = {
  /** Sent when a client connects (KuCoin `welcome`, Kraken `status`, Kraken Futures `info`). */
  Greeting: 'greeting',
  /** A recorded reply to a recorded request (acks, pongs): dropped from the tape, answered live instead. */
  Control: 'control',
  /** An incremental book update whose loss the venue's sync procedure detects. */
  BookUpdate: 'book_update',
  /** Everything else: snapshots, trades, tickers, heartbeats. */
  Data: 'data',
} as const;
export type FrameRole = (typeof FrameRole)[keyof typeof FrameRole];

/** Classifies one recorded frame. */
export function frameRole(text: string): FrameRole {
  const head = text.length > 200 ? text.slice(0, 200) : text;
  if (head.includes('"e":"depthUpdate"')) return FrameRole.BookUpdate;
  if (head.startsWith('{"channel":"book","type":"update"')) return FrameRole.BookUpdate;
  if (head.startsWith('{"channel":"l2_data"') && head.includes('"type":"update"')) return FrameRole.BookUpdate;
  if (head.includes('"subject":"trade.l2update"')) return FrameRole.BookUpdate;
  if (head.startsWith('{"feed":"book",')) return FrameRole.BookUpdate;
  if (
    head.includes('"type":"welcome"') ||
    head.startsWith('{"channel":"status"') ||
    head.startsWith('{"event":"info"')
  ) {
    return FrameRole.Greeting;
  }
  if (
    head.startsWith('{"method":"subscribe"') ||
    head.startsWith('{"method":"unsubscribe"') ||
    head.startsWith('{"method":"pong"') ||
    head.startsWith('{"result":null') ||
    head.startsWith('{"channel":"subscriptions"') ||
    /^\{"id":"[^"]*","type":"(ack|pong)"/.test(head) ||
    head.startsWith('{"event":"subscribed"') ||
    head.startsWith('{"event":"unsubscribed"')
  ) {
    return FrameRole.Control;
  }
  return FrameRole.Data;
}

/** A client message the server understood, and what to do about it. */
export interface ClientRequest {
  /** Replies to send back at once (acks, pongs). */
  readonly replies: string[];
  /** Set when the client (re)subscribed to a book: the venue symbols, for a fresh snapshot. */
  readonly bookSymbols?: readonly string[];
  /** Which protocol the message belongs to. */
  readonly protocol: 'binance' | 'kraken' | 'kucoin' | 'coinbase' | 'krakenfutures' | 'unknown';
}

function isoNow(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString().replace('Z', `${String(us % 1000).padStart(3, '0')}Z`);
}

/**
 * Understands a message a client sent and builds the venue's reply.
 * @param nowUs - server time for the reply's stamps (µs).
 */
export function answerClient(text: string, nowUs: number): ClientRequest {
  let msg: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      return { replies: [], protocol: 'unknown' };
    msg = parsed as Record<string, unknown>;
  } catch {
    return { replies: [], protocol: 'unknown' };
  }
  // Binance: {"method":"SUBSCRIBE","params":[...],"id":1}
  if (typeof msg.method === 'string' && msg.method === msg.method.toUpperCase() && 'id' in msg) {
    return { replies: [JSON.stringify({ result: null, id: msg.id })], protocol: 'binance' };
  }
  // Kraken v2: {"method":"ping"|"subscribe"|"unsubscribe","params":{...},"req_id":1}
  if (msg.method === 'ping') {
    const reply: Record<string, unknown> = { method: 'pong' };
    if ('req_id' in msg) reply.req_id = msg.req_id;
    reply.time_in = isoNow(nowUs);
    reply.time_out = isoNow(nowUs);
    return { replies: [JSON.stringify(reply)], protocol: 'kraken' };
  }
  if (msg.method === 'subscribe' || msg.method === 'unsubscribe') {
    const params = (typeof msg.params === 'object' && msg.params !== null ? msg.params : {}) as Record<string, unknown>;
    const symbols = Array.isArray(params.symbol) ? params.symbol.filter((s): s is string => typeof s === 'string') : [];
    const replies = (symbols.length > 0 ? symbols : [undefined]).map((symbol) => {
      const result: Record<string, unknown> = { channel: params.channel };
      if (params.depth !== undefined) result.depth = params.depth;
      if (msg.method === 'subscribe' && params.snapshot !== undefined) result.snapshot = params.snapshot;
      if (symbol !== undefined) result.symbol = symbol;
      const reply: Record<string, unknown> = {
        method: msg.method,
        result,
        success: true,
        time_in: isoNow(nowUs),
        time_out: isoNow(nowUs),
      };
      if ('req_id' in msg) reply.req_id = msg.req_id;
      return JSON.stringify(reply);
    });
    const isBook = msg.method === 'subscribe' && params.channel === 'book' && params.snapshot !== false;
    return isBook ? { replies, bookSymbols: symbols, protocol: 'kraken' } : { replies, protocol: 'kraken' };
  }
  // KuCoin: {"id":..,"type":"ping"|"subscribe",...}
  if (msg.type === 'ping' && 'id' in msg) {
    return {
      replies: [JSON.stringify({ id: msg.id, type: 'pong', timestamp: Math.floor(nowUs / 1000) })],
      protocol: 'kucoin',
    };
  }
  if ((msg.type === 'subscribe' || msg.type === 'unsubscribe') && typeof msg.topic === 'string') {
    const replies = msg.response === false ? [] : [JSON.stringify({ id: msg.id, type: 'ack' })];
    return { replies, protocol: 'kucoin' };
  }
  // Coinbase Advanced Trade: {"type":"subscribe","product_ids":[...],"channel":"level2"}
  if ((msg.type === 'subscribe' || msg.type === 'unsubscribe') && typeof msg.channel === 'string') {
    const products = Array.isArray(msg.product_ids)
      ? msg.product_ids.filter((s): s is string => typeof s === 'string')
      : [];
    const reply = JSON.stringify({
      channel: 'subscriptions',
      client_id: '',
      timestamp: isoNow(nowUs),
      sequence_num: 0, // renumbered per connection by the server
      events: [{ subscriptions: msg.type === 'subscribe' ? { [msg.channel]: products } : {} }],
    });
    const isBook = msg.type === 'subscribe' && (msg.channel === 'level2' || msg.channel === 'l2_data');
    return isBook
      ? { replies: [reply], bookSymbols: products, protocol: 'coinbase' }
      : { replies: [reply], protocol: 'coinbase' };
  }
  // Kraken Futures v1: {"event":"subscribe","feed":"book","product_ids":[...]}
  if ((msg.event === 'subscribe' || msg.event === 'unsubscribe') && typeof msg.feed === 'string') {
    const reply = JSON.stringify({
      event: msg.event === 'subscribe' ? 'subscribed' : 'unsubscribed',
      feed: msg.feed,
      product_ids: msg.product_ids ?? [],
    });
    return { replies: [reply], protocol: 'krakenfutures' };
  }
  if (msg.event === 'ping' || msg.op === 'ping')
    return { replies: [JSON.stringify({ event: 'pong' })], protocol: 'unknown' };
  return { replies: [], protocol: 'unknown' };
}

const SEQ_NUM = /"sequence_num":(\d+)/;

/** Coinbase's per-connection counter of a frame, or -1. */
export function coinbaseSequence(text: string): number {
  if (!text.startsWith('{"channel":')) return -1;
  const m = SEQ_NUM.exec(text.length > 300 ? text.slice(0, 300) : text);
  return m === null ? -1 : Number(m[1]);
}

/** The frame with its Coinbase `sequence_num` replaced. */
export function withCoinbaseSequence(text: string, seq: number): string {
  return text.replace(SEQ_NUM, `"sequence_num":${seq}`);
}

const CHECKSUM = /"checksum":(\d+)/;

/**
 * Damages a frame the way the `corrupt` fault does: a Kraken book update gets a wrong
 * `checksum` (off by one, still a valid number); any other frame is cut in half, so the parser
 * counts it malformed and the sequence behind it shows a gap.
 */
export function corruptFrame(text: string): string {
  const m = CHECKSUM.exec(text);
  if (m !== null) return text.replace(CHECKSUM, `"checksum":${(Number(m[1]) + 1) % 4294967296}`);
  return text.slice(0, Math.max(1, Math.floor(text.length / 2)));
}
