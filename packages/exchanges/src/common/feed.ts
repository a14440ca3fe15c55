/**
 * Pieces shared by every venue's transport-free handler: the event sink, per-symbol feed
 * statistics, malformed-frame accounting and the handler contract the connection layer drives.
 *
 * @module
 */
import type { MarketEvent } from '@tickerml/core';
import type { SyncBook } from './book.js';
import type { FeedLogger } from './logger.js';

/** Receives every normalized event an adapter produces, in order. */
export type EventSink = (event: MarketEvent) => void;

/** Counters per symbol (and per venue under the `*` key). */
export interface FeedStats {
  /** Frames routed to this symbol. */
  frames: number;
  snapshots: number;
  deltas: number;
  trades: number;
  fundingRates: number;
  /** Sequence gaps, stale snapshots and reordered frames detected. */
  gaps: number;
  /** Books rebuilt from a fresh snapshot after a gap or mismatch. */
  resyncs: number;
  checksumsMatched: number;
  checksumsMismatched: number;
  /** Frames already covered by the book (re-sent or duplicated), skipped. */
  duplicates: number;
  /** Frames that could not be parsed, skipped. */
  malformed: number;
}

/** A zeroed {@link FeedStats}. */
export function emptyStats(): FeedStats {
  return {
    frames: 0,
    snapshots: 0,
    deltas: 0,
    trades: 0,
    fundingRates: 0,
    gaps: 0,
    resyncs: 0,
    checksumsMatched: 0,
    checksumsMismatched: 0,
    duplicates: 0,
    malformed: 0,
  };
}

/** How a book is resynchronised: a REST snapshot, or a re-subscription on the socket. */
export type ResyncMethod = 'rest_snapshot' | 'resubscribe';

/** What a handler needs from whoever drives it (a live connection, or a recording reader). */
export interface HandlerHooks {
  /** Receives normalized events. */
  readonly emit: EventSink;
  /**
   * Asks the driver for a fresh snapshot of one book (`venueSymbol` as the venue spells it):
   * `rest_snapshot` means fetch it and call `onRestSnapshot`; `resubscribe` means send the
   * messages the handler returns from `resubscribeMessages`.
   */
  readonly requestSnapshot: (venueSymbol: string, method: ResyncMethod) => void;
  readonly logger?: FeedLogger;
  /** Control frames the connection layer cares about (KuCoin `welcome`, `pong`). */
  readonly onControl?: (type: 'welcome' | 'pong') => void;
}

/** The transport-free part of an adapter: raw text in, normalized events out. */
export interface VenueHandler {
  /** Venue id, e.g. `binanceus`. */
  readonly venue: string;
  /** Feeds one frame received on the socket with the time it arrived (µs). Never throws. */
  onFrame(text: string, localTs: number): void;
  /** Feeds a REST depth snapshot body for `venueSymbol`. Never throws. */
  onRestSnapshot(venueSymbol: string, body: string, localTs: number): void;
  /** Messages to send to (re)subscribe the book of `venueSymbol` (for `resubscribe` resyncs). */
  resubscribeMessages(venueSymbol: string): string[];
  /** Marks every book as needing a new snapshot (after a reconnect). */
  resetAll(localTs: number): void;
  /** Synchronized book of a canonical symbol, or `undefined` while (re)syncing or unknown. */
  book(symbol: string): SyncBook | undefined;
  /** Counters per canonical symbol, plus `*` for frames not tied to a symbol. */
  stats(): ReadonlyMap<string, FeedStats>;
}

/** Counts malformed frames and logs a bounded sample of them (first 5, then every 1000th). */
export class MalformedLog {
  private count = 0;
  constructor(
    private readonly venue: string,
    private readonly logger: FeedLogger | undefined,
  ) {}

  /** Records one malformed frame; `reason` says what was wrong. */
  record(text: string, reason: string): void {
    this.count++;
    if (this.logger && (this.count <= 5 || this.count % 1000 === 0)) {
      this.logger.warn(
        { venue: this.venue, count: this.count, reason, sample: text.slice(0, 200) },
        'malformed frame skipped',
      );
    }
  }

  get total(): number {
    return this.count;
  }
}
