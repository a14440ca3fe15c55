/**
 * Exact decimal-string ⇄ integer conversion on a fixed grid (ticks, lots), never through a float.
 *
 * Kept beside core's `Instrument.priceToTicks` (which goes through `BigInt` and allocates per
 * call): the adapters convert every level of every frame, so this walks char codes and allocates nothing.
 *
 * @module
 */
import { DecimalConversionError } from './errors.js';

/** Number of digits after the decimal point of a decimal string such as `"0.010"` (3). */
export function decimalPlaces(text: string): number {
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

/**
 * Parses `text` as a non-negative decimal scaled by 10^`decimals`, e.g. `("12.34", 3) → 12340`.
 * Returns `NaN` when the text is not a plain decimal, has more significant fractional digits
 * than `decimals`, or overflows a safe integer. Allocates nothing.
 */
export function scaledOrNaN(text: string, decimals: number): number {
  return scaledRangeOrNaN(text, 0, text.length, decimals);
}

/**
 * {@link scaledOrNaN} of `text.slice(start, end)`, read in place (the frame scanners hand over
 * offsets into the frame text instead of cutting strings out of it). Allocates nothing.
 * @example
 * scaledRangeOrNaN('["12.34","1"]', 2, 7, 3); // 12340
 */
export function scaledRangeOrNaN(text: string, start: number, end: number, decimals: number): number {
  if (end <= start) return Number.NaN;
  let value = 0;
  let i = start;
  let digits = 0;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 /* . */) break;
    if (c < 48 || c > 57) return Number.NaN;
    value = value * 10 + (c - 48);
    digits++;
  }
  let frac = 0;
  if (i < end) {
    i++; // skip '.'
    for (; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) return Number.NaN;
      if (frac < decimals) {
        value = value * 10 + (c - 48);
        frac++;
        digits++;
      } else if (c !== 48) {
        return Number.NaN; // a significant digit finer than the grid
      }
    }
  }
  if (digits === 0) return Number.NaN;
  for (; frac < decimals; frac++) value *= 10;
  return Number.isSafeInteger(value) ? value : Number.NaN;
}

/** Formats an integer count of 10^-`decimals` units as a decimal string, e.g. `(12340, 3) → "12.340"`. */
export function formatScaled(units: number, decimals: number): string {
  const negative = units < 0;
  let digits = String(Math.abs(units));
  if (decimals === 0) return negative ? `-${digits}` : digits;
  if (digits.length <= decimals) digits = '0'.repeat(decimals - digits.length + 1) + digits;
  const text = `${digits.slice(0, digits.length - decimals)}.${digits.slice(digits.length - decimals)}`;
  return negative ? `-${text}` : text;
}

/**
 * A price/quantity grid: converts venue decimal strings to integer ticks and lots exactly.
 *
 * @example
 * const grid = new DecimalGrid('BTC/USDT', '0.01', '0.00001');
 * grid.priceToTicks('61837.63'); // 6183763
 * grid.qtyToLots('0.02000000');  // 2000
 */
export class DecimalGrid {
  /** Canonical symbol, e.g. `BTC/USDT`. */
  readonly symbol: string;
  /** Tick size as a decimal string. */
  readonly tickSize: string;
  /** Lot size as a decimal string. */
  readonly lotSize: string;
  /** Digits after the point used to scale prices. */
  readonly priceDecimals: number;
  /** Digits after the point used to scale quantities. */
  readonly qtyDecimals: number;
  private readonly tickUnits: number;
  private readonly lotUnits: number;

  /** @throws {DecimalConversionError} when a size is not a positive decimal. */
  constructor(symbol: string, tickSize: string, lotSize: string) {
    this.symbol = symbol;
    this.tickSize = tickSize;
    this.lotSize = lotSize;
    this.priceDecimals = decimalPlaces(tickSize);
    this.qtyDecimals = decimalPlaces(lotSize);
    this.tickUnits = scaledOrNaN(tickSize, this.priceDecimals);
    this.lotUnits = scaledOrNaN(lotSize, this.qtyDecimals);
    if (!(this.tickUnits > 0))
      throw new DecimalConversionError(
        `${symbol}: tick size must be a positive decimal, was ${JSON.stringify(tickSize)}`,
      );
    if (!(this.lotUnits > 0))
      throw new DecimalConversionError(
        `${symbol}: lot size must be a positive decimal, was ${JSON.stringify(lotSize)}`,
      );
  }

  /** Price string → ticks, or `NaN` when not exactly on the tick grid. Allocates nothing. */
  priceToTicksOrNaN(price: string): number {
    const units = scaledOrNaN(price, this.priceDecimals);
    if (this.tickUnits === 1) return units;
    const ticks = units / this.tickUnits;
    return Number.isInteger(ticks) ? ticks : Number.NaN;
  }

  /** Quantity string → lots, or `NaN` when not exactly on the lot grid. Allocates nothing. */
  qtyToLotsOrNaN(qty: string): number {
    const units = scaledOrNaN(qty, this.qtyDecimals);
    if (this.lotUnits === 1) return units;
    const lots = units / this.lotUnits;
    return Number.isInteger(lots) ? lots : Number.NaN;
  }

  /** {@link DecimalGrid.priceToTicksOrNaN} of `text.slice(start, end)`, read in place. Allocates nothing. */
  priceRangeToTicksOrNaN(text: string, start: number, end: number): number {
    const units = scaledRangeOrNaN(text, start, end, this.priceDecimals);
    if (this.tickUnits === 1) return units;
    const ticks = units / this.tickUnits;
    return Number.isInteger(ticks) ? ticks : Number.NaN;
  }

  /** {@link DecimalGrid.qtyToLotsOrNaN} of `text.slice(start, end)`, read in place. Allocates nothing. */
  qtyRangeToLotsOrNaN(text: string, start: number, end: number): number {
    const units = scaledRangeOrNaN(text, start, end, this.qtyDecimals);
    if (this.lotUnits === 1) return units;
    const lots = units / this.lotUnits;
    return Number.isInteger(lots) ? lots : Number.NaN;
  }

  /**
   * Price string → ticks.
   * @throws {DecimalConversionError} naming the symbol, the text and the tick size.
   */
  priceToTicks(price: string): number {
    const ticks = this.priceToTicksOrNaN(price);
    if (Number.isNaN(ticks))
      throw new DecimalConversionError(
        `${this.symbol}: price ${JSON.stringify(price)} is not on the tick grid ${this.tickSize}`,
      );
    return ticks;
  }

  /**
   * Quantity string → lots.
   * @throws {DecimalConversionError} naming the symbol, the text and the lot size.
   */
  qtyToLots(qty: string): number {
    const lots = this.qtyToLotsOrNaN(qty);
    if (Number.isNaN(lots))
      throw new DecimalConversionError(
        `${this.symbol}: quantity ${JSON.stringify(qty)} is not on the lot grid ${this.lotSize}`,
      );
    return lots;
  }

  /** Ticks → price decimal string with `priceDecimals` digits. */
  ticksToPrice(ticks: number): string {
    return formatScaled(ticks * this.tickUnits, this.priceDecimals);
  }

  /** Lots → quantity decimal string with `qtyDecimals` digits. */
  lotsToQty(lots: number): string {
    return formatScaled(lots * this.lotUnits, this.qtyDecimals);
  }

  /** Ticks → integer count of 10^-`priceDecimals` (used for checksums over the price text). */
  ticksToUnits(ticks: number): number {
    return ticks * this.tickUnits;
  }

  /** Lots → integer count of 10^-`qtyDecimals`. */
  lotsToUnits(lots: number): number {
    return lots * this.lotUnits;
  }
}
