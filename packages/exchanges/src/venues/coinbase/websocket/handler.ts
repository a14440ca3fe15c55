/**
 * Coinbase Advanced Trade handler: `l2_data` snapshot + updates (absolute quantities, `"0"`
 * deletes) checked against `sequence_num`, one counter per connection across channels. A jump
 * invalidates the books carried by that connection and re-subscribes them (the venue's documented
 * remedy); run one product per connection (the client's default) so a gap touches one book only.
 * `market_trades.side` is the maker side, so the aggressor is the opposite. Transport-free.
 *
 * @module
 */
import type { Level } from '@tickerml/core';
import { SyncBook } from '../../../common/book.js';
import type { DecimalGrid } from '../../../common/decimal.js';
import {
  emptyStats,
  type FeedStats,
  type HandlerHooks,
  MalformedLog,
  type VenueHandler,
} from '../../../common/feed.js';
import { isoToUs } from '../../../common/levels.js';
import { COINBASE } from '../common/constants.js';
import { toCoinbaseProduct } from '../common/parse.js';
import { subscribeMessage, unsubscribeMessage } from './messages.js';
import { type CoinbaseL2Event, parseCoinbaseFrame } from './parse.js';

interface ProductState {
  readonly grid: DecimalGrid;
  readonly productId: string;
  readonly stats: FeedStats;
  readonly book: SyncBook;
  live: boolean;
  resyncing: boolean;
}

/** Options of {@link CoinbaseHandler}. */
export interface CoinbaseHandlerOptions {
  /** Grids of the products carried by this connection. */
  readonly instruments: readonly DecimalGrid[];
  readonly hooks: HandlerHooks;
}

/**
 * Transport-free Coinbase handler for the products of one connection.
 *
 * @example
 * const handler = new CoinbaseHandler({
 *   instruments: [new DecimalGrid('BTC/USD', '0.01', '0.00000001')],
 *   hooks: { emit: console.log, requestSnapshot: () => {} },
 * });
 * for (const m of handler.subscribeMessages()) socket.send(m);
 */
export class CoinbaseHandler implements VenueHandler {
  readonly venue = COINBASE.venue;
  private readonly products = new Map<string, ProductState>();
  private readonly bySymbol = new Map<string, ProductState>();
  private readonly venueStats = emptyStats();
  private readonly malformed: MalformedLog;
  private readonly hooks: HandlerHooks;
  /** Last `sequence_num` seen on this connection (`-1` before the first frame). */
  private lastSeq = -1;

  constructor(opts: CoinbaseHandlerOptions) {
    this.hooks = opts.hooks;
    this.malformed = new MalformedLog(this.venue, opts.hooks.logger);
    for (const grid of opts.instruments) {
      const productId = toCoinbaseProduct(grid.symbol);
      const state: ProductState = {
        grid,
        productId,
        stats: emptyStats(),
        book: new SyncBook(),
        live: false,
        resyncing: false,
      };
      this.products.set(productId, state);
      this.bySymbol.set(grid.symbol, state);
    }
  }

  /** Subscribe messages: `heartbeats` (keeps idle channels open), `market_trades`, `level2`. */
  subscribeMessages(): string[] {
    const ids = [...this.products.keys()];
    return [
      subscribeMessage('heartbeats', ids),
      subscribeMessage('market_trades', ids),
      subscribeMessage('level2', ids),
    ];
  }

  resubscribeMessages(productId: string): string[] {
    return [unsubscribeMessage('level2', [productId]), subscribeMessage('level2', [productId])];
  }

  onFrame(text: string, localTs: number): void {
    const frame = parseCoinbaseFrame(text);
    if (typeof frame === 'string') {
      this.venueStats.frames++;
      this.venueStats.malformed++;
      this.malformed.record(text, frame);
      // A frame we cannot read still consumed a sequence number: the next one shows the gap.
      return;
    }
    if (frame.error !== undefined) {
      this.venueStats.frames++;
      this.hooks.logger?.warn({ venue: this.venue, error: frame.error }, 'venue sent an error');
      return;
    }
    const seq = frame.sequenceNum;
    if (this.lastSeq >= 0 && seq <= this.lastSeq) {
      this.statsOf(frame.l2).duplicates++;
      return;
    }
    if (this.lastSeq >= 0 && seq !== this.lastSeq + 1) {
      this.onGap(this.lastSeq + 1, seq, localTs);
    }
    this.lastSeq = seq;
    const exchTs = isoToUs(frame.timestamp, localTs);
    if (frame.l2.length === 0 && frame.trades.length === 0) {
      this.venueStats.frames++;
      return;
    }
    for (const ev of frame.l2) this.onL2(ev, seq, text, exchTs, localTs);
    for (const t of frame.trades) {
      const state = this.products.get(t.productId);
      if (state === undefined) continue;
      state.stats.frames++;
      const priceTicks = state.grid.priceToTicksOrNaN(t.price);
      const qtyLots = state.grid.qtyToLotsOrNaN(t.size);
      if (Number.isNaN(priceTicks) || Number.isNaN(qtyLots)) {
        state.stats.malformed++;
        this.malformed.record(text, `market_trades: price/size off the grid (${t.price}, ${t.size})`);
        continue;
      }
      state.stats.trades++;
      this.hooks.emit({
        kind: 'trade',
        venue: this.venue,
        symbol: state.grid.symbol,
        exchTs: isoToUs(t.time, exchTs),
        localTs,
        seq,
        tradeId: t.tradeId,
        priceTicks,
        qtyLots,
        aggressor: t.makerSide === 'SELL' ? 'buy' : 'sell',
      });
    }
  }

