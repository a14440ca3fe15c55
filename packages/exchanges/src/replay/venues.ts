/**
 * How to replay each venue's recording into its real handler: which handler, which grids
 * (inferred from the data), and which REST bodies are depth snapshots of which symbol.
 * Used by {@link readEvents}, `tickerml replay` and the replay kit.
 *
 * @module
 */
import type { MarketEvent } from '@tickerml/core';
import { DecimalGrid } from '../common/decimal.js';
import type { HandlerHooks, VenueHandler } from '../common/feed.js';
import type { RawFrame } from '../readers/raw-frame.js';
import { BinanceHandler } from '../venues/binance/websocket/handler.js';
import { CoinbaseHandler } from '../venues/coinbase/websocket/handler.js';
import { quoteKrakenNumbers } from '../venues/kraken/common/parse.js';
import { KrakenHandler } from '../venues/kraken/websocket/handler.js';
import { KucoinHandler } from '../venues/kucoin/websocket/handler.js';

/** Venue ids with a spot book handler. */
export const BOOK_VENUES = ['binance', 'binanceus', 'coinbase', 'kraken', 'kucoin'] as const;
export type BookVenue = (typeof BOOK_VENUES)[number];

/** True when `venue` has a spot book handler the replay can drive. */
export function isBookVenue(venue: string | undefined): venue is BookVenue {
  return (BOOK_VENUES as readonly string[]).includes(venue ?? '');
}

const QUOTES = ['USDT', 'USDC', 'FDUSD', 'BUSD', 'TUSD', 'USD', 'EUR', 'GBP', 'BTC', 'ETH', 'BNB'];

/** Canonical `BASE/QUOTE` of a venue symbol (`BTCUSDT`, `BTC-USD`, `BTC/USD`). */
export function canonicalSymbol(venue: BookVenue, venueSymbol: string): string {
  if (venueSymbol.includes('/')) return venueSymbol;
  if (venueSymbol.includes('-')) return venueSymbol.replace('-', '/');
  if (venue === 'binance' || venue === 'binanceus') {
    for (const q of QUOTES)
      if (venueSymbol.endsWith(q) && venueSymbol.length > q.length) return `${venueSymbol.slice(0, -q.length)}/${q}`;
  }
  return venueSymbol;
}

type Visit = (venueSymbol: string, price: string, qty: string) => void;

function pairs(visit: Visit, symbol: string, list: unknown): void {
  if (!Array.isArray(list)) return;
  for (const row of list)
    if (Array.isArray(row) && typeof row[0] === 'string' && typeof row[1] === 'string') visit(symbol, row[0], row[1]);
}

