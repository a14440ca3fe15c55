/**
 * The wire format of messages on TickerML's Kafka topics: a versioned JSON envelope.
 *
 * Version 1 is the message object itself with a `"v":1` field, written last:
 * `{"kind":"trade","venue":"binanceus","symbol":"BTC/USDT","exchTs":…,"localTs":…,…,"v":1}`.
 * Readers find `v` wherever it stands (envelopes written with it first read the same). Last,
 * because the reader removes it from the parsed object, and V8 removes the newest property of an
 * object cheaply, while removing another turns the object into a slow dictionary for every
 * later field access by the handler.
 * Market events ({@link MarketEvent}) are checked field by field on read (types, safe integers,
 * enum values); any other object with a string `kind` (features, decisions, news) is passed
 * through. Fields a v1 reader does not know are kept (additive changes stay v1); a change that
 * breaks readers bumps `v`, and a reader rejects versions it does not know with
 * {@link UnsupportedVersionError} so the message goes to the dead-letter topic, never guessed at.
 *
 * Version 2 is a packed record: several version-1 envelopes of one key in one Kafka record,
 * `{"v":2,"events":[{…,"v":1},{…,"v":1}]}`, in publish order (see the bus's `packMax`). It is read
 * with {@link decodeRecord}, which reads version 1 as well; a record whose envelope or any event
 * in it is malformed is rejected whole.
 *
 * @module
 */
import type { MarketEvent, MarketEventKind } from '@tickerml/core';
import { MalformedMessageError, UnsupportedVersionError } from './errors.js';

/** The envelope version this code writes. */
export const ENVELOPE_VERSION = 1;
/** The envelope version of a packed record (several version-1 envelopes of one key). */
export const PACKED_ENVELOPE_VERSION = 2;
/** Envelope versions this code reads. */
export const SUPPORTED_VERSIONS: readonly number[] = [1, 2];

/** A message that is not a market event: features, decisions, news. It needs a string `kind`. */
export interface BusRecord {
  readonly kind: string;
  readonly [field: string]: unknown;
}

/** Anything the Kafka bus carries: a market event or another record with a `kind`. */
export type BusMessage = MarketEvent | BusRecord;

/** How a field of a market event is checked. */
type FieldType = 'string' | 'int' | 'levels' | 'side' | 'aggressor' | 'decimal';
interface FieldSpec {
  readonly field: string;
  readonly type: FieldType;
  readonly optional: boolean;
}
const req = (field: string, type: FieldType): FieldSpec => ({ field, type, optional: false });
const opt = (field: string, type: FieldType): FieldSpec => ({ field, type, optional: true });

const HEADER: readonly FieldSpec[] = [
  req('venue', 'string'),
  req('symbol', 'string'),
  req('exchTs', 'int'),
  req('localTs', 'int'),
  opt('seq', 'int'),
];

/** The fields of each market event kind beyond the common header (see `@tickerml/core` events). */
const EVENT_FIELDS: { readonly [K in MarketEventKind]: readonly FieldSpec[] } = {
  book_snapshot: [req('bids', 'levels'), req('asks', 'levels'), opt('depth', 'int')],
  book_delta: [req('bids', 'levels'), req('asks', 'levels'), opt('firstSeq', 'int'), opt('checksum', 'int')],
  order_added: [req('orderId', 'string'), req('side', 'side'), req('priceTicks', 'int'), req('qtyLots', 'int')],
  order_changed: [req('orderId', 'string'), req('side', 'side'), req('priceTicks', 'int'), req('qtyLots', 'int')],
  order_removed: [req('orderId', 'string'), req('side', 'side')],
  trade: [req('tradeId', 'string'), req('priceTicks', 'int'), req('qtyLots', 'int'), req('aggressor', 'aggressor')],
  funding_rate: [req('rate', 'decimal'), req('fundingTs', 'int'), opt('markPriceTicks', 'int')],
  connected: [],
  disconnected: [req('reason', 'string')],
  gap_detected: [opt('expectedSeq', 'int'), opt('receivedSeq', 'int'), req('reason', 'string')],
  resynced: [],
  checksum_mismatch: [req('expected', 'int'), req('computed', 'int')],
};

/** True when `kind` is one of core's market event kinds. */
export function isMarketEventKind(kind: string): kind is MarketEventKind {
  return Object.hasOwn(EVENT_FIELDS, kind);
}

