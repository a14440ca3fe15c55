/**
 * Instruments: what a symbol on a venue trades in, and its exact price/quantity units.
 *
 * @module
 */

import { InvalidInstrumentError, UnknownInstrumentError, UnsafeIntegerError } from './errors.js';
import type { VenueId } from './events.js';
import { Money } from './money.js';
import { fromUnits, type Increment, parseIncrement, Rounding, toUnits } from './units.js';

/** Spot, or a linear perpetual future (settled in `settle`, usually the quote). */
export const InstrumentKind = { Spot: 'spot', Perpetual: 'perpetual' } as const;
/** One of {@link InstrumentKind}'s values. */
export type InstrumentKind = (typeof InstrumentKind)[keyof typeof InstrumentKind];

/** The parts of a canonical symbol. */
export interface SymbolParts {
  readonly base: string;
  readonly quote: string;
  /** Settlement currency of a perpetual (`BTC/USDT:USDT`); absent for spot. */
  readonly settle?: string;
}

const ASSET_RE = /^[A-Z0-9][A-Z0-9._-]*$/;

/**
 * Builds a canonical symbol: `BASE/QUOTE` for spot, `BASE/QUOTE:SETTLE` for perpetuals
 * (the ccxt convention). Assets are upper-cased.
 *
 * @throws {@link InvalidInstrumentError} when an asset is empty or contains `/`, `:` or spaces.
 * @example
 * ```ts
 * canonicalSymbol('btc', 'usdt'); // 'BTC/USDT'
 * canonicalSymbol('BTC', 'USDT', 'USDT'); // 'BTC/USDT:USDT'
 * ```
 */
export function canonicalSymbol(base: string, quote: string, settle?: string): string {
  const assets = settle === undefined ? [base, quote] : [base, quote, settle];
  const upper = assets.map((asset) => asset.toUpperCase());
  for (const asset of upper) {
    if (!ASSET_RE.test(asset)) throw new InvalidInstrumentError(`asset '${asset}' is not a valid asset code`);
  }
  return settle === undefined ? `${upper[0]}/${upper[1]}` : `${upper[0]}/${upper[1]}:${upper[2]}`;
}

/**
 * Splits a canonical symbol into its assets.
 *
 * @throws {@link InvalidInstrumentError} when `symbol` is not `BASE/QUOTE` or `BASE/QUOTE:SETTLE`
 *   with upper-case asset codes.
 * @example
 * ```ts
 * parseSymbol('BTC/USDT:USDT'); // { base: 'BTC', quote: 'USDT', settle: 'USDT' }
 * ```
 */
export function parseSymbol(symbol: string): SymbolParts {
  const slash = symbol.indexOf('/');
  const colon = symbol.indexOf(':');
  const base = symbol.slice(0, slash);
  const quote = symbol.slice(slash + 1, colon < 0 ? undefined : colon);
  const settle = colon < 0 ? undefined : symbol.slice(colon + 1);
  if (
    slash <= 0 ||
    (colon >= 0 && colon < slash) ||
    !ASSET_RE.test(base) ||
    !ASSET_RE.test(quote) ||
    (settle !== undefined && !ASSET_RE.test(settle))
  ) {
    throw new InvalidInstrumentError(
      `symbol '${symbol}' is not canonical (expected BASE/QUOTE or BASE/QUOTE:SETTLE, upper case)`,
    );
  }
  return settle === undefined ? { base, quote } : { base, quote, settle };
}

/** The venue's metadata for one instrument, as decimal strings. */
export interface InstrumentSpec {
  /** Venue id, e.g. `binanceus`. */
  readonly venue: VenueId;
  /** Canonical symbol, `BTC/USDT` or `BTC/USDT:USDT`. */
  readonly symbol: string;
  /** Base asset, e.g. `BTC`. */
  readonly base: string;
  /** Quote asset (prices are in it), e.g. `USDT`. */
  readonly quote: string;
  /** Price increment, e.g. `"0.01"`. */
  readonly tickSize: string;
  /** Quantity increment, e.g. `"0.00001"`. */
  readonly lotSize: string;
  /** Minimum order notional in the quote currency, e.g. `"10"`. */
  readonly minNotional?: string;
  /** Minimum order quantity, e.g. `"0.0001"`. */
  readonly minQty?: string;
  /** Defaults to `spot`. */
  readonly kind?: InstrumentKind;
  /** Base units per contract for perpetuals quoted in contracts (e.g. `"0.001"`); defaults to `"1"`. */
  readonly contractSize?: string;
}

