/**
 * KuCoin spot handler: `trade.l2update` diffs synchronised with a REST snapshot by
 * `sequenceStart`/`sequenceEnd` (apply when `start <= last + 1` and `end > last`; a price of
 * `"0"` only advances the sequence; a size of `"0"` deletes), and `trade.l3match` trades (taker
 * side). Transport-free.
 *
 * @module
 */
import type { Level } from '@tickerml/core';
import type { SyncBook } from '../../../common/book.js';
import type { DecimalGrid } from '../../../common/decimal.js';
import {
  emptyStats,
  type FeedStats,
  type HandlerHooks,
  MalformedLog,
  type VenueHandler,
} from '../../../common/feed.js';
import { LevelError, msToUs, sequencedTupleLevels, tupleLevels } from '../../../common/levels.js';
import { SequencedBookSync } from '../../../common/sequenced-sync.js';
import { KUCOIN } from '../common/constants.js';
import { toKucoinSymbol } from '../common/parse.js';
import { subscribeMessage } from './messages.js';
import { parseKucoinFrame, parseKucoinSnapshot } from './parse.js';

interface SymbolState {
  readonly grid: DecimalGrid;
  readonly stats: FeedStats;
  readonly sync: SequencedBookSync;
}

/** Options of {@link KucoinHandler}. */
export interface KucoinHandlerOptions {
  readonly instruments: readonly DecimalGrid[];
  readonly hooks: HandlerHooks;
  /**
   * Ticks each side of the mid that a book holds in its tick-indexed window (microstructure
   * `L2Book`'s `roiHalfWidthTicks`); levels beyond it are held exactly in the sorted fallback.
   * Default {@link KUCOIN_BOOK_HALF_WIDTH_TICKS}: a KuCoin connection carries up to 100 books, and
   * at `L2Book`'s own default each would take 1 MiB, zeroed when the feed starts.
   */
  readonly bookHalfWidthTicks?: number;
}

/** Default of {@link KucoinHandlerOptions.bookHalfWidthTicks}: 4,096 ticks (128 KiB a book; BTC-USDT ±409.6 USDT). */
export const KUCOIN_BOOK_HALF_WIDTH_TICKS = 4_096;

/**
 * Transport-free KuCoin spot handler.
 *
 * @example
 * const handler = new KucoinHandler({
 *   instruments: [new DecimalGrid('BTC/USDT', '0.1', '0.00000001')],
 *   hooks: { emit: console.log, requestSnapshot: (sym) => fetchSnapshot(sym) },
 * });
 */
export class KucoinHandler implements VenueHandler {
  readonly venue = KUCOIN.venue;
  private readonly bySymbol = new Map<string, SymbolState>();
  private readonly byCanonical = new Map<string, SymbolState>();
  private readonly venueStats = emptyStats();
  private readonly malformed: MalformedLog;
  private readonly hooks: HandlerHooks;
  private nextId = 1;

  constructor(opts: KucoinHandlerOptions) {
    this.hooks = opts.hooks;
    this.malformed = new MalformedLog(this.venue, opts.hooks.logger);
    for (const grid of opts.instruments) {
      const venueSymbol = toKucoinSymbol(grid.symbol);
      const stats = emptyStats();
      const sync = new SequencedBookSync({
        venue: this.venue,
        symbol: grid.symbol,
        stats,
        emit: opts.hooks.emit,
        strict: false,
        book: { roiHalfWidthTicks: opts.bookHalfWidthTicks ?? KUCOIN_BOOK_HALF_WIDTH_TICKS },
        requestSnapshot: () => opts.hooks.requestSnapshot(venueSymbol, 'rest_snapshot'),
      });
      const state = { grid, stats, sync };
      this.bySymbol.set(venueSymbol, state);
      this.byCanonical.set(grid.symbol, state);
    }
  }

  /** Subscribe messages for `level2` and `match`, at most 100 symbols per message. */
  subscribeMessages(): string[] {
    const syms = [...this.bySymbol.keys()];
    const out: string[] = [];
    for (let i = 0; i < syms.length; i += KUCOIN.maxSymbolsPerSubscribe) {
      const chunk = syms.slice(i, i + KUCOIN.maxSymbolsPerSubscribe).join(',');
      out.push(subscribeMessage(`/market/level2:${chunk}`, String(this.nextId++)));
      out.push(subscribeMessage(`/market/match:${chunk}`, String(this.nextId++)));
    }
    return out;
  }