/**
 * True when `message` is a market event (its `kind` is one of core's market event kinds).
 *
 * @example
 * ```ts
 * if (isMarketEvent(message)) console.log(message.venue, message.symbol);
 * ```
 */
export function isMarketEvent(message: BusMessage): message is MarketEvent {
  return isMarketEventKind(message.kind);
}

/**
 * Serializes a message into a version-1 envelope (UTF-8 JSON bytes).
 *
 * Only the message is written; a caller that wants the envelope checked before it leaves should
 * decode it in a test, as the package's own tests do for every event kind.
 *
 * @param message a market event or another record with a string `kind`
 * @returns the envelope bytes
 * @throws {MalformedMessageError} when `message` has no string `kind`
 * @example
 * ```ts
 * const bytes = encodeMessage(trade); // Buffer of {"kind":"trade",…,"v":1}
 * ```
 */
export function encodeMessage(message: BusMessage): Buffer {
  return Buffer.from(encodeMessageText(message), 'utf8');
}

/**
 * {@link encodeMessage} as a string (what the producer hands to kafkajs, which writes it as UTF-8).
 *
 * @throws {MalformedMessageError} when `message` has no string `kind`
 * @example
 * ```ts
 * encodeMessageText(trade); // '{"kind":"trade",…,"v":1}'
 * ```
 */
export function encodeMessageText(message: BusMessage): string {
  if (typeof message?.kind !== 'string' || message.kind === '') {
    throw new MalformedMessageError(`cannot encode: expected an object with a string kind, found ${describe(message)}`);
  }
  // The object's own fields + `,"v":1}`; an empty object cannot happen (kind is set). A field
  // `v` of the message itself is shadowed (JSON.parse keeps the last key) and dropped on read.
  return `${JSON.stringify(message).slice(0, -1)},"v":${ENVELOPE_VERSION}}`;
}

/**
 * Reads an envelope back into the message it carries, checking it on the way.
 *
 * @param bytes the Kafka message value (a `null` value, a tombstone, is malformed here)
 * @returns the message without the envelope's `v`
 * @throws {MalformedMessageError} not JSON, not an object, no `kind`, or a market event with a
 *   missing or mistyped field (the message names the field, what was expected and what was found)
 * @throws {UnsupportedVersionError} when `v` is not a version this reader knows
 * @example
 * ```ts
 * const event = decodeMessage(kafkaMessage.value); // a Trade, a BookDelta, …
 * ```
 */
export function decodeMessage(bytes: Buffer | Uint8Array | null): BusMessage {
  const record = parseEnvelope(bytes);
  if (record.v === PACKED_ENVELOPE_VERSION) {
    throw new MalformedMessageError('a packed record (v 2) holds several messages: read it with decodeRecord');
  }
  return checkMessage(record);
}

/**
 * Reads a Kafka record value into the messages it carries: one for a version-1 envelope, each
 * event in order for a packed (version-2) record.
 *
 * @param bytes the Kafka message value
 * @returns the messages, without their envelopes' `v`
 * @throws {MalformedMessageError} / {@link UnsupportedVersionError} as {@link decodeMessage}, for
 *   the record or any message in it (a packed record is rejected whole; the error names the index)
 * @example
 * ```ts
 * for (const event of decodeRecord(kafkaMessage.value)) book.apply(event);
 * ```
 */
export function decodeRecord(bytes: Buffer | Uint8Array | null): BusMessage[] {
  const record = parseEnvelope(bytes);
  if (record.v !== PACKED_ENVELOPE_VERSION) return [checkMessage(record)];
  const events = record.events;
  if (!Array.isArray(events) || events.length === 0) {
    throw new MalformedMessageError(`packed record: events: expected a non-empty array, found ${describe(events)}`);
  }
  const messages: BusMessage[] = new Array(events.length);
  for (let i = 0; i < events.length; i++) {
    const event: unknown = events[i];
    if (typeof event !== 'object' || event === null || Array.isArray(event)) {
      throw new MalformedMessageError(`packed record: events[${i}]: expected a v1 envelope, found ${describe(event)}`);
    }
    const inner = event as Record<string, unknown>;
    if (inner.v !== ENVELOPE_VERSION) {
      throw new MalformedMessageError(`packed record: events[${i}].v: expected 1, found ${describe(inner.v)}`);
    }
    try {
      messages[i] = checkMessage(inner);
    } catch (cause) {
      const detail = cause instanceof MalformedMessageError ? cause.shortMessage : String(cause);
      throw new MalformedMessageError(`packed record: events[${i}]: ${detail}`, { cause });
    }
  }
  return messages;
}

