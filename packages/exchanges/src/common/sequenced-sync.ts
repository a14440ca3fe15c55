/**
 * Snapshot + sequenced-diff synchronisation for one book (Binance `U`/`u`, KuCoin
 * `sequenceStart`/`sequenceEnd`): buffer diffs, take a REST snapshot, drop what it already
 * covers, require the first applied diff to bracket `snapshotSeq + 1`, then contiguous
 * sequences. A gap or a stale snapshot resyncs this book only and emits feed-health events.
 *
 * @module
 */
import type { Level } from '@tickerml/core';
import type { L2BookOptions } from '@tickerml/microstructure';
import { SyncBook } from './book.js';
import type { EventSink, FeedStats } from './feed.js';

/** A diff already converted to ticks/lots, with its sequence range. */
export interface SequencedDiff {
  /** First sequence covered (Binance `U`, KuCoin `sequenceStart`). */
  readonly firstSeq: number;
  /** Last sequence covered (Binance `u`, KuCoin `sequenceEnd`). */
  readonly lastSeq: number;
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
  /**
   * Per-level sequence numbers parallel to `bids` / `asks` (KuCoin sends one per change): levels
   * the book already covers are skipped when a diff overlaps it. Omit when the venue has none.
   */
  readonly bidSeqs?: readonly number[];
  readonly askSeqs?: readonly number[];
  /** Venue time, µs. */
  readonly exchTs: number;
  /** Receive time, µs. */
  readonly localTs: number;
}

/** Options of {@link SequencedBookSync}. */
export interface SequencedSyncOptions {
  readonly venue: string;
  /** Canonical symbol. */
  readonly symbol: string;
  readonly stats: FeedStats;
  readonly emit: EventSink;
  /** Called when the book needs a (new) REST snapshot. */
  readonly requestSnapshot: () => void;
  /**
   * `true` (Binance): after the first diff each diff must start exactly at `last + 1`.
   * `false` (KuCoin): a diff applies when `firstSeq <= last + 1` and `lastSeq > last`.
   */
  readonly strict: boolean;
  /** Most diffs buffered while waiting for a snapshot before the oldest are dropped (default 20 000). */
  readonly maxBuffered?: number;
  /** Options of the book kept (microstructure `L2Book`'s; default its defaults). */
  readonly book?: L2BookOptions;
}

/** The state machine of one book. */
export class SequencedBookSync {
  readonly book: SyncBook;
  /** `true` once a snapshot has been applied and the diffs since are contiguous. */
  live = false;
  /** Last sequence applied (valid when {@link live}). */
  lastSeq = -1;
  private firstAfterSnapshot = false;
  private buffer: SequencedDiff[] = [];
  private awaitingSnapshot = false;
  private hadGap = false;
  private readonly opts: SequencedSyncOptions;

  constructor(opts: SequencedSyncOptions) {
    this.opts = opts;
    this.book = new SyncBook(opts.book);
  }

  /** Starts (or restarts) synchronisation: clears the book and asks for a snapshot. */
  start(): void {
    this.live = false;
    this.book.clear();
    this.buffer = [];
    this.requestSnapshotOnce();
  }

  /** Marks the book invalid (reconnect): diffs are buffered until the next snapshot. */
  reset(localTs: number, reason: string, emitGap: boolean): void {
    if (emitGap && this.live) this.gap(localTs, this.lastSeq + 1, undefined, reason);
    this.live = false;
    this.book.clear();
    this.buffer = [];
    this.awaitingSnapshot = false;
  }

  private requestSnapshotOnce(): void {
    if (this.awaitingSnapshot) return;
    this.awaitingSnapshot = true;
    this.opts.requestSnapshot();
  }

  private gap(localTs: number, expectedSeq: number, receivedSeq: number | undefined, reason: string): void {
    const o = this.opts;
    o.stats.gaps++;
    this.hadGap = true;
    o.emit({
      kind: 'gap_detected',
      venue: o.venue,
      symbol: o.symbol,
      exchTs: localTs,
      localTs,
      expectedSeq,
      ...(receivedSeq === undefined ? {} : { receivedSeq }),
      reason,
    });
  }

