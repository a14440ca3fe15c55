/**
 * The applied venue sequences of a consumer group, kept in a compacted Kafka topic so that a
 * consumer that restarts (or takes over a partition) knows what its predecessor applied.
 *
 * @module
 */
import type { MarketEvent } from '@tickerml/core';
import type { SequenceTracker } from './dedupe.js';
import { KafkaOptionsError, MalformedMessageError } from './errors.js';

/** A record of the sequence topic as read back: key `venue:symbol`, value the instrument's state. */
export interface StoredSequenceRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

/** What the store needs from the bus. @internal */
export interface SequenceStoreIo {
  /** Creates the compacted topic when missing. */
  ensureTopic(topic: string): Promise<void>;
  /** Every record of the topic, oldest first, up to its end when called. */
  readAll(topic: string): Promise<StoredSequenceRecord[]>;
  /** Writes records; resolves once the broker has acknowledged all of them. */
  write(topic: string, records: readonly { key: string; value: string }[]): Promise<void>;
}

/**
 * The name of a group's sequence topic: `<prefix>.dedupe.<group>`.
 *
 * @throws {KafkaOptionsError} when the name is not a valid Kafka topic name
 * @example
 * ```ts
 * sequenceTopicName('tickerml', 'books'); // 'tickerml.dedupe.books'
 * ```
 */
export function sequenceTopicName(prefix: string, groupId: string): string {
  const name = `${prefix}.dedupe.${groupId}`;
  if (!/^[a-zA-Z0-9._-]{1,249}$/.test(name)) {
    throw new KafkaOptionsError(
      `sequence topic of group '${groupId}': '${name}' is not a Kafka topic name (letters, digits, '.', '_', '-', at most 249); use another group id or persistSequences: false`,
    );
  }
  return name;
}

/**
 * Keeps a {@link SequenceTracker} in a compacted topic, one record per instrument (key
 * `venue:symbol`, value the instrument's state as JSON): {@link load} folds the stored state into
 * the tracker at start, {@link save} writes the instruments applied since the last save. The
 * subscription saves after each batch it applied and before it commits the batch's offsets.
 *
 * @internal used by {@link KafkaSubscription}
 */
export class SequenceStore {
  readonly topic: string;
  readonly #io: SequenceStoreIo;
  readonly #tracker: SequenceTracker;
  /** venue → symbols applied since the last save. */
  readonly #dirty = new Map<string, Set<string>>();

  constructor(io: SequenceStoreIo, topic: string, tracker: SequenceTracker) {
    this.#io = io;
    this.topic = topic;
    this.#tracker = tracker;
  }

  /**
   * Creates the topic when missing and folds every stored instrument state into the tracker.
   *
   * @throws {MalformedMessageError} when a stored record is not an instrument state (names its key)
   */
  async load(): Promise<void> {
    await this.#io.ensureTopic(this.topic);
    for (const record of await this.#io.readAll(this.topic)) {
      const key = record.key?.toString('utf8') ?? '';
      if (record.value === null) continue;
      let state: { venue?: unknown; symbol?: unknown; connectedLocalTs?: unknown; highestSeq?: unknown };
      try {
        state = JSON.parse(record.value.toString('utf8')) as typeof state;
      } catch (cause) {
        throw new MalformedMessageError(`sequence topic ${this.topic}, key '${key}': not JSON`, { cause });
      }
      if (typeof state?.venue !== 'string' || typeof state.symbol !== 'string') {
        throw new MalformedMessageError(
          `sequence topic ${this.topic}, key '${key}': expected string venue and symbol, found ${JSON.stringify(state)}`,
        );
      }
      this.#tracker.merge(state.venue, state.symbol, state as never);
    }
  }

  /** Notes that an event of this instrument was applied (no allocation once the instrument is known). */
  touched(event: MarketEvent): void {
    let symbols = this.#dirty.get(event.venue);
    if (symbols === undefined) {
      symbols = new Set();
      this.#dirty.set(event.venue, symbols);
    }
    symbols.add(event.symbol);
  }

  /** True when something was applied since the last save. */
  get dirty(): boolean {
    return this.#dirty.size > 0;
  }

  /**
   * Writes the state of every instrument applied since the last save; resolves once the broker
   * has it. On failure the instruments stay marked, so the next save writes them again.
   */
  async save(): Promise<void> {
    if (this.#dirty.size === 0) return;
    const records: { key: string; value: string }[] = [];
    const saved: Array<[string, string]> = [];
    for (const [venue, symbols] of this.#dirty) {
      for (const symbol of symbols) {
        const state = this.#tracker.instrumentSnapshot(venue, symbol);
        if (state === undefined) continue;
        records.push({ key: `${venue}:${symbol}`, value: JSON.stringify({ venue, symbol, ...state }) });
        saved.push([venue, symbol]);
      }
    }
    this.#dirty.clear();
    try {
      await this.#io.write(this.topic, records);
    } catch (error) {
      for (const [venue, symbol] of saved) this.touched({ venue, symbol } as MarketEvent);
      throw error;
    }
  }
}