/**
 * Packs version-1 envelopes of one key (as {@link encodeMessageText} writes them) into one
 * version-2 record, in the given order.
 *
 * @param envelopes version-1 envelope texts, at least one
 * @returns the packed record text
 * @example
 * ```ts
 * packEnvelopes([encodeMessageText(a), encodeMessageText(b)]); // '{"v":2,"events":[{…},{…}]}'
 * ```
 */
export function packEnvelopes(envelopes: readonly string[]): string {
  return `{"v":${PACKED_ENVELOPE_VERSION},"events":[${envelopes.join(',')}]}`;
}

/** Parses the JSON object of an envelope and checks its version. */
function parseEnvelope(bytes: Buffer | Uint8Array | null): Record<string, unknown> {
  if (bytes === null) throw new MalformedMessageError('message has no value (a tombstone); expected an envelope');
  let parsed: unknown;
  const text = Buffer.isBuffer(bytes) ? bytes.toString('utf8') : Buffer.from(bytes).toString('utf8');
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new MalformedMessageError(`message is not JSON: ${preview(text)}`, { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new MalformedMessageError(`expected a JSON object envelope, found ${describe(parsed)}`);
  }
  const record = parsed as Record<string, unknown>;
  const version = record.v;
  if (version === undefined) throw new MalformedMessageError('envelope has no version field v');
  if (typeof version !== 'number' || !SUPPORTED_VERSIONS.includes(version)) {
    throw new UnsupportedVersionError(version, SUPPORTED_VERSIONS);
  }
  return record;
}

/** Checks a version-1 envelope's message and removes its `v`. */
function checkMessage(record: Record<string, unknown>): BusMessage {
  delete record.v;
  const kind = record.kind;
  if (typeof kind !== 'string' || kind === '') {
    throw new MalformedMessageError(`kind: expected a non-empty string, found ${describe(kind)}`);
  }
  const fields = isMarketEventKind(kind) ? EVENT_FIELDS[kind] : undefined;
  if (fields !== undefined) {
    checkFields(kind, record, HEADER);
    checkFields(kind, record, fields);
  }
  return record as unknown as BusMessage;
}

function checkFields(kind: string, record: Record<string, unknown>, specs: readonly FieldSpec[]): void {
  for (const spec of specs) {
    const value = record[spec.field];
    if (value === undefined) {
      if (spec.optional) continue;
    }
    const problem = checkValue(spec.type, value);
    if (problem !== undefined) {
      throw new MalformedMessageError(`${kind}.${spec.field}: expected ${problem}, found ${describe(value)}`);
    }
  }
}

/** Returns what was expected when `value` is not of `type`, else `undefined`. */
function checkValue(type: FieldType, value: unknown): string | undefined {
  switch (type) {
    case 'string':
      return typeof value === 'string' && value !== '' ? undefined : 'a non-empty string';
    case 'int':
      return Number.isSafeInteger(value) ? undefined : 'a safe integer';
    case 'decimal':
      return typeof value === 'string' && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value) ? undefined : 'a decimal string';
    case 'side':
      return value === 'bid' || value === 'ask' ? undefined : "'bid' or 'ask'";
    case 'aggressor':
      return value === 'buy' || value === 'sell' || value === 'unknown' ? undefined : "'buy', 'sell' or 'unknown'";
    case 'levels': {
      if (!Array.isArray(value)) return 'an array of {priceTicks, qtyLots} levels';
      for (let i = 0; i < value.length; i++) {
        const level: unknown = value[i];
        if (
          typeof level !== 'object' ||
          level === null ||
          !Number.isSafeInteger((level as { priceTicks?: unknown }).priceTicks) ||
          !Number.isSafeInteger((level as { qtyLots?: unknown }).qtyLots)
        ) {
          return `levels of safe-integer {priceTicks, qtyLots} (level ${i} is ${describe(level)})`;
        }
      }
      return undefined;
    }
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(preview(value));
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object' && value !== null) return preview(JSON.stringify(value));
  return String(value);
}

function preview(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