  resubscribeMessages(): string[] {
    return [];
  }

  onFrame(text: string, localTs: number): void {
    const msg = parseKucoinFrame(text);
    if (typeof msg === 'string') return this.bad(text, msg);
    if (msg.type !== 'l2' && msg.type !== 'match') {
      this.venueStats.frames++;
      if (msg.type === 'welcome' || msg.type === 'pong') this.hooks.onControl?.(msg.type);
      else if (msg.type === 'error')
        this.hooks.logger?.warn({ venue: this.venue, error: msg.error }, 'venue sent an error');
      return;
    }
    const state = this.bySymbol.get(msg.symbol);
    if (state === undefined) {
      this.venueStats.frames++;
      return;
    }
    state.stats.frames++;
    const grid = state.grid;
    if (msg.type === 'match') {
      const priceTicks = grid.priceToTicksOrNaN(msg.price);
      const qtyLots = grid.qtyToLotsOrNaN(msg.size);
      if (Number.isNaN(priceTicks) || Number.isNaN(qtyLots))
        return this.bad(text, `match: price/size off the grid (${msg.price}, ${msg.size})`, state);
      state.stats.trades++;
      const exchTs =
        msg.timeNs !== undefined && /^[0-9]{10,19}$/.test(msg.timeNs) ? Number(msg.timeNs.slice(0, -3)) : localTs;
      this.hooks.emit({
        kind: 'trade',
        venue: this.venue,
        symbol: grid.symbol,
        exchTs,
        localTs,
        tradeId: msg.tradeId,
        priceTicks,
        qtyLots,
        aggressor: msg.side,
      });
      return;
    }
    let bids: { levels: Level[]; seqs: number[] };
    let asks: { levels: Level[]; seqs: number[] };
    try {
      bids = sequencedTupleLevels(msg.bids, grid);
      asks = sequencedTupleLevels(msg.asks, grid);
    } catch (err) {
      if (err instanceof LevelError) return this.bad(text, `l2update: ${err.message}`, state);
      throw err;
    }
    state.sync.onDiff({
      firstSeq: msg.sequenceStart,
      lastSeq: msg.sequenceEnd,
      bids: bids.levels,
      asks: asks.levels,
      bidSeqs: bids.seqs,
      askSeqs: asks.seqs,
      exchTs: msToUs(msg.timeMs, localTs),
      localTs,
    });
  }

  onRestSnapshot(venueSymbol: string, body: string, localTs: number): void {
    const state = this.bySymbol.get(venueSymbol);
    if (state === undefined) return;
    const snap = parseKucoinSnapshot(body);
    let reason = typeof snap === 'string' ? snap : '';
    let bids: Level[] | undefined;
    let asks: Level[] | undefined;
    if (typeof snap !== 'string') {
      try {
        bids = tupleLevels(snap.bids, state.grid);
        asks = tupleLevels(snap.asks, state.grid);
      } catch (err) {
        if (!(err instanceof LevelError)) throw err;
        reason = `snapshot: ${err.message}`;
      }
    }
    if (typeof snap === 'string' || bids === undefined || asks === undefined) {
      this.bad(body, reason, state);
      state.sync.reset(localTs, reason, false);
      state.sync.start();
      return;
    }
    state.sync.onSnapshot(snap.sequence, bids, asks, msToUs(snap.timeMs, localTs), localTs);
  }

  resetAll(localTs: number): void {
    for (const s of this.bySymbol.values()) s.sync.reset(localTs, 'reconnected', true);
  }

  book(symbol: string): SyncBook | undefined {
    const s = this.byCanonical.get(symbol);
    return s?.sync.live ? s.sync.book : undefined;
  }

  stats(): ReadonlyMap<string, FeedStats> {
    const m = new Map<string, FeedStats>();
    for (const [sym, s] of this.byCanonical) m.set(sym, s.stats);
    m.set('*', this.venueStats);
    return m;
  }

  private bad(text: string, reason: string, state?: SymbolState): void {
    if (state === undefined) this.venueStats.frames++;
    (state?.stats ?? this.venueStats).malformed++;
    this.malformed.record(text, reason);
  }
}
