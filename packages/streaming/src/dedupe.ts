/**
 * De-duplication of market events by venue sequence.
 *
 * @module
 */
import type { MarketEvent } from '@tickerml/core';
import { MalformedMessageError } from './errors.js';

/**
 * Remembers, per `venue:symbol:kind`, the highest venue sequence applied, so an event delivered
 * again (a Kafka redelivery after a rebalance or a broker restart, or a second publisher of the
 * same feed) is recognised and not applied twice.
 *
 * Rules:
 * - an event without `seq` is never a duplicate by sequence (the consumer's per-partition
 *   offset check still catches its redelivery);
 * - an event is a duplicate when its `seq` is at most the highest applied `seq` of its
 *   venue, symbol and kind;
 * - venues whose sequence restarts with each connection (Coinbase's `sequence_num`) announce the
 *   new connection with a `connected` event: a `connected` event newer (by `localTs`) than the
 *   last one seen for that instrument clears its sequences; a redelivered `connected` (same or
 *   older `localTs`) is itself a duplicate and clears nothing.
 *
 * Lookups go through nested maps keyed by the event's own strings, so checking an event builds
 * no key string.
 *
 * @example
 * ```ts
 * const tracker = new SequenceTracker();
 * if (!tracker.isDuplicate(event)) { apply(event); tracker.record(event); }
 * ```
 */
export class SequenceTracker {
  /** venue → symbol → state of that instrument. */
  readonly #venues = new Map<string, Map<string, InstrumentSequences>>();

  /**
   * True when `event` was applied already (see the class rules). Does not record anything.
   *
   * @example
   * ```ts
   * tracker.isDuplicate({ kind: 'trade', venue: 'binanceus', symbol: 'BTC/USDT', seq: 7, ... });
   * ```
   */
  isDuplicate(event: MarketEvent): boolean {
    const state = this.#venues.get(event.venue)?.get(event.symbol);
    if (state === undefined) return false;
    if (event.kind === 'connected') return event.localTs <= state.connectedLocalTs;
    const seq = event.seq;
    if (seq === undefined) return false;
    const highest = state.highestSeq.get(event.kind);
    return highest !== undefined && seq <= highest;
  }

  /**
   * Records `event` as applied: raises its kind's highest sequence, or for a newer `connected`
   * event, clears the instrument's sequences.
   *
   * @example
   * ```ts
   * tracker.record(event);
   * ```
   */
  record(event: MarketEvent): void {
    let symbols = this.#venues.get(event.venue);
    if (symbols === undefined) {
      symbols = new Map();
      this.#venues.set(event.venue, symbols);
    }
    let state = symbols.get(event.symbol);
    if (state === undefined) {
      state = { connectedLocalTs: Number.NEGATIVE_INFINITY, highestSeq: new Map() };
      symbols.set(event.symbol, state);
    }
    if (event.kind === 'connected') {
      if (event.localTs > state.connectedLocalTs) {
        state.connectedLocalTs = event.localTs;
        state.highestSeq.clear();
      }
      return;
    }
    const seq = event.seq;
    if (seq === undefined) return;
    const highest = state.highestSeq.get(event.kind);
    if (highest === undefined || seq > highest) state.highestSeq.set(event.kind, seq);
  }

  /**
   * The highest applied sequence of one venue, symbol and kind, or `undefined`.
   *
   * @example
   * ```ts
   * tracker.highestSeq('binanceus', 'BTC/USDT', 'book_delta'); // 4123
   * ```
   */
  highestSeq(venue: string, symbol: string, kind: MarketEvent['kind']): number | undefined {
    return this.#venues.get(venue)?.get(symbol)?.highestSeq.get(kind);
  }

  /**
   * The state of one instrument as plain data (what {@link SequenceTracker.snapshot | snapshot()}
   * holds for it), or `undefined` when nothing of it was recorded.
   *
   * @example
   * ```ts
   * tracker.instrumentSnapshot('binanceus', 'BTC/USDT'); // { connectedLocalTs: null, highestSeq: { trade: 7 } }
   * ```
   */
  instrumentSnapshot(venue: string, symbol: string): InstrumentSnapshot | undefined {
    const state = this.#venues.get(venue)?.get(symbol);
    if (state === undefined) return undefined;
    return {
      connectedLocalTs: Number.isFinite(state.connectedLocalTs) ? state.connectedLocalTs : null,
      highestSeq: Object.fromEntries(state.highestSeq),
    };
  }

