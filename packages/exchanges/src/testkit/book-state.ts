/**
 * The replay server's own copy of every book in the recording, kept from the clean tape (faults
 * never touch it), so that a client that resyncs mid-stream gets a snapshot of *now*, exactly as
 * a venue would give it: Binance and KuCoin REST depth, Kraken v2 and Coinbase snapshots on
 * re-subscribe. Levels keep the venue's own text (Kraken checksums depend on it).
 *
 * @module
 */
import { crc32 } from '@tickerml/microstructure';
import type { RawFrame } from '../readers/raw-frame.js';

/** A price level as the venue wrote it: price and quantity text. */
export interface Level {
  /** The price exactly as the venue wrote it. */
  readonly price: string;
  /** The quantity exactly as the venue wrote it. */
  qty: string;
}

/** One side of a tracked book, keyed by numeric price (equal decimals give equal floats). */
class Side {
  readonly levels = new Map<number, Level>();
  constructor(private readonly descending: boolean) {}

  set(price: string, qty: string): void {
    const key = Number(price);
    if (!Number.isFinite(key)) return;
    if (Number(qty) === 0) this.levels.delete(key);
    else this.levels.set(key, { price, qty });
  }

  clear(): void {
    this.levels.clear();
  }

  /** Levels best first, at most `limit`. */
  sorted(limit = Number.POSITIVE_INFINITY): Level[] {
    const keys = [...this.levels.keys()].sort((a, b) => (this.descending ? b - a : a - b));
    const out: Level[] = [];
    for (const k of keys) {
      if (out.length >= limit) break;
      out.push(this.levels.get(k) as Level);
    }
    return out;
  }

  truncate(depth: number): void {
    if (this.levels.size <= depth) return;
    const keep = new Set(this.sorted(depth).map((l) => Number(l.price)));
    for (const k of [...this.levels.keys()]) if (!keep.has(k)) this.levels.delete(k);
  }
}

class Book {
  readonly bids = new Side(true);
  readonly asks = new Side(false);
  /** Venue sequence of the last applied update (Binance `u`, KuCoin `sequenceEnd`). */
  seq = -1;
  /** The first snapshot body recorded for this book (served by the stale-snapshot fault). */
  firstBody: string | undefined;
  /** Updates seen before the first snapshot, applied after it as the venue's procedure says. */
  early: unknown[] = [];
}

function pairsText(levels: readonly Level[]): string {
  return `[${levels.map((l) => `["${l.price}","${l.qty}"]`).join(',')}]`;
}

function stripForChecksum(text: string): string {
  return text.replace('.', '').replace(/^0+/, '');
}

/** Kraken v2's CRC32 over the top 10 asks (ascending) then top 10 bids (descending), on the raw text. */
export function krakenChecksumOfText(asks: readonly Level[], bids: readonly Level[]): number {
  let s = '';
  for (const l of asks.slice(0, 10)) s += stripForChecksum(l.price) + stripForChecksum(l.qty);
  for (const l of bids.slice(0, 10)) s += stripForChecksum(l.price) + stripForChecksum(l.qty);
  return crc32(s);
}

const KRAKEN_LEVEL = /\{"price":([-0-9.eE+]+),"qty":([-0-9.eE+]+)\}/g;

function krakenLevels(section: string | undefined): Array<[string, string]> {
  if (section === undefined) return [];
  const out: Array<[string, string]> = [];
  for (const m of section.matchAll(KRAKEN_LEVEL)) out.push([m[1] as string, m[2] as string]);
  return out;
}