  private statsOf(l2: readonly CoinbaseL2Event[]): FeedStats {
    const first = l2[0];
    return (first && this.products.get(first.productId)?.stats) || this.venueStats;
  }

  private onGap(expected: number, received: number, localTs: number): void {
    for (const state of this.products.values()) {
      state.stats.gaps++;
      this.hooks.emit({
        kind: 'gap_detected',
        venue: this.venue,
        symbol: state.grid.symbol,
        exchTs: localTs,
        localTs,
        expectedSeq: expected,
        receivedSeq: received,
        reason: `sequence_num jumped from ${expected - 1} to ${received}`,
      });
      this.invalidate(state);
    }
  }

  private invalidate(state: ProductState): void {
    state.live = false;
    state.resyncing = true;
    state.book.clear();
    this.hooks.requestSnapshot(state.productId, 'resubscribe');
  }

  private onL2(ev: CoinbaseL2Event, seq: number, text: string, exchTs: number, localTs: number): void {
    const state = this.products.get(ev.productId);
    if (state === undefined) return;
    state.stats.frames++;
    const bids: Level[] = [];
    const asks: Level[] = [];
    // For a snapshot: whether each side arrived best first, strictly, with no zero quantity; then
    // its own lists are what the book holds, and are emitted as they are. Updates skip the check.
    let inBookOrder = ev.type === 'snapshot';
    for (const u of ev.updates) {
      const priceTicks = state.grid.priceToTicksOrNaN(u.price_level);
      const qtyLots = state.grid.qtyToLotsOrNaN(u.new_quantity);
      if (Number.isNaN(priceTicks) || Number.isNaN(qtyLots)) {
        state.stats.malformed++;
        this.malformed.record(text, `l2_data: price/qty off the grid (${u.price_level}, ${u.new_quantity})`);
        if (state.live) this.invalidate(state);
        return;
      }
      const side = u.side === 'bid' ? bids : asks;
      const previous = side[side.length - 1];
      if (
        inBookOrder &&
        (qtyLots === 0 ||
          (previous !== undefined &&
            (side === bids ? priceTicks >= previous.priceTicks : priceTicks <= previous.priceTicks)))
      )
        inBookOrder = false;
      side.push({ priceTicks, qtyLots });
    }
    const book = state.book;
    const symbol = state.grid.symbol;
    if (ev.type === 'snapshot') {
      book.clear();
      for (const l of bids) book.set('bid', l.priceTicks, l.qtyLots);
      for (const l of asks) book.set('ask', l.priceTicks, l.qtyLots);
      state.live = true;
      state.stats.snapshots++;
      // Snapshot levels arrive best first per side; otherwise emit them as the book holds them.
      const held = inBookOrder ? undefined : book.toJSON();
      const asLevels = (pairs: [number, number][]) => pairs.map(([priceTicks, qtyLots]) => ({ priceTicks, qtyLots }));
      this.hooks.emit({
        kind: 'book_snapshot',
        venue: this.venue,
        symbol,
        exchTs,
        localTs,
        seq,
        bids: held === undefined ? bids : asLevels(held.bids),
        asks: held === undefined ? asks : asLevels(held.asks),
      });
      if (state.resyncing) {
        state.resyncing = false;
        state.stats.resyncs++;
        this.hooks.emit({ kind: 'resynced', venue: this.venue, symbol, exchTs, localTs, seq });
      }
      return;
    }
    if (!state.live) return; // waiting for the snapshot of a re-subscription
    for (const l of bids) book.set('bid', l.priceTicks, l.qtyLots);
    for (const l of asks) book.set('ask', l.priceTicks, l.qtyLots);
    state.stats.deltas++;
    this.hooks.emit({ kind: 'book_delta', venue: this.venue, symbol, exchTs, localTs, seq, bids, asks });
  }

  onRestSnapshot(): void {
    // Coinbase books resync by re-subscribing over the socket.
  }

  resetAll(_localTs: number): void {
    this.lastSeq = -1;
    for (const s of this.products.values()) {
      if (s.live) s.resyncing = true;
      s.live = false;
      s.book.clear();
    }
  }

  book(symbol: string): SyncBook | undefined {
    const s = this.bySymbol.get(symbol);
    return s?.live ? s.book : undefined;
  }

  stats(): ReadonlyMap<string, FeedStats> {
    const m = new Map<string, FeedStats>();
    for (const s of this.products.values()) m.set(s.grid.symbol, s.stats);
    m.set('*', this.venueStats);
    return m;
  }
}