  /** Feeds one diff. */
  onDiff(diff: SequencedDiff): void {
    const o = this.opts;
    if (!this.live) {
      this.buffer.push(diff);
      const max = o.maxBuffered ?? 20_000;
      if (this.buffer.length > max) this.buffer.splice(0, this.buffer.length - max);
      this.requestSnapshotOnce();
      return;
    }
    if (diff.lastSeq <= this.lastSeq) {
      o.stats.duplicates++;
      return;
    }
    const next = this.lastSeq + 1;
    const fits = this.firstAfterSnapshot || !o.strict ? diff.firstSeq <= next : diff.firstSeq === next;
    if (!fits) {
      this.gap(
        diff.localTs,
        next,
        diff.firstSeq,
        `sequence gap: expected ${next}, received ${diff.firstSeq}..${diff.lastSeq}`,
      );
      this.live = false;
      this.book.clear();
      this.buffer = [diff];
      this.awaitingSnapshot = false;
      this.requestSnapshotOnce();
      return;
    }
    this.apply(diff);
  }

  private apply(input: SequencedDiff): void {
    const o = this.opts;
    const book = this.book;
    // An overlapping diff (first sequence already applied) keeps only its newer levels.
    const diff = input.firstSeq <= this.lastSeq && (input.bidSeqs || input.askSeqs) ? this.newerPart(input) : input;
    for (let i = 0; i < diff.bids.length; i++) {
      const l = diff.bids[i] as Level;
      book.set('bid', l.priceTicks, l.qtyLots);
    }
    for (let i = 0; i < diff.asks.length; i++) {
      const l = diff.asks[i] as Level;
      book.set('ask', l.priceTicks, l.qtyLots);
    }
    this.lastSeq = diff.lastSeq;
    this.firstAfterSnapshot = false;
    o.stats.deltas++;
    o.emit({
      kind: 'book_delta',
      venue: o.venue,
      symbol: o.symbol,
      exchTs: diff.exchTs,
      localTs: diff.localTs,
      seq: diff.lastSeq,
      firstSeq: diff.firstSeq,
      bids: diff.bids,
      asks: diff.asks,
    });
  }

  private newerPart(diff: SequencedDiff): SequencedDiff {
    const floor = this.lastSeq;
    const keep = (levels: readonly Level[], seqs: readonly number[] | undefined) =>
      seqs === undefined ? levels : levels.filter((_, i) => (seqs[i] ?? Number.POSITIVE_INFINITY) > floor);
    return { ...diff, bids: keep(diff.bids, diff.bidSeqs), asks: keep(diff.asks, diff.askSeqs) };
  }

  /**
   * Feeds a REST snapshot whose last included sequence is `snapshotSeq`. If it is older than
   * the buffered stream (a gap between it and the first diff) it is discarded, a gap is reported
   * and a new one is requested.
   */
  onSnapshot(
    snapshotSeq: number,
    bids: readonly Level[],
    asks: readonly Level[],
    exchTs: number,
    localTs: number,
  ): void {
    const o = this.opts;
    this.awaitingSnapshot = false;
    let i = 0;
    while (i < this.buffer.length && (this.buffer[i] as SequencedDiff).lastSeq <= snapshotSeq) i++;
    const pending = this.buffer.slice(i);
    const first = pending[0];
    if (first !== undefined && first.firstSeq > snapshotSeq + 1) {
      // The snapshot is older than the stream we hold: take another one.
      this.buffer = pending;
      this.gap(
        localTs,
        snapshotSeq + 1,
        first.firstSeq,
        `stale snapshot: snapshot ends at ${snapshotSeq}, stream resumes at ${first.firstSeq}`,
      );
      this.requestSnapshotOnce();
      return;
    }
    const book = this.book;
    book.clear();
    for (const l of bids) book.set('bid', l.priceTicks, l.qtyLots);
    for (const l of asks) book.set('ask', l.priceTicks, l.qtyLots);
    this.lastSeq = snapshotSeq;
    this.live = true;
    this.firstAfterSnapshot = true;
    this.buffer = [];
    o.stats.snapshots++;
    o.emit({ kind: 'book_snapshot', venue: o.venue, symbol: o.symbol, exchTs, localTs, seq: snapshotSeq, bids, asks });
    if (this.hadGap) {
      this.hadGap = false;
      o.stats.resyncs++;
      o.emit({ kind: 'resynced', venue: o.venue, symbol: o.symbol, exchTs, localTs, seq: snapshotSeq });
    }
    // A gap inside the buffered diffs puts the book back to buffering; onDiff handles both.
    for (const d of pending) this.onDiff(d);
  }
}
