/**
 * Normalized market events ⇄ table rows.
 *
 * Book snapshots go to `order_books`, trades to `trades`, funding rates to `funding_rates`, and
 * every other event kind (book deltas, L3 order events, feed health) to `market_events` with its
 * body as JSON in ticks and lots. Reading a row back gives the identical event.
 *
 * @module
 */

import {
  type BookSnapshot,
  decimalToUnits,
  type FundingRate,
  formatScaled,
  fromUnits,
  type Increment,
  type InstrumentRegistry,
  type Level,
  type MarketEvent,
  parseIncrement,
  type Trade,
  UnknownInstrumentError,
} from '@tickerml/core';
import { isDecimalText } from './decimal.js';
import { InvalidRowError } from './errors.js';
import type { LevelsJsonbWriter } from './jsonb.js';
import type { FundingRateRow, MarketEventRow, OrderBookRow, Row, TableName, TableSpec, TradeRow } from './schema.js';

/** The increments of an instrument, as exact decimal text (e.g. tick `0.01`, lot `0.00001`). */
export interface InstrumentIncrements {
  readonly tickSize: string;
  readonly lotSize: string;
}

/** Finds the increments of `venue`/`symbol`, or `undefined` if unknown. */
export type InstrumentLookup = (venue: string, symbol: string) => InstrumentIncrements | undefined;

/** Where the stores find tick and lot sizes: core's `InstrumentRegistry`, or a lookup function. */
export type InstrumentSource = InstrumentRegistry | InstrumentLookup;

/** Normalizes an {@link InstrumentSource} to a lookup function. */
export function toLookup(source: InstrumentSource | undefined): InstrumentLookup {
  if (source === undefined) return () => undefined;
  if (typeof source === 'function') return source;
  return (venue, symbol) => source.find(venue, symbol);
}

/** Builds an {@link InstrumentLookup} from a plain map keyed `venue:symbol`. */
export function instrumentMap(entries: Readonly<Record<string, InstrumentIncrements>>): InstrumentLookup {
  const byVenue = new Map<string, Map<string, InstrumentIncrements>>();
  for (const [key, increments] of Object.entries(entries)) {
    const at = key.indexOf(':');
    if (at <= 0) throw new RangeError(`instrument key '${key}' is not 'venue:symbol'`);
    const venue = key.slice(0, at);
    let symbols = byVenue.get(venue);
    if (symbols === undefined) {
      symbols = new Map();
      byVenue.set(venue, symbols);
    }
    symbols.set(key.slice(at + 1), increments);
  }
  // Nested maps: no key string is built per lookup.
  return (venue, symbol) => byVenue.get(venue)?.get(symbol);
}

/**
 * A JSON column value already serialized (the write path builds book levels as text directly,
 * without intermediate arrays). Stores write `text` as is.
 */
export class JsonText {
  constructor(readonly text: string) {}
}

interface ParsedIncrements {
  readonly tickSize: string;
  readonly lotSize: string;
  readonly tick: Increment;
  readonly lot: Increment;
}

const parsedCache = new WeakMap<InstrumentIncrements, ParsedIncrements>();

function parsed(inc: InstrumentIncrements): ParsedIncrements {
  let found = parsedCache.get(inc);
  if (found === undefined) {
    found = {
      tickSize: inc.tickSize,
      lotSize: inc.lotSize,
      tick: parseIncrement(inc.tickSize),
      lot: parseIncrement(inc.lotSize),
    };
    parsedCache.set(inc, found);
  }
  return found;
}

/** Which table an event kind is stored in. */
export function tableForKind(kind: MarketEvent['kind']): TableName {
  switch (kind) {
    case 'book_snapshot':
      return 'order_books';
    case 'trade':
      return 'trades';
    case 'funding_rate':
      return 'funding_rates';
    default:
      return 'market_events';
  }
}

function increments(lookup: InstrumentLookup, venue: string, symbol: string): ParsedIncrements {
  const found = lookup(venue, symbol);
  if (found === undefined) throw new UnknownInstrumentError(venue, symbol);
  return parsed(found);
}

/** Seed-shaped levels as JSON text, `[["65083.66","1.50000",0],...]`, built without intermediate arrays. */
function levelsJson(column: string, levels: readonly Level[], inc: ParsedIncrements): string {
  let text = '[';
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i] as Level;
    if (!Number.isSafeInteger(level.priceTicks) || !Number.isSafeInteger(level.qtyLots)) {
      throw new InvalidRowError('order_books', column, level, 'integer priceTicks and qtyLots');
    }
    // Decimal text never needs JSON escaping.
    text += `${i === 0 ? '' : ','}["${fromUnits(level.priceTicks, inc.tick)}","${fromUnits(level.qtyLots, inc.lot)}",${i}]`;
  }
  return `${text}]`;
}

