/**
 * Binance.US spot handler: frames → normalized events, with the documented diff-depth procedure
 * (buffer, REST snapshot, drop `u <= lastUpdateId`, first diff brackets `lastUpdateId + 1`, then
 * `U == prev u + 1`). Transport-free: the client (or a recording reader) drives it.
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
import { LevelError, msToUs, tupleLevels } from '../../../common/levels.js';
import { SequencedBookSync } from '../../../common/sequenced-sync.js';
import { BINANCE_US } from '../common/constants.js';
import { toBinanceSymbol, toStreamPrefix } from '../common/parse.js';
import { streamsFor, subscribeMessage } from './messages.js';
import { DepthScan, parseBinanceFrame, parseBinanceSnapshot, scanDepthUpdate } from './parse.js';

interface SymbolState {
  readonly grid: DecimalGrid;
  readonly stats: FeedStats;
  readonly sync: SequencedBookSync;
  /** Highest trade id emitted: trades seen twice (two sockets during a rollover) are skipped. */
  lastTradeId: number;
}

/** Options of {@link BinanceHandler}. */
export interface BinanceHandlerOptions {
  /** Venue id stamped on events (default `binanceus`; `binance` for binance.com). */
  readonly venue?: string;
  /** One grid per subscribed symbol (canonical symbol, tick size, lot size). */
  readonly instruments: readonly DecimalGrid[];
  readonly hooks: HandlerHooks;
}

/**
 * Transport-free Binance spot handler.
 *
 * @example
 * const handler = new BinanceHandler({
 *   instruments: [new DecimalGrid('BTC/USDT', '0.01', '0.00001')],
 *   hooks: { emit: (e) => console.log(e.kind), requestSnapshot: (sym) => fetchAndFeed(sym) },
 * });
 * handler.onFrame(frameText, clock.nowUs());
 */
export class BinanceHandler implements VenueHandler {
  readonly venue: string;
  private readonly bySymbol = new Map<string, SymbolState>();
  private readonly byCanonical = new Map<string, SymbolState>();
  private readonly venueStats = emptyStats();
  private readonly malformed: MalformedLog;
  private readonly hooks: HandlerHooks;
  private readonly scan = new DepthScan();

  constructor(opts: BinanceHandlerOptions) {
    this.venue = opts.venue ?? BINANCE_US.venue;
    this.hooks = opts.hooks;
    this.malformed = new MalformedLog(this.venue, opts.hooks.logger);
    for (const grid of opts.instruments) {
      const venueSymbol = toBinanceSymbol(grid.symbol);
      const stats = emptyStats();
      const sync = new SequencedBookSync({
        venue: this.venue,
        symbol: grid.symbol,
        stats,
        emit: opts.hooks.emit,
        strict: true,
        requestSnapshot: () => opts.hooks.requestSnapshot(venueSymbol, 'rest_snapshot'),
      });
      const state: SymbolState = { grid, stats, sync, lastTradeId: -1 };
      this.bySymbol.set(venueSymbol, state);
      this.byCanonical.set(grid.symbol, state);
    }
  }

  /** Subscribe messages for every configured symbol, at most `maxStreams` streams per message. */
  subscribeMessages(maxStreams = 200): string[] {
    const streams = [...this.byCanonical.keys()].flatMap((s) => streamsFor(toStreamPrefix(s)));
    const out: string[] = [];
    for (let i = 0; i < streams.length; i += maxStreams)
      out.push(subscribeMessage(streams.slice(i, i + maxStreams), out.length + 1));
    return out;
  }

  resubscribeMessages(): string[] {
    return [];
  }