  /**
   * Folds a stored state of one instrument into the tracker, keeping whichever is newer: the
   * state of the newer connection (by `connectedLocalTs`), and within one connection the higher
   * sequence per kind. Folding the same state twice changes nothing.
   *
   * @throws {MalformedMessageError} when `stored` is not such a state (names the bad entry)
   * @example
   * ```ts
   * tracker.merge('binanceus', 'BTC/USDT', { connectedLocalTs: null, highestSeq: { trade: 7 } });
   * ```
   */
  merge(venue: string, symbol: string, stored: InstrumentSnapshot): void {
    const incoming = parseInstrument(`sequence state ${venue}/${symbol}`, stored);
    let symbols = this.#venues.get(venue);
    if (symbols === undefined) {
      symbols = new Map();
      this.#venues.set(venue, symbols);
    }
    const state = symbols.get(symbol);
    if (state === undefined || incoming.connectedLocalTs > state.connectedLocalTs) {
      symbols.set(symbol, incoming);
      return;
    }
    if (incoming.connectedLocalTs < state.connectedLocalTs) return;
    for (const [kind, seq] of incoming.highestSeq) {
      const highest = state.highestSeq.get(kind);
      if (highest === undefined || seq > highest) state.highestSeq.set(kind, seq);
    }
  }

  /**
   * The tracker's state as plain data, to store beside what the handler applied (in the same
   * transaction), so that a restarted consumer skips by venue sequence what its predecessor
   * applied after its last offset commit.
   *
   * @example
   * ```ts
   * db.transaction(() => { store(event); saveSnapshot(JSON.stringify(tracker.snapshot())); });
   * ```
   */
  snapshot(): SequenceSnapshot {
    const out: SequenceSnapshot = {};
    for (const [venue, symbols] of this.#venues) {
      const bySymbol: SequenceSnapshot[string] = {};
      for (const [symbol, state] of symbols) {
        bySymbol[symbol] = {
          connectedLocalTs: Number.isFinite(state.connectedLocalTs) ? state.connectedLocalTs : null,
          highestSeq: Object.fromEntries(state.highestSeq),
        };
      }
      out[venue] = bySymbol;
    }
    return out;
  }

  /**
   * A tracker holding a state taken by {@link SequenceTracker.snapshot | snapshot()}.
   *
   * @throws {MalformedMessageError} when `snapshot` is not such a state (names the bad entry)
   * @example
   * ```ts
   * const tracker = SequenceTracker.restore(JSON.parse(loadSnapshot()));
   * bus.subscribe(topic, handler, { groupId: 'books', sequenceTracker: tracker });
   * ```
   */
  static restore(snapshot: SequenceSnapshot): SequenceTracker {
    const tracker = new SequenceTracker();
    if (typeof snapshot !== 'object' || snapshot === null) {
      throw new MalformedMessageError('sequence snapshot: expected an object of venues');
    }
    for (const [venue, symbols] of Object.entries(snapshot)) {
      const bySymbol = new Map<string, InstrumentSequences>();
      for (const [symbol, state] of Object.entries(symbols ?? {})) {
        bySymbol.set(symbol, parseInstrument(`sequence snapshot ${venue}/${symbol}`, state));
      }
      tracker.#venues.set(venue, bySymbol);
    }
    return tracker;
  }
}

/** One instrument's part of a {@link SequenceSnapshot}. */
export interface InstrumentSnapshot {
  /** `localTs` of the newest `connected` event applied (microseconds), or `null`. */
  readonly connectedLocalTs: number | null;
  /** Highest applied `seq` per event kind. */
  readonly highestSeq: Record<string, number>;
}

function parseInstrument(where: string, state: InstrumentSnapshot | undefined): InstrumentSequences {
  if (typeof state !== 'object' || state === null) {
    throw new MalformedMessageError(`${where}: expected an object, found ${JSON.stringify(state)}`);
  }
  const connected = state.connectedLocalTs;
  if (connected !== null && !Number.isSafeInteger(connected)) {
    throw new MalformedMessageError(`${where}: connectedLocalTs must be a safe integer or null`);
  }
  const highestSeq = new Map<string, number>();
  for (const [kind, seq] of Object.entries(state.highestSeq ?? {})) {
    if (!Number.isSafeInteger(seq)) throw new MalformedMessageError(`${where}: seq of ${kind} must be a safe integer`);
    highestSeq.set(kind, seq);
  }
  return { connectedLocalTs: connected ?? Number.NEGATIVE_INFINITY, highestSeq };
}

/**
 * A {@link SequenceTracker}'s state as plain JSON-able data: venue → symbol → the `localTs` of
 * the newest `connected` event (or `null`) and the highest applied `seq` per event kind.
 */
export type SequenceSnapshot = Record<string, Record<string, InstrumentSnapshot>>;

interface InstrumentSequences {
  /** `localTs` of the newest `connected` event applied, in microseconds. */
  connectedLocalTs: number;
  /** Highest applied `seq` per event kind. */
  readonly highestSeq: Map<string, number>;
}
