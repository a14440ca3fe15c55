/**
 * Matching each fault the replay server injected to the feed-health signal the adapter gave for
 * it, so a replay can say fault by fault what was seen, as what, and how soon.
 *
 * @module
 */
import type { MarketEvent } from '@tickerml/core';
import type { FeedStats } from '../common/feed.js';
import { FaultKind, type InjectedFault } from './faults.js';

/** What the adapter reported. */
export const DetectionKind = {
  /** `gap_detected`: a sequence gap (or a reordered update) was seen. */
  Gap: 'gap',
  /** `gap_detected` whose reason is a snapshot older than the buffered stream: refused. */
  StaleSnapshotRefused: 'stale-snapshot-refused',
  /** `checksum_mismatch`. */
  ChecksumMismatch: 'checksum-mismatch',
  /** The handler's `duplicates` counter moved: an update already in the book was ignored. */
  DuplicateIgnored: 'duplicate-ignored',
  /** The handler's `malformed` counter moved: a frame that could not be parsed was skipped. */
  MalformedSkipped: 'malformed-skipped',
  /** `disconnected` (a closed socket, or one silent past the idle timeout: a stall). */
  Disconnect: 'disconnect',
  /** `connected` after a disconnect. */
  Reconnect: 'reconnect',
  /** `resynced`: a book was rebuilt from a fresh snapshot. */
  Resync: 'resync',
} as const;
/** One of {@link DetectionKind}. */
export type DetectionKind = (typeof DetectionKind)[keyof typeof DetectionKind];

/** One feed-health signal, where it happened in the run. */
export interface Detection {
  readonly kind: DetectionKind;
  /** Canonical symbol, or `*` for a frame not tied to one. */
  readonly symbol: string;
  /** Frames the adapter had handled when it reported this (this one included). */
  readonly framesHandled: number;
  /** Faults the server had injected by then: the detection can only be of one of those. */
  readonly faultsInjected: number;
  readonly detail: string;
}

/** What an injected fault was matched to. */
export interface FaultMatch {
  readonly fault: InjectedFault;
  /** The detection that accounts for it, or `undefined` when the adapter never reported it. */
  readonly detectedAs: Detection | undefined;
  /** Frames the adapter handled after the faulted frame until it reported the fault (0: on that frame). */
  readonly afterFrames: number | undefined;
}

/** Options of {@link matchFaults}. */
export interface MatchOptions {
  /** Position of each fault in the adapter's frame stream (frames it will have handled up to and including the faulted one), by index in `faults`. */
  readonly framesAtInjection?: readonly number[];
  /** Venue symbol → canonical symbol, to compare a fault's book with a detection's. Defaults to identity. */
  readonly canonical?: (venueSymbol: string) => string;
}

/** Which signals account for which fault. Resyncs and reconnects are consequences, never the detection. */
const ACCEPTS: Readonly<Record<FaultKind, readonly DetectionKind[]>> = {
  [FaultKind.Drop]: [DetectionKind.Gap, DetectionKind.ChecksumMismatch],
  [FaultKind.Duplicate]: [DetectionKind.DuplicateIgnored],
  [FaultKind.Reorder]: [DetectionKind.Gap, DetectionKind.ChecksumMismatch],
  [FaultKind.Corrupt]: [DetectionKind.ChecksumMismatch, DetectionKind.MalformedSkipped, DetectionKind.Gap],
  [FaultKind.Stall]: [DetectionKind.Disconnect],
  [FaultKind.Close]: [DetectionKind.Disconnect],
  [FaultKind.StaleSnapshot]: [DetectionKind.StaleSnapshotRefused, DetectionKind.Gap, DetectionKind.ChecksumMismatch],
};

/** The detection kinds that can account for a fault of `kind`. */
export function detectionsAccepted(kind: FaultKind): readonly DetectionKind[] {
  return ACCEPTS[kind];
}