function queryParam(url: string, name: string): string | undefined {
  try {
    return new URL(url, 'http://x').searchParams.get(name) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Books of every venue in a recording, followed frame by frame. */
export class BookState {
  private readonly binance = new Map<string, Book>();
  private readonly kucoin = new Map<string, Book>();
  private readonly kraken = new Map<string, Book>();
  private readonly coinbase = new Map<string, Book>();
  private krakenDepth = 10;

  /** Follows one clean tape frame (REST bodies and received messages). Never throws. */
  observe(frame: RawFrame): void {
    try {
      if (frame.kind === 'http') this.observeHttp(frame.url ?? '', frame.data);
      else if (frame.kind === 'recv') this.observeRecv(frame.data);
    } catch {
      // A frame the tracker cannot read is one the clients will count as malformed too.
    }
  }

  private observeHttp(url: string, body: string): void {
    if (/\/depth\b/.test(url) && body.startsWith('{"lastUpdateId"')) {
      const symbol = queryParam(url, 'symbol');
      if (symbol === undefined) return;
      const parsed = JSON.parse(body) as { lastUpdateId: number; bids: [string, string][]; asks: [string, string][] };
      const book = this.binance.get(symbol) ?? new Book();
      book.firstBody ??= body;
      book.bids.clear();
      book.asks.clear();
      for (const [p, q] of parsed.bids) book.bids.set(p, q);
      for (const [p, q] of parsed.asks) book.asks.set(p, q);
      book.seq = parsed.lastUpdateId;
      this.binance.set(symbol, book);
      const early = book.early as DepthUpdate[];
      book.early = [];
      for (const d of early) applyDepth(book, d);
    } else if (url.includes('/market/orderbook/level2')) {
      const symbol = queryParam(url, 'symbol');
      if (symbol === undefined) return;
      const parsed = JSON.parse(body) as {
        data: { sequence: string; bids: [string, string][]; asks: [string, string][] };
      };
      const book = this.kucoin.get(symbol) ?? new Book();
      book.firstBody ??= body;
      book.bids.clear();
      book.asks.clear();
      for (const [p, q] of parsed.data.bids) book.bids.set(p, q);
      for (const [p, q] of parsed.data.asks) book.asks.set(p, q);
      book.seq = Number(parsed.data.sequence);
      this.kucoin.set(symbol, book);
      const early = book.early as KucoinUpdate[];
      book.early = [];
      for (const d of early) applyKucoin(book, d);
    }
  }

  /**
   * Kraken has no sequence numbers: an update lost (or delayed past the next one) shows only if
   * the book without it, once `next` (the same book's next update) is applied, has a checksum
   * other than the one `next` carries. Call before observing `skipped`.
   * @returns whether a client would see a checksum mismatch at `next`.
   */
  krakenLossShows(skipped: string, next: string): boolean {
    const symbol = /"symbol":"([^"]+)"/.exec(skipped)?.[1];
    const book = symbol === undefined ? undefined : this.kraken.get(symbol);
    const expected = /"checksum":(\d+)/.exec(next)?.[1];
    if (book === undefined || expected === undefined) return false;
    const copy = new Book();
    for (const l of book.bids.levels.values()) copy.bids.set(l.price, l.qty);
    for (const l of book.asks.levels.values()) copy.asks.set(l.price, l.qty);
    for (const [p, q] of krakenLevels(/"bids":\[(.*?)\]/.exec(next)?.[1])) copy.bids.set(p, q);
    for (const [p, q] of krakenLevels(/"asks":\[(.*?)\]/.exec(next)?.[1])) copy.asks.set(p, q);
    copy.bids.truncate(this.krakenDepth);
    copy.asks.truncate(this.krakenDepth);
    return krakenChecksumOfText(copy.asks.sorted(10), copy.bids.sorted(10)) !== Number(expected);
  }

  private observeRecv(text: string): void {
    const head = text.length > 200 ? text.slice(0, 200) : text;
    if (head.includes('"e":"depthUpdate"')) {
      const parsed = JSON.parse(text) as { data?: DepthUpdate } & DepthUpdate;
      const d = parsed.data ?? parsed;
      let book = this.binance.get(d.s);
      if (book === undefined) {
        book = new Book();
        this.binance.set(d.s, book);
      }
      if (book.firstBody === undefined) book.early.push(d);
      else applyDepth(book, d);
    } else if (head.includes('"subject":"trade.l2update"')) {
      const d = (JSON.parse(text) as { data: KucoinUpdate }).data;
      let book = this.kucoin.get(d.symbol);
      if (book === undefined) {
        book = new Book();
        this.kucoin.set(d.symbol, book);
      }
      if (book.firstBody === undefined) book.early.push(d);
      else applyKucoin(book, d);
    } else if (head.startsWith('{"channel":"book","type":')) {
      const isSnapshot = head.startsWith('{"channel":"book","type":"snapshot"');
      for (const entry of text.split('{"symbol":"').slice(1)) {
        const symbol = entry.slice(0, entry.indexOf('"'));
        const book = this.kraken.get(symbol) ?? new Book();
        this.kraken.set(symbol, book);
        if (isSnapshot) {
          book.bids.clear();
          book.asks.clear();
        }
        for (const [p, q] of krakenLevels(/"bids":\[(.*?)\]/.exec(entry)?.[1])) book.bids.set(p, q);
        for (const [p, q] of krakenLevels(/"asks":\[(.*?)\]/.exec(entry)?.[1])) book.asks.set(p, q);
        book.bids.truncate(this.krakenDepth);
        book.asks.truncate(this.krakenDepth);
      }
    } else if (head.startsWith('{"method":"subscribe","result":{"channel":"book"')) {
      const depth = /"depth":(\d+)/.exec(head);
      if (depth !== null) this.krakenDepth = Number(depth[1]);
    } else if (head.startsWith('{"channel":"l2_data"')) {
      const parsed = JSON.parse(text) as { events: CoinbaseEvent[] };
      for (const ev of parsed.events) {
        const book = this.coinbase.get(ev.product_id) ?? new Book();
        this.coinbase.set(ev.product_id, book);
        if (ev.type === 'snapshot') {
          book.bids.clear();
          book.asks.clear();
        }
        for (const u of ev.updates) (u.side === 'bid' ? book.bids : book.asks).set(u.price_level, u.new_quantity);
      }
    }
  }

  /**
   * A REST depth body for `pathAndQuery` from the current state, or `undefined` when this is
   * not a depth request or the book is unknown.
   * @param stale - serve the first recorded body instead (older than the stream).
   */
  restSnapshot(pathAndQuery: string, nowUs: number, stale = false): string | undefined {
    const symbol = queryParam(pathAndQuery, 'symbol');
    if (symbol === undefined) return undefined;
    if (/\/depth\b/.test(pathAndQuery)) {
      const book = this.binance.get(symbol);
      if (book?.firstBody === undefined) return undefined;
      if (stale) return book.firstBody;
      // The whole tracked book, not `limit` levels: a resynced client must end with the same
      // levels as one that never lost sync.
      return `{"lastUpdateId":${book.seq},"bids":${pairsText(book.bids.sorted())},"asks":${pairsText(book.asks.sorted())}}`;
    }
    if (pathAndQuery.includes('/market/orderbook/level2')) {
      const book = this.kucoin.get(symbol);
      if (book?.firstBody === undefined) return undefined;
      if (stale) return book.firstBody;
      return `{"code":"200000","data":{"time":${Math.floor(nowUs / 1000)},"sequence":"${book.seq}","bids":${pairsText(book.bids.sorted())},"asks":${pairsText(book.asks.sorted())}}}`;
    }
    return undefined;
  }

  /** A Kraken v2 `book` snapshot message of the current state, or `undefined`. */
  krakenSnapshot(symbol: string, nowUs: number): string | undefined {
    const book = this.kraken.get(symbol);
    if (book === undefined) return undefined;
    const bids = book.bids.sorted(this.krakenDepth);
    const asks = book.asks.sorted(this.krakenDepth);
    const side = (levels: Level[]) => `[${levels.map((l) => `{"price":${l.price},"qty":${l.qty}}`).join(',')}]`;
    const ts = new Date(Math.floor(nowUs / 1000)).toISOString();
    return `{"channel":"book","type":"snapshot","data":[{"symbol":${JSON.stringify(symbol)},"bids":${side(bids)},"asks":${side(asks)},"checksum":${krakenChecksumOfText(asks, bids)},"timestamp":"${ts}"}]}`;
  }

  /** A Coinbase `l2_data` snapshot of the current state (sequence_num renumbered by the server), or `undefined`. */
  coinbaseSnapshot(productId: string, nowUs: number): string | undefined {
    const book = this.coinbase.get(productId);
    if (book === undefined) return undefined;
    const ts = new Date(Math.floor(nowUs / 1000)).toISOString();
    const updates = [
      ...book.bids.sorted().map((l) => ({ side: 'bid', event_time: ts, price_level: l.price, new_quantity: l.qty })),
      ...book.asks.sorted().map((l) => ({ side: 'offer', event_time: ts, price_level: l.price, new_quantity: l.qty })),
    ];
    return JSON.stringify({
      channel: 'l2_data',
      client_id: '',
      timestamp: ts,
      sequence_num: 0,
      events: [{ type: 'snapshot', product_id: productId, updates }],
    });
  }
}