/**
 * An instrument on a venue, converting exactly between the venue's decimal strings and the
 * integer ticks and lots that books and orders use.
 *
 * Immutable. Conversions from strings go through integer arithmetic on the digits
 * (see {@link decimalToUnits}); only {@link priceFromNumber} accepts a float.
 *
 * @example
 * ```ts
 * const btc = new Instrument({ venue: 'binanceus', symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT', tickSize: '0.01', lotSize: '0.00001' });
 * btc.priceToTicks('65083.66'); // 6508366
 * btc.lotsToQty(150); // '0.00150'
 * btc.notional(6508366, 150).toString(); // '97.6254900 USDT'
 * ```
 */
export class Instrument {
  readonly venue: VenueId;
  readonly symbol: string;
  readonly base: string;
  readonly quote: string;
  readonly kind: InstrumentKind;
  /** Price increment as given. */
  readonly tickSize: string;
  /** Quantity increment as given. */
  readonly lotSize: string;
  /** Base units per contract (`"1"` unless the venue quotes in contracts). */
  readonly contractSize: string;
  /** Minimum order notional in the quote currency, when the venue has one. */
  readonly minNotional: Money | undefined;
  /** Minimum order quantity in lots (rounded up), when the venue has one. */
  readonly minQtyLots: number | undefined;
  /** Decimals used to print prices (those of the normalized tick size). */
  readonly priceDecimals: number;
  /** Decimals used to print quantities (those of the normalized lot size). */
  readonly qtyDecimals: number;
  /** Parsed tick size. */
  readonly tick: Increment;
  /** Parsed lot size. */
  readonly lot: Increment;
  private readonly contract: Increment;
  private readonly tickAsNumber: number;

  /**
   * @throws {@link InvalidInstrumentError} when the symbol is not canonical or disagrees with base/quote.
   * @throws {@link InvalidDecimalError} when a size is malformed, zero or negative.
   */
  constructor(spec: InstrumentSpec) {
    const parts = parseSymbol(spec.symbol);
    if (parts.base !== spec.base || parts.quote !== spec.quote) {
      throw new InvalidInstrumentError(
        `symbol '${spec.symbol}' does not match base '${spec.base}' and quote '${spec.quote}'`,
      );
    }
    const kind = spec.kind ?? InstrumentKind.Spot;
    if (kind === InstrumentKind.Perpetual && parts.settle === undefined) {
      throw new InvalidInstrumentError(`perpetual '${spec.symbol}' needs a settlement currency (BASE/QUOTE:SETTLE)`);
    }
    if (kind === InstrumentKind.Spot && parts.settle !== undefined) {
      throw new InvalidInstrumentError(`spot instrument '${spec.symbol}' cannot have a settlement currency`);
    }
    if (spec.venue === '') throw new InvalidInstrumentError(`instrument '${spec.symbol}' has an empty venue`);
    this.venue = spec.venue;
    this.symbol = spec.symbol;
    this.base = spec.base;
    this.quote = spec.quote;
    this.kind = kind;
    this.tickSize = spec.tickSize;
    this.lotSize = spec.lotSize;
    this.contractSize = spec.contractSize ?? '1';
    this.tick = parseIncrement(spec.tickSize);
    this.lot = parseIncrement(spec.lotSize);
    this.contract = parseIncrement(this.contractSize);
    this.priceDecimals = this.tick.scale;
    this.qtyDecimals = this.lot.scale;
    this.tickAsNumber = Number(this.tick.normalized);
    this.minNotional = spec.minNotional === undefined ? undefined : Money.parse(spec.minNotional, spec.quote);
    this.minQtyLots = spec.minQty === undefined ? undefined : this.qtyToLots(spec.minQty, Rounding.Ceil);
    Object.freeze(this);
  }

  /**
   * Price string → integer ticks.
   * @param rounding - default `reject`.
   * @throws {@link InvalidDecimalError}, {@link PrecisionError} ("expected tick size 0.01, was 0.001 in '65083.661'"),
   *   {@link UnsafeIntegerError}.
   * @example
   * ```ts
   * btc.priceToTicks('65083.66'); // 6508366
   * ```
   */
  priceToTicks(text: string, rounding: Rounding = Rounding.Reject): number {
    return toUnits(text, this.tick, rounding, 'tick size');
  }

  /**
   * Quantity string → integer lots.
   * @param rounding - default `reject`.
   * @throws {@link InvalidDecimalError}, {@link PrecisionError}, {@link UnsafeIntegerError}.
   * @example
   * ```ts
   * btc.qtyToLots('0.00150'); // 150
   * ```
   */
  qtyToLots(text: string, rounding: Rounding = Rounding.Reject): number {
    return toUnits(text, this.lot, rounding, 'lot size');
  }

  /**
   * Integer ticks → price string with {@link priceDecimals} decimals.
   * @throws {@link UnsafeIntegerError} when `ticks` is not a safe integer.
   * @example
   * ```ts
   * btc.ticksToPrice(6508366); // '65083.66'
   * ```
   */
  ticksToPrice(ticks: number): string {
    return fromUnits(ticks, this.tick);
  }