  onFrame(text: string, localTs: number): void {
    if (scanDepthUpdate(text, this.scan) && this.applyScannedDepth(text, localTs)) return;
    const msg = parseBinanceFrame(text);
    if (typeof msg === 'string') return this.bad(text, msg);
    if (msg.type === 'ignored' || msg.type === 'markPrice') {
      this.venueStats.frames++;
      return;
    }
    const state = this.bySymbol.get(msg.s);
    if (state === undefined) {
      this.venueStats.frames++;
      return;
    }
    state.stats.frames++;
    const grid = state.grid;
    if (msg.type === 'trade') {
      if (msg.t <= state.lastTradeId) {
        state.stats.duplicates++;
        return;
      }
      const priceTicks = grid.priceToTicksOrNaN(msg.p);
      const qtyLots = grid.qtyToLotsOrNaN(msg.q);
      if (Number.isNaN(priceTicks) || Number.isNaN(qtyLots))
        return this.bad(text, `trade price/qty off grid (${msg.p}, ${msg.q})`, state);
      state.stats.trades++;
      state.lastTradeId = msg.t;
      this.hooks.emit({
        kind: 'trade',
        venue: this.venue,
        symbol: grid.symbol,
        exchTs: msToUs(msg.T, localTs),
        localTs,
        tradeId: String(msg.t),
        priceTicks,
        qtyLots,
        aggressor: msg.m ? 'sell' : 'buy',
      });
      return;
    }
    let bids: Level[];
    let asks: Level[];
    try {
      bids = tupleLevels(msg.b, grid);
      asks = tupleLevels(msg.a, grid);
    } catch (err) {
      if (err instanceof LevelError) return this.bad(text, `depthUpdate: ${err.message}`, state);
      throw err;
    }
    state.sync.onDiff({ firstSeq: msg.U, lastSeq: msg.u, bids, asks, exchTs: msToUs(msg.E, localTs), localTs });
  }

  /**
   * The depth fast path: a frame {@link scanDepthUpdate} accepted, converted straight from its
   * text. Returns `false` (nothing counted, nothing applied) when the symbol is not subscribed
   * or a level is off the grid, so the general path counts and reports it as it always has.
   */
  private applyScannedDepth(text: string, localTs: number): boolean {
    const scan = this.scan;
    const state = this.bySymbol.get(text.slice(scan.symbolStart, scan.symbolEnd));
    if (state === undefined) return false;
    const bids = scannedLevels(text, scan.bidOffsets, scan.bidCount, state.grid);
    const asks = bids && scannedLevels(text, scan.askOffsets, scan.askCount, state.grid);
    if (bids === undefined || asks === undefined) return false;
    state.stats.frames++;
    state.sync.onDiff({
      firstSeq: scan.U,
      lastSeq: scan.u,
      bids,
      asks,
      exchTs: msToUs(scan.E, localTs),
      localTs,
    });
    return true;
  }

  onRestSnapshot(venueSymbol: string, body: string, localTs: number): void {
    const state = this.bySymbol.get(venueSymbol);
    if (state === undefined) return;
    const snap = parseBinanceSnapshot(body);
    let bids: Level[] | undefined;
    let asks: Level[] | undefined;
    let reason = typeof snap === 'string' ? snap : '';
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
      // Ask again: a malformed snapshot must not leave the book stuck.
      state.sync.reset(localTs, reason, false);
      state.sync.start();
      return;
    }
    state.sync.onSnapshot(snap.lastUpdateId, bids, asks, localTs, localTs);
  }

  /** Starts synchronisation of every book (requests their snapshots once diffs flow). */
  resetAll(localTs: number): void {
    for (const s of this.byCanonical.values()) s.sync.reset(localTs, 'reconnected', true);
  }

  book(symbol: string): SyncBook | undefined {
    const s = this.byCanonical.get(symbol);
    return s?.sync.live ? s.sync.book : undefined;
  }

  /** Last applied update id of a symbol's book (`-1` before the first snapshot). */
  lastUpdateId(symbol: string): number {
    return this.byCanonical.get(symbol)?.sync.lastSeq ?? -1;
  }

  stats(): ReadonlyMap<string, FeedStats> {
    const m = new Map<string, FeedStats>();
    for (const [sym, s] of this.byCanonical) m.set(sym, s.stats);
    m.set('*', this.venueStats);
    return m;
  }

  private bad(text: string, reason: string, state?: SymbolState): void {
    (state?.stats ?? this.venueStats).malformed++;
    if (state === undefined) this.venueStats.frames++;
    this.malformed.record(text, reason);
  }
}

/** Levels at the scanned offsets in ticks/lots, or `undefined` when one is off the grid. */
function scannedLevels(text: string, offsets: Int32Array, count: number, grid: DecimalGrid): Level[] | undefined {
  const out: Level[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const o = 4 * i;
    const priceTicks = grid.priceRangeToTicksOrNaN(text, offsets[o] as number, offsets[o + 1] as number);
    const qtyLots = grid.qtyRangeToLotsOrNaN(text, offsets[o + 2] as number, offsets[o + 3] as number);
    // Off the grid, or a price of zero: the full parser names and counts it.
    if (Number.isNaN(priceTicks) || Number.isNaN(qtyLots) || priceTicks <= 0) return undefined;
    out[i] = { priceTicks, qtyLots };
  }
  return out;
}