/** Binance: drop `u <= lastUpdateId`, apply the rest. */
function applyDepth(book: Book, d: DepthUpdate): void {
  if (d.u <= book.seq) return;
  for (const [p, q] of d.b) book.bids.set(p, q);
  for (const [p, q] of d.a) book.asks.set(p, q);
  book.seq = d.u;
}

/** KuCoin: skip changes already in the book, a price of "0" only advances the sequence. */
function applyKucoin(book: Book, d: KucoinUpdate): void {
  if (d.sequenceEnd <= book.seq) return;
  for (const [side, changes] of [
    [book.bids, d.changes.bids],
    [book.asks, d.changes.asks],
  ] as const) {
    for (const [p, q, s] of changes) {
      if (s !== undefined && Number(s) <= book.seq) continue;
      if (p === '0') continue;
      side.set(p, q);
    }
  }
  book.seq = d.sequenceEnd;
}

interface DepthUpdate {
  readonly s: string;
  readonly U: number;
  readonly u: number;
  readonly b: [string, string][];
  readonly a: [string, string][];
}

interface KucoinUpdate {
  readonly symbol: string;
  readonly sequenceStart: number;
  readonly sequenceEnd: number;
  readonly changes: { readonly bids: [string, string, string?][]; readonly asks: [string, string, string?][] };
}

interface CoinbaseEvent {
  readonly type: string;
  readonly product_id: string;
  readonly updates: { side: string; price_level: string; new_quantity: string }[];
}