  /**
   * Integer lots → quantity string with {@link qtyDecimals} decimals.
   * @throws {@link UnsafeIntegerError} when `lots` is not a safe integer.
   * @example
   * ```ts
   * btc.lotsToQty(150); // '0.00150'
   * ```
   */
  lotsToQty(lots: number): string {
    return fromUnits(lots, this.lot);
  }

  /**
   * Float price → ticks as `Math.round(price / tickSize)`. Only for inputs that are already
   * floats (a model output, a JSON number); parse strings with {@link priceToTicks}.
   * @throws {@link UnsafeIntegerError} when the result is not finite or not a safe integer.
   * @example
   * ```ts
   * btc.priceFromNumber(65083.66); // 6508366
   * ```
   */
  priceFromNumber(price: number): number {
    const ticks = Math.round(price / this.tickAsNumber);
    if (!Number.isSafeInteger(ticks)) throw new UnsafeIntegerError(String(price), 'price');
    return ticks === 0 ? 0 : ticks;
  }

  /**
   * Exact notional `price × quantity × contractSize` in the quote currency, at
   * `priceDecimals + qtyDecimals (+ contract decimals)` decimals; round it with
   * {@link Money.roundToMinor} when booking it.
   * @throws {@link UnsafeIntegerError} when `ticks` or `lots` is not a safe integer.
   * @example
   * ```ts
   * btc.notional(6508366, 150).toDecimalString(); // '97.6254900'
   * ```
   */
  notional(ticks: number, lots: number): Money {
    if (!Number.isSafeInteger(ticks)) throw new UnsafeIntegerError(String(ticks), 'ticks');
    if (!Number.isSafeInteger(lots)) throw new UnsafeIntegerError(String(lots), 'lots');
    const amount =
      BigInt(ticks) * this.tick.coefficientBig * BigInt(lots) * this.lot.coefficientBig * this.contract.coefficientBig;
    return Money.of(amount, this.tick.scale + this.lot.scale + this.contract.scale, this.quote);
  }

  /**
   * Whether an order of `lots` at `ticks` meets the venue's minimum quantity and notional.
   * @example
   * ```ts
   * btc.meetsMinimums(6508366, 1); // false when minNotional is 10 USDT
   * ```
   */
  meetsMinimums(ticks: number, lots: number): boolean {
    if (this.minQtyLots !== undefined && Math.abs(lots) < this.minQtyLots) return false;
    if (this.minNotional !== undefined && this.notional(ticks, lots).abs().lt(this.minNotional)) return false;
    return true;
  }

  /** `venue:symbol`, e.g. `binanceus:BTC/USDT`. */
  get id(): string {
    return `${this.venue}:${this.symbol}`;
  }
}

/**
 * Instruments by venue and canonical symbol.
 *
 * @example
 * ```ts
 * const registry = new InstrumentRegistry([btc]);
 * registry.get('binanceus', 'BTC/USDT').tickSize; // '0.01'
 * ```
 */
export class InstrumentRegistry {
  private readonly byVenue = new Map<string, Map<string, Instrument>>();

  constructor(instruments: Iterable<Instrument | InstrumentSpec> = []) {
    for (const instrument of instruments) this.add(instrument);
  }

  /**
   * Adds (or replaces) an instrument; returns it.
   * @throws whatever {@link Instrument}'s constructor throws for a spec.
   */
  add(instrument: Instrument | InstrumentSpec): Instrument {
    const value = instrument instanceof Instrument ? instrument : new Instrument(instrument);
    let symbols = this.byVenue.get(value.venue);
    if (symbols === undefined) {
      symbols = new Map();
      this.byVenue.set(value.venue, symbols);
    }
    symbols.set(value.symbol, value);
    return value;
  }

  /**
   * The instrument for `symbol` on `venue`.
   * @throws {@link UnknownInstrumentError} when there is none.
   */
  get(venue: VenueId, symbol: string): Instrument {
    const symbols = this.byVenue.get(venue);
    const found = symbols?.get(symbol);
    if (found === undefined)
      throw new UnknownInstrumentError(venue, symbol, symbols === undefined ? [] : [...symbols.keys()]);
    return found;
  }

  /** The instrument, or `undefined`. */
  find(venue: VenueId, symbol: string): Instrument | undefined {
    return this.byVenue.get(venue)?.get(symbol);
  }

  /** Whether the registry holds `symbol` on `venue`. */
  has(venue: VenueId, symbol: string): boolean {
    return this.find(venue, symbol) !== undefined;
  }

  /** All instruments, by venue then insertion order. */
  all(): Instrument[] {
    const out: Instrument[] = [];
    for (const symbols of this.byVenue.values()) out.push(...symbols.values());
    return out;
  }

  /** Number of instruments held. */
  get size(): number {
    let n = 0;
    for (const symbols of this.byVenue.values()) n += symbols.size;
    return n;
  }
}