/**
 * The `order_books` row of a snapshot with the level lists as {@link JsonText} (the stores'
 * write path). Mid price has one more decimal than the tick (it may fall between two ticks).
 */
export function bookSnapshotToStorageRow(event: BookSnapshot, lookup: InstrumentLookup): Row {
  const inc = increments(lookup, event.venue, event.symbol);
  const bestBid = event.bids[0];
  const bestAsk = event.asks[0];
  let bidLots = 0;
  let askLots = 0;
  for (let i = 0; i < event.bids.length; i++) bidLots += (event.bids[i] as Level).qtyLots;
  for (let i = 0; i < event.asks.length; i++) askLots += (event.asks[i] as Level).qtyLots;
  const both = bestBid !== undefined && bestAsk !== undefined;
  return {
    timestamp: event.exchTs,
    local_ts: event.localTs,
    exchange: event.venue,
    symbol: event.symbol,
    seq: event.seq ?? null,
    bids: new JsonText(levelsJson('bids', event.bids, inc)),
    asks: new JsonText(levelsJson('asks', event.asks, inc)),
    mid_price: both ? midDecimal(bestBid.priceTicks + bestAsk.priceTicks, inc.tick) : null,
    spread: both ? fromUnits(bestAsk.priceTicks - bestBid.priceTicks, inc.tick) : null,
    imbalance: bidLots + askLots > 0 ? (bidLots - askLots) / (bidLots + askLots) : null,
    tick_size: inc.tickSize,
    lot_size: inc.lotSize,
    depth: event.depth ?? null,
  };
}

/** Column positions of the `order_books` values array filled by {@link bookSnapshotValues} (slot 0 is the id). */
const BOOK_COLUMNS = 13;

function safeInt(table: TableName, column: string, value: number): number {
  if (!Number.isSafeInteger(value)) throw new InvalidRowError(table, column, value, 'a safe integer');
  return value;
}

/**
 * Slots 0–5 of an INSERT's values, the columns every market table starts with: `id` (null: the
 * database assigns it), timestamp, local_ts, exchange, symbol and seq.
 */
function headerValues(
  table: TableName,
  event: Pick<Trade, 'exchTs' | 'localTs' | 'venue' | 'symbol' | 'seq'>,
  values: unknown[],
): void {
  values[0] = null;
  values[1] = safeInt(table, 'timestamp', event.exchTs);
  values[2] = safeInt(table, 'local_ts', event.localTs);
  values[3] = event.venue;
  values[4] = event.symbol;
  values[5] = event.seq === undefined ? null : safeInt(table, 'seq', event.seq);
}

function checkedLots(column: string, levels: readonly Level[]): number {
  let lots = 0;
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i] as Level;
    if (!Number.isSafeInteger(level.priceTicks) || !Number.isSafeInteger(level.qtyLots)) {
      throw new InvalidRowError('order_books', column, level, 'integer priceTicks and qtyLots');
    }
    lots += level.qtyLots;
  }
  return lots;
}

/**
 * Fills `values` with the bound parameters of one `order_books` INSERT, `id` first (null: the
 * database assigns it), then the columns in schema order: the row of
 * {@link bookSnapshotToStorageRow}, except that `bids` and `asks` are SQLite JSONB written by
 * `levels` (the same document; `json(bids)` prints the same text). No intermediate object and
 * no generic per-column checks: every value is built here, so only the event's integers need
 * checking. `values` is reused from row to row; better-sqlite3 copies what it binds.
 *
 * @throws {UnknownInstrumentError} if `lookup` does not know the instrument.
 * @throws {InvalidRowError} if a timestamp, sequence, price or quantity is not a safe integer.
 */
export function bookSnapshotValues(
  event: BookSnapshot,
  lookup: InstrumentLookup,
  values: unknown[],
  levels: LevelsJsonbWriter,
): unknown[] {
  const inc = increments(lookup, event.venue, event.symbol);
  const bids = event.bids;
  const asks = event.asks;
  const bidLots = checkedLots('bids', bids);
  const askLots = checkedLots('asks', asks);
  const bestBid = bids[0];
  const bestAsk = asks[0];
  const both = bestBid !== undefined && bestAsk !== undefined;
  levels.reset();
  values.length = BOOK_COLUMNS + 1;
  headerValues('order_books', event, values);
  values[6] = levels.levels(bids, inc.tick, inc.lot);
  values[7] = levels.levels(asks, inc.tick, inc.lot);
  values[8] = both ? midDecimal(bestBid.priceTicks + bestAsk.priceTicks, inc.tick) : null;
  values[9] = both ? fromUnits(bestAsk.priceTicks - bestBid.priceTicks, inc.tick) : null;
  values[10] = bidLots + askLots > 0 ? (bidLots - askLots) / (bidLots + askLots) : null;
  values[11] = inc.tickSize;
  values[12] = inc.lotSize;
  values[13] = event.depth === undefined ? null : safeInt('order_books', 'depth', event.depth);
  return values;
}

