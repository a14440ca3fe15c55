/**
 * Kraken spot v2 handler: `book` snapshots and updates applied to a book truncated to the
 * subscribed depth and verified against the CRC32 checksum after every message; `trade` and,
 * when a token is configured, `level3` order events. A mismatch resyncs that one book by
 * re-subscribing it. Transport-free.
 *
 * @module
 */

import type { Level, MarketEvent } from '@tickerml/core';
import { SyncBook } from '../../../common/book.js';
import { krakenChecksum } from '../../../common/crc32.js';
import type { DecimalGrid } from '../../../common/decimal.js';
import { AdapterConfigError } from '../../../common/errors.js';
import {
  emptyStats,
  type FeedStats,
  type HandlerHooks,
  MalformedLog,
  type VenueHandler,
} from '../../../common/feed.js';
import { isoToUs } from '../../../common/levels.js';
import { KRAKEN } from '../common/constants.js';
import { bookSubscribe, bookUnsubscribe, level3Subscribe, tradeSubscribe } from './messages.js';
import {
  type KrakenBookMsg,
  type KrakenL3Msg,
  type KrakenLevelText,
  type KrakenTradeMsg,
  parseKrakenFrame,
} from './parse.js';

interface SymbolState {
  readonly grid: DecimalGrid;
  readonly stats: FeedStats;
  readonly book: SyncBook;
  live: boolean;
  /** A mismatch was seen: the next snapshot counts as a resync. */
  resyncing: boolean;
  lastChecksum: number;
  lastTimestamp: string | undefined;
}

/** Options of {@link KrakenHandler}. */
export interface KrakenHandlerOptions {
  /** One grid per symbol; tick and lot sizes must carry Kraken's display precision (checksums). */
  readonly instruments: readonly DecimalGrid[];
  /** Book depth to subscribe and truncate to (10, 25, 100, 500 or 1000; default 10). */
  readonly depth?: number;
  readonly hooks: HandlerHooks;
}

/**
 * Transport-free Kraken v2 handler.
 *
 * @example
 * const handler = new KrakenHandler({
 *   instruments: [new DecimalGrid('BTC/USD', '0.1', '0.00000001')],
 *   depth: 10,
 *   hooks: { emit: console.log, requestSnapshot: () => {} },
 * });
 * handler.onFrame(text, clock.nowUs());
 */
export class KrakenHandler implements VenueHandler {
  readonly venue = KRAKEN.venue;
  readonly depth: number;
  private readonly symbols = new Map<string, SymbolState>();
  private readonly venueStats = emptyStats();
  private readonly malformed: MalformedLog;
  private readonly hooks: HandlerHooks;
  private reqId = 1;

  constructor(opts: KrakenHandlerOptions) {
    this.depth = opts.depth ?? KRAKEN.defaultDepth;
    if (!(KRAKEN.bookDepths as readonly number[]).includes(this.depth)) {
      throw new AdapterConfigError(`kraken depth must be one of ${KRAKEN.bookDepths.join(', ')}, was ${this.depth}`);
    }
    this.hooks = opts.hooks;
    this.malformed = new MalformedLog(this.venue, opts.hooks.logger);
    for (const grid of opts.instruments) {
      this.symbols.set(grid.symbol, {
        grid,
        stats: emptyStats(),
        book: new SyncBook(),
        live: false,
        resyncing: false,
        lastChecksum: -1,
        lastTimestamp: undefined,
      });
    }
  }

  /** Messages subscribing every symbol's book and trades (and level3 when `token` is given). */
  subscribeMessages(token?: string): string[] {
    const syms = [...this.symbols.keys()];
    const out = [bookSubscribe(syms, this.depth, this.reqId++), tradeSubscribe(syms, this.reqId++)];
    if (token !== undefined && token !== '') out.push(level3Subscribe(syms, token, this.reqId++));
    return out;
  }

  resubscribeMessages(symbol: string): string[] {
    return [bookUnsubscribe([symbol], this.depth, this.reqId++), bookSubscribe([symbol], this.depth, this.reqId++)];
  }

  onFrame(text: string, localTs: number): void {
    const msg = parseKrakenFrame(text);
    if (typeof msg === 'string') return this.bad(text, msg);
    if (msg.type !== 'batch') {
      this.venueStats.frames++;
      if (msg.type === 'error')
        this.hooks.logger?.warn({ venue: this.venue, error: msg.error }, 'venue rejected a request');
      return;
    }
    for (const item of msg.items) {
      const state = this.symbols.get(item.symbol);
      if (state === undefined) {
        this.venueStats.frames++;
        continue;
      }
      state.stats.frames++;
      if (item.type === 'book') this.onBook(state, item, text, localTs);
      else if (item.type === 'trade') this.onTrade(state, item, text, localTs);
      else this.onL3(state, item, text, localTs);
    }
  }

  private convert(state: SymbolState, levels: readonly KrakenLevelText[]): Level[] | undefined {
    const out: Level[] = [];
    for (const l of levels) {
      const priceTicks = state.grid.priceToTicksOrNaN(l.price);
      const qtyLots = state.grid.qtyToLotsOrNaN(l.qty);
      if (Number.isNaN(priceTicks) || Number.isNaN(qtyLots)) return undefined;
      out.push({ priceTicks, qtyLots });
    }
    return out;
  }