function queryParam(url: string, name: string): string | undefined {
  try {
    return new URL(url, 'http://x').searchParams.get(name) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Calls `visit` with every (symbol, price, qty) text a frame carries. Never throws. */
function scanFrame(venue: BookVenue, frame: RawFrame, visit: Visit): void {
  try {
    if (venue === 'binance' || venue === 'binanceus') {
      if (frame.kind === 'http') {
        const symbol = queryParam(frame.url ?? '', 'symbol');
        if (symbol === undefined || !frame.data.startsWith('{"lastUpdateId"')) return;
        const o = JSON.parse(frame.data) as { bids: unknown; asks: unknown };
        pairs(visit, symbol, o.bids);
        pairs(visit, symbol, o.asks);
        return;
      }
      const o = JSON.parse(frame.data) as { data?: Record<string, unknown> } & Record<string, unknown>;
      const d = (o.data ?? o) as Record<string, unknown>;
      if (typeof d.s !== 'string') return;
      if (d.e === 'depthUpdate') {
        pairs(visit, d.s, d.b);
        pairs(visit, d.s, d.a);
      } else if (d.e === 'trade' && typeof d.p === 'string' && typeof d.q === 'string') {
        visit(d.s, d.p, d.q);
      }
    } else if (venue === 'kraken') {
      if (
        frame.kind !== 'recv' ||
        !(frame.data.startsWith('{"channel":"book"') || frame.data.startsWith('{"channel":"trade"'))
      )
        return;
      const o = JSON.parse(quoteKrakenNumbers(frame.data)) as { data?: Array<Record<string, unknown>> };
      for (const entry of o.data ?? []) {
        const symbol = entry.symbol;
        if (typeof symbol !== 'string') continue;
        for (const side of [entry.bids, entry.asks]) {
          if (!Array.isArray(side)) continue;
          for (const l of side as Array<Record<string, unknown>>)
            if (typeof l.price === 'string' && typeof l.qty === 'string') visit(symbol, l.price, l.qty);
        }
        if (typeof entry.price === 'string' && typeof entry.qty === 'string') visit(symbol, entry.price, entry.qty);
      }
    } else if (venue === 'coinbase') {
      if (frame.kind !== 'recv') return;
      const o = JSON.parse(frame.data) as { channel?: string; events?: Array<Record<string, unknown>> };
      for (const ev of o.events ?? []) {
        if (o.channel === 'l2_data' && typeof ev.product_id === 'string' && Array.isArray(ev.updates)) {
          for (const u of ev.updates as Array<Record<string, unknown>>) {
            if (typeof u.price_level === 'string' && typeof u.new_quantity === 'string')
              visit(ev.product_id, u.price_level, u.new_quantity);
          }
        } else if (o.channel === 'market_trades' && Array.isArray(ev.trades)) {
          for (const t of ev.trades as Array<Record<string, unknown>>) {
            if (typeof t.product_id === 'string' && typeof t.price === 'string' && typeof t.size === 'string')
              visit(t.product_id, t.price, t.size);
          }
        }
      }
    } else if (venue === 'kucoin') {
      if (frame.kind === 'http') {
        const symbol = queryParam(frame.url ?? '', 'symbol');
        if (symbol === undefined || !(frame.url ?? '').includes('/orderbook/level2')) return;
        const o = JSON.parse(frame.data) as { data?: { bids?: unknown; asks?: unknown } };
        pairs(visit, symbol, o.data?.bids);
        pairs(visit, symbol, o.data?.asks);
        return;
      }
      if (!frame.data.includes('"subject":"trade.l2update"')) return;
      const o = JSON.parse(frame.data) as { data?: { symbol?: string; changes?: { bids?: unknown; asks?: unknown } } };
      const symbol = o.data?.symbol;
      if (typeof symbol !== 'string') return;
      for (const side of [o.data?.changes?.bids, o.data?.changes?.asks]) {
        if (!Array.isArray(side)) continue;
        for (const row of side)
          if (Array.isArray(row) && typeof row[0] === 'string' && typeof row[1] === 'string' && row[0] !== '0')
            visit(symbol, row[0], row[1]);
      }
    }
  } catch {
    // Malformed frames are the handler's to count.
  }
}

function decimals(text: string): number {
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

/**
 * Digits after the point that carry a non-zero digit (`"61837.63000000"` → 2, `"5.000"` → 0):
 * the coarsest power-of-ten step the number sits on. Binance pads every number to 8 places, so
 * its text alone would give a 1e-8 grid finer than the venue's.
 */
function significantDecimals(text: string): number {
  const dot = text.indexOf('.');
  if (dot < 0) return 0;
  let end = text.length;
  while (end > dot + 1 && text.charCodeAt(end - 1) === 48) end--;
  return end - dot - 1;
}

/** `"0.01000000"` → `"0.01"`, `"1.00000000"` → `"1"`; `undefined` unless a positive plain decimal. */
function trimStep(text: unknown): string | undefined {
  if (typeof text !== 'string' || !/^\d+(\.\d+)?$/.test(text)) return undefined;
  let t = text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
  t = t.replace(/^0+(?=\d)/, '');
  return /[1-9]/.test(t) ? t : undefined;
}

/** Venues whose numbers are zero-padded text: their precision is the significant digits. */
const PADDED = new Set<BookVenue>(['binance', 'binanceus']);

/** What a recorded venue metadata answer (Binance `exchangeInfo`) says about one venue symbol. Sizes are decimal strings. */
export interface RecordedFilters {
  /** `PRICE_FILTER.tickSize`. */
  tickSize?: string;
  /** `LOT_SIZE.stepSize`: the order quantity increment. */
  stepSize?: string;
  /** `LOT_SIZE.minQty`: the smallest order quantity. */
  minQty?: string;
  /** `NOTIONAL.minNotional` or `MIN_NOTIONAL.minNotional` / `.notional`: the smallest order value in quote currency. */
  minNotional?: string;
}

/** Digits after the point the recorded prices and quantities of one venue symbol need. */
export interface ObservedPlaces {
  readonly price: number;
  readonly qty: number;
}

/** Tick, lot and minimum sizes per venue symbol from a recorded Binance `GET /api/v3/exchangeInfo` body. Never throws. */
function binanceExchangeInfo(frame: RawFrame, into: Map<string, RecordedFilters>): void {
  if (frame.kind !== 'http' || !/\/exchangeInfo\b/.test(frame.url ?? '')) return;
  try {
    const o = JSON.parse(frame.data) as { symbols?: unknown };
    if (!Array.isArray(o.symbols)) return;
    for (const s of o.symbols as Array<{ symbol?: unknown; filters?: unknown }>) {
      if (typeof s.symbol !== 'string' || !Array.isArray(s.filters)) continue;
      const f: RecordedFilters = {};
      for (const x of s.filters as Array<Record<string, unknown>>) {
        const tick = x.filterType === 'PRICE_FILTER' ? trimStep(x.tickSize) : undefined;
        const step = x.filterType === 'LOT_SIZE' ? trimStep(x.stepSize) : undefined;
        const minQty = x.filterType === 'LOT_SIZE' ? trimStep(x.minQty) : undefined;
        // Spot: NOTIONAL.minNotional (MIN_NOTIONAL.minNotional before 2023); USD-M futures: MIN_NOTIONAL.notional.
        const minNotional =
          x.filterType === 'NOTIONAL' || x.filterType === 'MIN_NOTIONAL'
            ? (trimStep(x.minNotional) ?? trimStep(x.notional))
            : undefined;
        if (tick !== undefined) f.tickSize = tick;
        if (step !== undefined) f.stepSize = step;
        if (minQty !== undefined) f.minQty = minQty;
        if (minNotional !== undefined) f.minNotional = minNotional;
      }
      into.set(s.symbol, f);
    }
  } catch {
    // A malformed body gives no metadata; the grid is then inferred from the prices.
  }
}

function stepOf(places: number): string {
  return places === 0 ? '1' : `0.${'0'.repeat(places - 1)}1`;
}

/** What {@link inferReplaySetup} found in a recording. */
export interface ReplaySetup {
  readonly venue: BookVenue;
  /**
   * One grid per symbol with book or trade data. Tick: the recorded `exchangeInfo` tick when the
   * recording has one, else the coarsest power-of-ten step every price seen sits on (Binance) or
   * the finest step the text shows (venues whose text precision matters, e.g. Kraken checksums).
   * Lot: the finest step the book and trade quantities need (never coarser than they show).
   */
  readonly grids: DecimalGrid[];
  /** Kraken book depth from the recorded subscription (default 10). */
  readonly depth: number;
}

/**
 * Infers the instruments of a recording from its data. Binance: the tick of the recorded
 * `exchangeInfo` (`PRICE_FILTER.tickSize`) when present, else the largest power-of-ten step all
 * recorded prices sit on (`"61837.63000000"` needs 0.01, not the 1e-8 of its zero padding); the
 * lot is the finest step the recorded quantities need, finer than `LOT_SIZE.stepSize` only when
 * the book shows such sizes. Other venues: the finest increment the text shows. Inference never
 * rounds: a later price off the grid is refused by the handler (and resynced), not rounded.
 * @example
 * ```ts
 * const setup = inferReplaySetup('kraken', frames); // grids: [BTC/USD 0.1 / 0.00000001], depth 10
 * inferReplaySetup('binance', frames).grids[0]; // BTC/USDT tick 0.01, lot 0.000001 (hftbacktest sample: 3 levels show 6 decimals)
 * ```
 */
export function inferReplaySetup(venue: BookVenue, frames: Iterable<RawFrame>): ReplaySetup {
  const inference = new GridInference(venue);
  for (const frame of frames) inference.add(frame);
  return inference.setup();
}

/** {@link inferReplaySetup} one frame at a time, for recordings too big to hold in memory. */
export class GridInference {
  private readonly places = new Map<string, { price: number; qty: number }>();
  private readonly filters = new Map<string, RecordedFilters>();
  private depth = 10;
  private readonly placesOf: (text: string) => number;
  private readonly visit = (symbol: string, price: string, qty: string): void => {
    let p = this.places.get(symbol);
    if (p === undefined) {
      p = { price: 0, qty: 0 };
      this.places.set(symbol, p);
    }
    const dp = this.placesOf(price);
    const dq = this.placesOf(qty);
    if (dp > p.price) p.price = dp;
    if (dq > p.qty) p.qty = dq;
  };

  constructor(readonly venue: BookVenue) {
    this.placesOf = PADDED.has(venue) ? significantDecimals : decimals;
  }

  /** Takes one frame into account. Never throws. */
  add(frame: RawFrame): void {
    if (this.venue === 'kraken') {
      const m =
        /"channel":"book","depth":(\d+)/.exec(frame.data.slice(0, 200)) ??
        (frame.kind === 'send' ? /"depth":(\d+)/.exec(frame.data) : null);
      if (m !== null && frame.data.includes('"book"')) this.depth = Number(m[1]);
    }
    if (PADDED.has(this.venue)) binanceExchangeInfo(frame, this.filters);
    scanFrame(this.venue, frame, this.visit);
  }

  /** Decimal places the recorded prices and quantities need, per venue symbol seen so far. */
  observed(): ReadonlyMap<string, ObservedPlaces> {
    return this.places;
  }

  /** What the recording's own metadata answers (Binance `exchangeInfo`) say, per venue symbol. */
  recordedFilters(): ReadonlyMap<string, Readonly<RecordedFilters>> {
    return this.filters;
  }

  /** Kraken book depth from the recorded subscription (default 10). */
  get bookDepth(): number {
    return this.depth;
  }

  /** The grids and depth seen so far. */
  setup(): ReplaySetup {
    const grids = [...this.places].map(([symbol, p]) => {
      const f = this.filters.get(symbol);
      const tick = f?.tickSize ?? stepOf(p.price);
      // The lot the book text needs: the venue's step unless the recorded sizes are finer.
      const step = f?.stepSize;
      const lot =
        step !== undefined && step === stepOf(decimals(step)) && decimals(step) >= p.qty ? step : stepOf(p.qty);
      return new DecimalGrid(canonicalSymbol(this.venue, symbol), tick, lot);
    });
    return { venue: this.venue, grids, depth: this.depth };
  }
}

/** Builds the venue's real handler for a replay. */
export function makeHandler(setup: ReplaySetup, hooks: HandlerHooks): VenueHandler {
  switch (setup.venue) {
    case 'binance':
    case 'binanceus':
      return new BinanceHandler({ instruments: setup.grids, hooks, venue: setup.venue });
    case 'coinbase':
      return new CoinbaseHandler({ instruments: setup.grids, hooks });
    case 'kraken':
      return new KrakenHandler({ instruments: setup.grids, hooks, depth: setup.depth });
    case 'kucoin':
      return new KucoinHandler({ instruments: setup.grids, hooks });
  }
}

/** Venue symbol a recorded REST body is the depth snapshot of, or `undefined`. */
export function snapshotSymbolOf(venue: BookVenue, url: string): string | undefined {
  if ((venue === 'binance' || venue === 'binanceus') && /\/depth\b/.test(url)) return queryParam(url, 'symbol');
  if (venue === 'kucoin' && url.includes('/orderbook/level2')) return queryParam(url, 'symbol');
  return undefined;
}

/** Result of {@link replayIntoHandler}. */
export interface HandlerReplay {
  readonly handler: VenueHandler;
  /** Events emitted, counted per canonical symbol and kind. */
  readonly eventCounts: ReadonlyMap<string, Record<string, number>>;
}

/**
 * The direct path: feeds a recording's frames, ordered by `localTs` (stable), to the venue's
 * handler; recorded REST depth bodies reach it where their timestamps put them.
 */
export function replayIntoHandler(
  setup: ReplaySetup,
  frames: readonly RawFrame[],
  onEvent?: (e: MarketEvent) => void,
): HandlerReplay {
  const { handler, eventCounts, feed } = handlerDriver(setup, onEvent);
  const ordered = frames.map((f, i) => [f, i] as const).sort((a, b) => a[0].localTs - b[0].localTs || a[1] - b[1]);
  for (const [f] of ordered) feed(f);
  return { handler, eventCounts };
}

function handlerDriver(setup: ReplaySetup, onEvent?: (e: MarketEvent) => void) {
  const eventCounts = new Map<string, Record<string, number>>();
  const count = (e: MarketEvent) => {
    let c = eventCounts.get(e.symbol);
    if (c === undefined) {
      c = {};
      eventCounts.set(e.symbol, c);
    }
    c[e.kind] = (c[e.kind] ?? 0) + 1;
    onEvent?.(e);
  };
  const handler = makeHandler(setup, { emit: count, requestSnapshot: () => {} });
  const feed = (f: RawFrame) => feedFrame(setup.venue, handler, f);
  return { handler, eventCounts, feed };
}

/**
 * Hands one recorded frame to a venue handler: received socket frames to `onFrame`, recorded
 * REST depth snapshots to `onRestSnapshot`; everything else (sends, connects, other REST bodies)
 * is skipped.
 */
export function feedFrame(venue: BookVenue, handler: VenueHandler, f: RawFrame): void {
  if (f.kind === 'recv') handler.onFrame(f.data, f.localTs);
  else if (f.kind === 'http' && f.url !== undefined) {
    const symbol = snapshotSymbolOf(venue, f.url);
    if (symbol !== undefined) handler.onRestSnapshot(symbol, f.data, f.localTs);
  }
}

/** How far out of order recorded frames may be by default, µs (60 s). */
export const DEFAULT_FRAME_WINDOW_US = 60_000_000;

/**
 * The frames in (`localTs`, file order) order, holding back at most `windowUs` of out-of-order
 * frames (cryptofeed writes REST bodies before the socket frames received earlier). Within the
 * window the order equals a full stable sort.
 * @param windowUs - how far out of order frames may be, µs. Defaults to 60 s.
 */
export async function* windowOrderedFrames(
  frames: AsyncIterable<RawFrame>,
  windowUs: number = DEFAULT_FRAME_WINDOW_US,
): AsyncGenerator<RawFrame> {
  const heap = new FrameHeap();
  let latest = Number.NEGATIVE_INFINITY;
  for await (const f of frames) {
    heap.push(f);
    if (f.localTs > latest) latest = f.localTs;
    while (heap.size > 0 && (heap.peek() as RawFrame).localTs <= latest - windowUs) yield heap.pop() as RawFrame;
  }
  while (heap.size > 0) yield heap.pop() as RawFrame;
}

/**
 * The direct path for recordings of any size: streams the frames into the handler in `localTs`
 * order, holding back at most `windowUs` of out-of-order frames (cryptofeed writes REST bodies
 * before the socket frames received earlier). Within the window the order equals a full sort.
 * @param options.windowUs - how far out of order frames may be, µs. Defaults to 60 s.
 */
export async function replayStreamIntoHandler(
  setup: ReplaySetup,
  frames: AsyncIterable<RawFrame>,
  options: { readonly windowUs?: number; readonly onEvent?: (e: MarketEvent) => void } = {},
): Promise<HandlerReplay> {
  const { handler, eventCounts, feed } = handlerDriver(setup, options.onEvent);
  for await (const f of windowOrderedFrames(frames, options.windowUs)) feed(f);
  return { handler, eventCounts };
}

/** Min-heap of frames by (localTs, arrival order): a stable merge. */
class FrameHeap {
  private readonly items: { f: RawFrame; n: number }[] = [];
  private n = 0;

  get size(): number {
    return this.items.length;
  }

  peek(): RawFrame | undefined {
    return this.items[0]?.f;
  }

  push(f: RawFrame): void {
    const a = this.items;
    a.push({ f, n: this.n++ });
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): RawFrame | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (top === undefined || last === undefined) return undefined;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(l, m)) m = l;
        if (r < a.length && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top.f;
  }

  private less(i: number, j: number): boolean {
    const a = this.items[i] as { f: RawFrame; n: number };
    const b = this.items[j] as { f: RawFrame; n: number };
    return a.f.localTs < b.f.localTs || (a.f.localTs === b.f.localTs && a.n < b.n);
  }

  private swap(i: number, j: number): void {
    const t = this.items[i] as { f: RawFrame; n: number };
    this.items[i] = this.items[j] as { f: RawFrame; n: number };
    this.items[j] = t;
  }
}