/**
 * Fills `values` with the bound parameters of one `trades` INSERT, `id` first (null), like
 * {@link bookSnapshotValues} does for books.
 *
 * @throws {UnknownInstrumentError} if `lookup` does not know the instrument.
 * @throws {InvalidRowError} if a timestamp, sequence, price or quantity is not a safe integer.
 */
export function tradeValues(event: Trade, lookup: InstrumentLookup, values: unknown[]): unknown[] {
  const inc = increments(lookup, event.venue, event.symbol);
  values.length = 14;
  headerValues('trades', event, values);
  if (typeof event.tradeId !== 'string') throw new InvalidRowError('trades', 'trade_id', event.tradeId, 'a string');
  values[6] = event.tradeId;
  values[7] = fromUnits(safeInt('trades', 'price_ticks', event.priceTicks), inc.tick);
  values[8] = fromUnits(safeInt('trades', 'qty_lots', event.qtyLots), inc.lot);
  values[9] = event.aggressor;
  values[10] = event.priceTicks;
  values[11] = event.qtyLots;
  values[12] = inc.tickSize;
  values[13] = inc.lotSize;
  return values;
}

/** Half of `sumTicks` ticks as exact decimal text with one more decimal than the tick. */
function midDecimal(sumTicks: number, tick: Increment): string {
  const product = sumTicks * tick.coefficient * 5;
  if (Number.isSafeInteger(product)) return formatScaled(product, tick.scale + 1);
  return formatScaled(BigInt(sumTicks) * tick.coefficientBig * 5n, tick.scale + 1);
}

/**
 * Converts a book snapshot to an `order_books` row in the seed's shape (exact decimal prices
 * from the instrument's increments; `queue_position` is the level's rank, 0 = best).
 *
 * @throws {UnknownInstrumentError} if `lookup` does not know the instrument.
 */
export function bookSnapshotToRow(event: BookSnapshot, lookup: InstrumentLookup): OrderBookRow {
  const row = bookSnapshotToStorageRow(event, lookup);
  return {
    ...row,
    bids: JSON.parse((row.bids as JsonText).text),
    asks: JSON.parse((row.asks as JsonText).text),
  } as unknown as OrderBookRow;
}

/** Converts a trade to a `trades` row (ticks/lots and their exact decimal text). */
export function tradeToRow(event: Trade, lookup: InstrumentLookup): TradeRow {
  const inc = increments(lookup, event.venue, event.symbol);
  return {
    timestamp: event.exchTs,
    local_ts: event.localTs,
    exchange: event.venue,
    symbol: event.symbol,
    seq: event.seq ?? null,
    trade_id: event.tradeId,
    price: fromUnits(event.priceTicks, inc.tick),
    quantity: fromUnits(event.qtyLots, inc.lot),
    side: event.aggressor,
    price_ticks: event.priceTicks,
    qty_lots: event.qtyLots,
    tick_size: inc.tickSize,
    lot_size: inc.lotSize,
  };
}

/** Converts a funding rate to a `funding_rates` row; the instrument is needed only when a mark price is present. */
export function fundingRateToRow(event: FundingRate, lookup: InstrumentLookup): FundingRateRow {
  const inc = event.markPriceTicks === undefined ? null : increments(lookup, event.venue, event.symbol);
  return {
    timestamp: event.exchTs,
    local_ts: event.localTs,
    exchange: event.venue,
    symbol: event.symbol,
    seq: event.seq ?? null,
    rate: event.rate,
    funding_ts: event.fundingTs,
    mark_price: event.markPriceTicks === undefined || inc === null ? null : fromUnits(event.markPriceTicks, inc.tick),
    mark_price_ticks: event.markPriceTicks ?? null,
    tick_size: inc === null ? null : inc.tickSize,
  };
}

const HEADER_KEYS = new Set(['kind', 'venue', 'symbol', 'exchTs', 'localTs', 'seq']);

/** Converts any other event (book delta, L3, feed health) to a `market_events` row. */
export function genericEventToRow(event: MarketEvent): MarketEventRow {
  const payload: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    if (!HEADER_KEYS.has(key) && value !== undefined) payload[key] = value;
  }
  return {
    timestamp: event.exchTs,
    local_ts: event.localTs,
    exchange: event.venue,
    symbol: event.symbol,
    seq: event.seq ?? null,
    kind: event.kind,
    payload,
  };
}