  private onBook(state: SymbolState, msg: KrakenBookMsg, text: string, localTs: number): void {
    const bids = this.convert(state, msg.bids);
    const asks = this.convert(state, msg.asks);
    if (bids === undefined || asks === undefined) {
      this.bad(text, `book: price/qty off the grid ${state.grid.tickSize}/${state.grid.lotSize}`, state);
      if (!msg.snapshot && state.live) this.invalidate(state, localTs);
      return;
    }
    const symbol = state.grid.symbol;
    const exchTs = isoToUs(msg.timestamp, localTs);
    const book = state.book;
    if (msg.snapshot) {
      book.clear();
      for (const l of bids) book.set('bid', l.priceTicks, l.qtyLots);
      for (const l of asks) book.set('ask', l.priceTicks, l.qtyLots);
      book.truncate(this.depth);
      state.stats.snapshots++;
      state.live = true;
      this.hooks.emit({
        kind: 'book_snapshot',
        venue: this.venue,
        symbol,
        exchTs,
        localTs,
        bids,
        asks,
        depth: this.depth,
      });
    } else {
      if (!state.live) return; // waiting for the snapshot of a resubscription
      if (msg.checksum === state.lastChecksum && msg.timestamp === state.lastTimestamp) {
        state.stats.duplicates++;
        return;
      }
      for (const l of bids) book.set('bid', l.priceTicks, l.qtyLots);
      for (const l of asks) book.set('ask', l.priceTicks, l.qtyLots);
      book.truncate(this.depth);
      state.stats.deltas++;
      this.hooks.emit({
        kind: 'book_delta',
        venue: this.venue,
        symbol,
        exchTs,
        localTs,
        bids,
        asks,
        checksum: msg.checksum,
      });
    }
    state.lastChecksum = msg.checksum;
    state.lastTimestamp = msg.timestamp;
    const computed = krakenChecksum(book, state.grid);
    if (computed !== msg.checksum) {
      state.stats.checksumsMismatched++;
      this.hooks.emit({
        kind: 'checksum_mismatch',
        venue: this.venue,
        symbol,
        exchTs,
        localTs,
        expected: msg.checksum,
        computed,
      });
      this.invalidate(state, localTs);
      return;
    }
    state.stats.checksumsMatched++;
    if (msg.snapshot && state.resyncing) {
      state.resyncing = false;
      state.stats.resyncs++;
      this.hooks.emit({ kind: 'resynced', venue: this.venue, symbol, exchTs, localTs });
    }
  }

  /** Drops the book and re-subscribes it; updates are ignored until the new snapshot. */
  private invalidate(state: SymbolState, _localTs: number): void {
    state.live = false;
    state.resyncing = true;
    state.book.clear();
    state.lastChecksum = -1;
    this.hooks.requestSnapshot(state.grid.symbol, 'resubscribe');
  }

  private onTrade(state: SymbolState, msg: KrakenTradeMsg, text: string, localTs: number): void {
    const priceTicks = state.grid.priceToTicksOrNaN(msg.price);
    const qtyLots = state.grid.qtyToLotsOrNaN(msg.qty);
    if (Number.isNaN(priceTicks) || Number.isNaN(qtyLots))
      return this.bad(text, 'trade: price/qty off the grid', state);
    state.stats.trades++;
    this.hooks.emit({
      kind: 'trade',
      venue: this.venue,
      symbol: state.grid.symbol,
      exchTs: isoToUs(msg.timestamp, localTs),
      localTs,
      tradeId: msg.tradeId,
      priceTicks,
      qtyLots,
      aggressor: msg.side, // Kraken reports the taker side
    });
  }

  private onL3(state: SymbolState, msg: KrakenL3Msg, text: string, localTs: number): void {
    const symbol = state.grid.symbol;
    const events: MarketEvent[] = [];
    for (const o of msg.orders) {
      const exchTs = isoToUs(o.timestamp, localTs);
      if (o.event === 'delete') {
        events.push({
          kind: 'order_removed',
          venue: this.venue,
          symbol,
          exchTs,
          localTs,
          orderId: o.orderId,
          side: o.side,
        });
        continue;
      }
      const priceTicks = state.grid.priceToTicksOrNaN(o.price);
      const qtyLots = state.grid.qtyToLotsOrNaN(o.qty);
      if (Number.isNaN(priceTicks) || Number.isNaN(qtyLots))
        return this.bad(text, 'level3: price/qty off the grid', state);
      events.push({
        kind: o.event === 'add' ? 'order_added' : 'order_changed',
        venue: this.venue,
        symbol,
        exchTs,
        localTs,
        orderId: o.orderId,
        side: o.side,
        priceTicks,
        qtyLots,
      });
    }
    for (const e of events) this.hooks.emit(e);
  }

  onRestSnapshot(): void {
    // Kraken books resync over the socket (re-subscribe); there is no REST snapshot to feed.
  }

  resetAll(_localTs: number): void {
    for (const s of this.symbols.values()) {
      if (s.live) s.resyncing = true;
      s.live = false;
      s.book.clear();
      s.lastChecksum = -1;
    }
  }

  book(symbol: string): SyncBook | undefined {
    const s = this.symbols.get(symbol);
    return s?.live ? s.book : undefined;
  }

  stats(): ReadonlyMap<string, FeedStats> {
    const m = new Map<string, FeedStats>();
    for (const [sym, s] of this.symbols) m.set(sym, s.stats);
    m.set('*', this.venueStats);
    return m;
  }

  private bad(text: string, reason: string, state?: SymbolState): void {
    if (state === undefined) this.venueStats.frames++;
    (state?.stats ?? this.venueStats).malformed++;
    this.malformed.record(text, reason);
  }
}