/**
 * Matches faults to detections, in injection order: each fault takes the first unclaimed
 * detection of an accepted kind, on its symbol (or any symbol when either side has none), that
 * was reported after the fault was injected. A detection accounts for one fault at most.
 * @returns one match per fault, in the order of `faults`.
 * @example
 * ```ts
 * const matches = matchFaults(server.injected, log.detections, { canonical: (s) => s.replace('-', '/') });
 * const missed = matches.filter((m) => m.detectedAs === undefined);
 * ```
 */
export function matchFaults(
  faults: readonly InjectedFault[],
  detections: readonly Detection[],
  options: MatchOptions = {},
): FaultMatch[] {
  const claimed = new Set<number>();
  const framesAtInjection = options.framesAtInjection ?? [];
  const canonical = options.canonical ?? ((s: string) => s);
  return faults.map((fault, index) => {
    const accepted = ACCEPTS[fault.kind];
    const symbol = fault.venueSymbol === undefined ? undefined : canonical(fault.venueSymbol);
    for (let d = 0; d < detections.length; d++) {
      const det = detections[d] as Detection;
      if (claimed.has(d) || det.faultsInjected <= index || !accepted.includes(det.kind)) continue;
      if (symbol !== undefined && det.symbol !== '*' && det.symbol !== symbol) continue;
      claimed.add(d);
      const at = framesAtInjection[index];
      return {
        fault,
        detectedAs: det,
        afterFrames: at === undefined ? undefined : Math.max(0, det.framesHandled - at),
      };
    }
    return { fault, detectedAs: undefined, afterFrames: undefined };
  });
}

/** Collects {@link Detection}s from a feed's events and counters as a run goes. */
export class DetectionLog {
  /** Every detection so far, in order. */
  readonly detections: Detection[] = [];
  private readonly counters = new Map<string, { duplicates: number; malformed: number }>();
  private readonly disconnected = new Set<string>();

  /**
   * @param position frames handled and faults injected right now (read at each detection).
   */
  constructor(private readonly position: () => { framesHandled: number; faultsInjected: number }) {}

  /** Feeds one event the adapter emitted; non-health events are ignored. */
  onEvent(e: MarketEvent): void {
    switch (e.kind) {
      case 'gap_detected':
        this.add(
          e.reason.startsWith('stale snapshot') ? DetectionKind.StaleSnapshotRefused : DetectionKind.Gap,
          e.symbol,
          e.reason,
        );
        return;
      case 'checksum_mismatch':
        this.add(DetectionKind.ChecksumMismatch, e.symbol, `expected ${e.expected}, computed ${e.computed}`);
        return;
      case 'disconnected':
        this.disconnected.add(e.symbol);
        this.add(DetectionKind.Disconnect, e.symbol, e.reason);
        return;
      case 'connected':
        if (this.disconnected.delete(e.symbol)) this.add(DetectionKind.Reconnect, e.symbol, 'socket open again');
        return;
      case 'resynced':
        this.add(DetectionKind.Resync, e.symbol, 'book rebuilt from a fresh snapshot');
        return;
      default:
    }
  }

  /**
   * Compares a handler's counters with what they were at the last call: each rise of
   * `duplicates` or `malformed` becomes a detection. Call it after every frame the handler took.
   */
  onCounters(stats: ReadonlyMap<string, FeedStats>): void {
    for (const [symbol, s] of stats) {
      let before = this.counters.get(symbol);
      if (before === undefined) {
        before = { duplicates: 0, malformed: 0 };
        this.counters.set(symbol, before);
      }
      for (let n = before.duplicates; n < s.duplicates; n++)
        this.add(DetectionKind.DuplicateIgnored, symbol, 'update already in the book, ignored');
      for (let n = before.malformed; n < s.malformed; n++)
        this.add(DetectionKind.MalformedSkipped, symbol, 'frame could not be parsed, skipped');
      before.duplicates = s.duplicates;
      before.malformed = s.malformed;
    }
  }

  private add(kind: DetectionKind, symbol: string, detail: string): void {
    this.detections.push({ kind, symbol, detail, ...this.position() });
  }
}