/** A row and the table it belongs to. */
export interface TableRow {
  readonly table: TableName;
  readonly row: Row;
}

/**
 * Converts any normalized event to its table and row (book levels as {@link JsonText}).
 *
 * @throws {UnknownInstrumentError} when a price must be written as decimal text and `lookup` does not know the instrument.
 * @throws {InvalidRowError} when a price or quantity is not a safe integer.
 */
export function eventToRow(event: MarketEvent, lookup: InstrumentLookup): TableRow {
  switch (event.kind) {
    case 'book_snapshot':
      return { table: 'order_books', row: bookSnapshotToStorageRow(event, lookup) };
    case 'trade':
      return { table: 'trades', row: tradeToRow(event, lookup) as unknown as Row };
    case 'funding_rate':
      return { table: 'funding_rates', row: fundingRateToRow(event, lookup) as unknown as Row };
    default:
      return { table: 'market_events', row: genericEventToRow(event) as unknown as Row };
  }
}

function headerOf(row: { timestamp: number; local_ts: number; exchange: string; symbol: string; seq: number | null }) {
  const head: { venue: string; symbol: string; exchTs: number; localTs: number; seq?: number } = {
    venue: row.exchange,
    symbol: row.symbol,
    exchTs: row.timestamp,
    localTs: row.local_ts,
  };
  if (row.seq !== null) head.seq = row.seq;
  return head;
}

function seedToLevels(levels: readonly (readonly [string, string, number])[], inc: InstrumentIncrements): Level[] {
  return levels.map(([price, quantity]) => ({
    priceTicks: decimalToUnits(price, inc.tickSize),
    qtyLots: decimalToUnits(quantity, inc.lotSize),
  }));
}

/** Rebuilds the {@link BookSnapshot} stored in an `order_books` row. */
export function rowToBookSnapshot(row: OrderBookRow): BookSnapshot {
  const inc = { tickSize: row.tick_size, lotSize: row.lot_size };
  return {
    kind: 'book_snapshot',
    ...headerOf(row),
    bids: seedToLevels(row.bids, inc),
    asks: seedToLevels(row.asks, inc),
    ...(row.depth === null ? {} : { depth: row.depth }),
  };
}

/** Rebuilds the {@link Trade} stored in a `trades` row. */
export function rowToTrade(row: TradeRow): Trade {
  return {
    kind: 'trade',
    ...headerOf(row),
    tradeId: row.trade_id,
    priceTicks: row.price_ticks,
    qtyLots: row.qty_lots,
    aggressor: row.side as Trade['aggressor'],
  };
}

/** Rebuilds the {@link FundingRate} stored in a `funding_rates` row. */
export function rowToFundingRate(row: FundingRateRow): FundingRate {
  return {
    kind: 'funding_rate',
    ...headerOf(row),
    rate: row.rate,
    fundingTs: row.funding_ts,
    ...(row.mark_price_ticks === null ? {} : { markPriceTicks: row.mark_price_ticks }),
  };
}

/** Rebuilds the event stored in a `market_events` row. */
export function rowToGenericEvent(row: MarketEventRow): MarketEvent {
  return { ...row.payload, kind: row.kind, ...headerOf(row) } as unknown as MarketEvent;
}

/**
 * Checks every value of `row` against its column; returns the values in column order, after
 * `leadingSlots` empty slots (for an id the caller fills in).
 *
 * @throws {InvalidRowError} naming the table and column of the first value that does not fit.
 */
export function rowValues(spec: TableSpec, row: Row, leadingSlots = 0): unknown[] {
  const values = new Array<unknown>(spec.columns.length + leadingSlots);
  for (let i = 0; i < spec.columns.length; i++) {
    const column = spec.columns[i] as TableSpec['columns'][number];
    const value = row[column.name];
    if (value === null || value === undefined) {
      if (!column.nullable)
        throw new InvalidRowError(spec.name, column.name, value, `a ${column.type} value (column is NOT NULL)`);
      values[i + leadingSlots] = null;
      continue;
    }
    switch (column.type) {
      case 'int':
        if (typeof value !== 'number' || !Number.isSafeInteger(value))
          throw new InvalidRowError(spec.name, column.name, value, 'a safe integer');
        break;
      case 'float':
        if (typeof value !== 'number' || !Number.isFinite(value))
          throw new InvalidRowError(spec.name, column.name, value, 'a finite number');
        break;
      case 'decimal':
        if (!isDecimalText(value))
          throw new InvalidRowError(spec.name, column.name, value, 'a plain decimal string such as "65000.01"');
        break;
      case 'text':
        if (typeof value !== 'string') throw new InvalidRowError(spec.name, column.name, value, 'a string');
        break;
      case 'json':
        break;
    }
    values[i + leadingSlots] = value;
  }
  return values;
}
