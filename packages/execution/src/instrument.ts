/**
 * What the simulated venue knows about a tradable instrument: its grid (tick and lot size),
 * minimums and the currencies it moves.
 *
 * Built from a plain spec or from core's `Instrument` ({@link TradableInstrument.fromCore}); it
 * adds what the ledger needs: the exact atom value of one tick × one lot.
 *
 * @module
 */
import { BaseError, type Instrument } from '@tickerml/core';
import { decimalToAtoms, InvalidAmountError } from './money.js';

/** The static description of an instrument on one venue. Sizes are decimal strings. */
export interface InstrumentSpec {
  readonly venue: string;
  /** Canonical symbol: `BASE/QUOTE` (spot) or `BASE/QUOTE:SETTLE` (perpetual). */
  readonly symbol: string;
  readonly base: string;
  readonly quote: string;
  /** Price increment, e.g. `"0.01"`. */
  readonly tickSize: string;
  /** Quantity increment, e.g. `"0.00001"`. */
  readonly lotSize: string;
  /** Minimum order quantity in lots (default 1). */
  readonly minQtyLots?: number;
  /** Minimum order notional in the quote currency, a decimal string (default `"0"`). */
  readonly minNotional?: string;
}

/**
 * An instrument spec that cannot be traded (bad decimals, zero increments).
 *
 * @example
 * ```ts
 * new TradableInstrument({ venue: 'x', symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT', tickSize: '0', lotSize: '1' }); // throws
 * ```
 */
export class InvalidInstrumentSpecError extends BaseError {
  override name = 'InvalidInstrumentSpecError' as const;
}

/**
 * An {@link InstrumentSpec} with the exact conversion factors the ledger needs.
 *
 * @example
 * ```ts
 * const btc = new TradableInstrument({ venue: 'binance', symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT', tickSize: '0.01', lotSize: '0.00001' });
 * btc.notionalAtoms(6_000_000, 100); // 60000.00 × 0.001 = 60 USDT in atoms
 * btc.toTicks('60000.00'); // 6000000
 * ```
 */
export class TradableInstrument {
  readonly spec: InstrumentSpec;
  readonly venue: string;
  readonly symbol: string;
  readonly base: string;
  readonly quote: string;
  /** True for `BASE/QUOTE:SETTLE` symbols: funding applies, short positions are allowed. */
  readonly perpetual: boolean;
  readonly minQtyLots: number;
  /** Minimum notional in quote atoms. */
  readonly minNotionalAtoms: bigint;
  /** Value in quote atoms of 1 tick × 1 lot (exact). */
  readonly tickLotAtoms: bigint;
  private readonly tickDecimals: number;
  private readonly lotDecimals: number;
  private readonly tickUnits: bigint;
  private readonly lotUnits: bigint;

  /** @throws InvalidInstrumentSpecError when a size is not a positive decimal or the grid is too fine. */
  constructor(spec: InstrumentSpec) {
    this.spec = spec;
    this.venue = spec.venue;
    this.symbol = spec.symbol;
    this.base = spec.base;
    this.quote = spec.quote;
    this.perpetual = spec.symbol.includes(':');
    this.minQtyLots = spec.minQtyLots ?? 1;
    const parse = (key: string, text: string): [bigint, number] => {
      const m = /^(\d+)(?:\.(\d+))?$/.exec(text);
      if (m === null)
        throw new InvalidInstrumentSpecError(`${spec.venue} ${spec.symbol}: ${key} '${text}' is not a decimal number`);
      const frac = m[2] ?? '';
      const units = BigInt((m[1] ?? '0') + frac);
      if (units <= 0n)
        throw new InvalidInstrumentSpecError(`${spec.venue} ${spec.symbol}: ${key} must be positive, was '${text}'`);
      return [units, frac.length];
    };
    [this.tickUnits, this.tickDecimals] = parse('tickSize', spec.tickSize);
    [this.lotUnits, this.lotDecimals] = parse('lotSize', spec.lotSize);
    const decimals = this.tickDecimals + this.lotDecimals;
    if (decimals > 18)
      throw new InvalidInstrumentSpecError(
        `${spec.venue} ${spec.symbol}: tick × lot has ${decimals} decimals, at most 18 are held`,
      );
    this.tickLotAtoms = this.tickUnits * this.lotUnits * 10n ** BigInt(18 - decimals);
    try {
      this.minNotionalAtoms = decimalToAtoms(spec.minNotional ?? '0');
    } catch (e) {
      if (e instanceof InvalidAmountError)
        throw new InvalidInstrumentSpecError(`${spec.venue} ${spec.symbol}: minNotional ${e.shortMessage}`);
      throw e;
    }
  }

  /**
   * From core's {@link Instrument} (same tick and lot sizes, minimums carried over).
   * @throws InvalidInstrumentSpecError when the grid is finer than 18 decimals in total.
   * @example
   * ```ts
   * TradableInstrument.fromCore(registry.get('binanceus', 'BTC/USDT'));
   * ```
   */
  static fromCore(instrument: Instrument): TradableInstrument {
    return new TradableInstrument({
      venue: instrument.venue,
      symbol: instrument.symbol,
      base: instrument.base,
      quote: instrument.quote,
      tickSize: instrument.tickSize,
      lotSize: instrument.lotSize,
      ...(instrument.minQtyLots === undefined ? {} : { minQtyLots: instrument.minQtyLots }),
      ...(instrument.minNotional === undefined ? {} : { minNotional: instrument.minNotional.toDecimalString() }),
    });
  }

  /** Notional of `qtyLots` at `priceTicks`, in quote atoms (exact). */
  notionalAtoms(priceTicks: number, qtyLots: number): bigint {
    return BigInt(priceTicks) * BigInt(qtyLots) * this.tickLotAtoms;
  }

  /**
   * A decimal price to ticks, exactly; `undefined` when off the tick grid or malformed.
   * @example
   * ```ts
   * btc.toTicks('1.005'); // undefined with tick 0.01
   * ```
   */
  toTicks(price: string): number | undefined {
    return toUnits(price, this.tickUnits, this.tickDecimals);
  }

  /** A decimal quantity to lots, exactly; `undefined` when off the lot grid or malformed. */
  toLots(qty: string): number | undefined {
    return toUnits(qty, this.lotUnits, this.lotDecimals);
  }

  /** Ticks to a decimal price string. */
  ticksToPrice(priceTicks: number): string {
    return unitsToDecimal(BigInt(priceTicks) * this.tickUnits, this.tickDecimals);
  }

  /** Lots to a decimal quantity string. */
  lotsToQty(qtyLots: number): string {
    return unitsToDecimal(BigInt(qtyLots) * this.lotUnits, this.lotDecimals);
  }
}

function toUnits(text: string, incUnits: bigint, incDecimals: number): number | undefined {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (m === null) return undefined;
  let frac = m[2] ?? '';
  const trimmed = frac.replace(/0+$/, '');
  if (trimmed.length > incDecimals) return undefined;
  frac = frac.slice(0, incDecimals).padEnd(incDecimals, '0');
  const scaled = BigInt((m[1] ?? '0') + frac);
  if (scaled % incUnits !== 0n) return undefined;
  const units = scaled / incUnits;
  if (units > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return Number(units);
}

function unitsToDecimal(units: bigint, decimals: number): string {
  if (decimals === 0) return units.toString();
  const neg = units < 0n;
  const s = (neg ? -units : units).toString().padStart(decimals + 1, '0');
  return `${neg ? '-' : ''}${s.slice(0, s.length - decimals)}.${s.slice(s.length - decimals)}`;
}
