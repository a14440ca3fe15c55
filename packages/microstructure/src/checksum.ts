/**
 * Order-book checksums: a {@link ChecksumScheme} hook per venue, with Kraken's WebSocket v2
 * CRC32 implemented.
 *
 * @module
 */

import type { L2BookView } from './book.js';
import { InvalidOptionError } from './errors.js';

/**
 * A venue's book checksum, computed from our book. Adapters compare it with the number the venue
 * sends and emit core's `ChecksumMismatch` when they differ.
 *
 * @example
 * ```ts
 * const scheme: ChecksumScheme = new KrakenChecksum();
 * if (scheme.compute(book) !== message.checksum) resync();
 * ```
 */
export interface ChecksumScheme {
  /** Venue id the scheme belongs to, e.g. `kraken`. */
  readonly venue: string;
  /** The checksum of the book as an unsigned 32-bit integer. Must not allocate. */
  compute(book: L2BookView): number;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * CRC-32 (IEEE 802.3, the one zlib and Kraken use) of a string's UTF-16 code units taken as bytes
 * (correct for ASCII text).
 *
 * @example
 * ```ts
 * crc32('123456789'); // 0xcbf43926
 * ```
 */
export function crc32(text: string): number {
  let crc = 0xffffffff;
  for (let i = 0; i < text.length; i++) crc = (CRC_TABLE[(crc ^ text.charCodeAt(i)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * Feeds the decimal digits of a non-negative integer into a running CRC (no leading zeros; 0
 * feeds nothing, as a stripped "0.0" would).
 */
function crcDigits(crc: number, value: number, digits: Uint8Array): number {
  let n = value;
  let len = 0;
  while (n > 0) {
    const d = n % 10;
    digits[len++] = 48 + d;
    n = (n - d) / 10;
  }
  let c = crc;
  for (let i = len - 1; i >= 0; i--) c = (CRC_TABLE[(c ^ (digits[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return c;
}

/**
 * Number of units of `10^-precision` in one step of `stepText` (a tick or lot size as decimal
 * text), e.g. `decimalUnitsPerStep('0.1', 1) === 1`, `decimalUnitsPerStep('0.5', 2) === 50`.
 *
 * @throws {InvalidOptionError} when the step is not a positive decimal or is finer than the precision.
 * @example
 * ```ts
 * decimalUnitsPerStep('0.00000001', 8); // 1
 * ```
 */
export function decimalUnitsPerStep(stepText: string, precision: number): number {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(stepText);
  if (!m || !Number.isSafeInteger(precision) || precision < 0) {
    throw new InvalidOptionError('step', 'a positive decimal string and a non-negative integer precision', {
      stepText,
      precision,
    });
  }
  const frac = (m[2] ?? '').replace(/0+$/, '');
  if (frac.length > precision) {
    throw new InvalidOptionError('step', `a step no finer than 10^-${precision}`, stepText);
  }
  const units = Number(`${m[1]}${frac}`) * 10 ** (precision - frac.length);
  if (!Number.isSafeInteger(units) || units <= 0) throw new InvalidOptionError('step', 'a positive step', stepText);
  return units;
}

/** Options for {@link KrakenChecksum}. */
export interface KrakenChecksumOptions {
  /**
   * How many units of the venue's last price digit one tick is (`tickSize × 10^pricePrecision`).
   * Kraken BTC/USD: tick 0.1, price precision 1, so 1 (the default). See {@link decimalUnitsPerStep}.
   */
  readonly priceUnitsPerTick?: number;
  /** How many units of the venue's last quantity digit one lot is (BTC/USD: lot 1e-8, precision 8, so 1; the default). */
  readonly qtyUnitsPerLot?: number;
  /** Levels per side in the checksum. Kraken uses 10 (the default). */
  readonly levels?: number;
}

/**
 * Kraken spot WebSocket v2 book checksum: CRC32 over the top 10 asks (lowest first) then the top
 * 10 bids (highest first), each level as its price text then its quantity text with the `.` and
 * leading zeros removed. Kraken prints prices and quantities at the pair's full precision
 * (trailing zeros included), so that text is exactly the integer count of the last decimal
 * unit: `ticks × priceUnitsPerTick` and `lots × qtyUnitsPerLot`. No allocation per call.
 *
 * @example
 * ```ts
 * const checksum = new KrakenChecksum(); // BTC/USD: tick 0.1 (precision 1), lot 1e-8 (precision 8)
 * const ok = checksum.compute(book) === frame.data[0].checksum;
 * ```
 */
export class KrakenChecksum implements ChecksumScheme {
  readonly venue = 'kraken';
  private readonly priceUnitsPerTick: number;
  private readonly qtyUnitsPerLot: number;
  private readonly levels: number;
  private readonly prices: Float64Array;
  private readonly qtys: Float64Array;
  private readonly digits = new Uint8Array(20);

  /** @throws {InvalidOptionError} when an option is not a positive integer. */
  constructor(options: KrakenChecksumOptions = {}) {
    this.priceUnitsPerTick = positiveInt('priceUnitsPerTick', options.priceUnitsPerTick ?? 1);
    this.qtyUnitsPerLot = positiveInt('qtyUnitsPerLot', options.qtyUnitsPerLot ?? 1);
    this.levels = positiveInt('levels', options.levels ?? 10);
    this.prices = new Float64Array(this.levels);
    this.qtys = new Float64Array(this.levels);
  }

  /**
   * The checksum for a core `Instrument` (or anything with its `tickSize`/`lotSize` text and
   * decimals): the venue prints prices with `pricePrecision` decimals and quantities with
   * `qtyPrecision` (Kraken's `price_precision` / `qty_precision`; default: the decimals of the
   * tick and lot sizes, right when the tick is `10^-precision`).
   *
   * @throws {InvalidOptionError} when a size is finer than its precision.
   * @example
   * ```ts
   * const btcusd = new Instrument({ venue: 'kraken', symbol: 'BTC/USD', base: 'BTC', quote: 'USD', tickSize: '0.1', lotSize: '0.00000001' });
   * const checksum = KrakenChecksum.forInstrument(btcusd);
   * ```
   */
  static forInstrument(
    instrument: {
      readonly tickSize: string;
      readonly lotSize: string;
      readonly priceDecimals: number;
      readonly qtyDecimals: number;
    },
    precision: { readonly price?: number; readonly qty?: number } = {},
  ): KrakenChecksum {
    return new KrakenChecksum({
      priceUnitsPerTick: decimalUnitsPerStep(instrument.tickSize, precision.price ?? instrument.priceDecimals),
      qtyUnitsPerLot: decimalUnitsPerStep(instrument.lotSize, precision.qty ?? instrument.qtyDecimals),
    });
  }

  /** The CRC32 of the book's top levels, as an unsigned 32-bit integer. */
  compute(book: L2BookView): number {
    let crc = 0xffffffff;
    for (let pass = 0; pass < 2; pass++) {
      const n = book.topLevels(pass === 0 ? 'ask' : 'bid', this.levels, this.prices, this.qtys);
      for (let i = 0; i < n; i++) {
        crc = crcDigits(crc, (this.prices[i] as number) * this.priceUnitsPerTick, this.digits);
        crc = crcDigits(crc, (this.qtys[i] as number) * this.qtyUnitsPerLot, this.digits);
      }
    }
    return (crc ^ 0xffffffff) >>> 0;
  }
}

function positiveInt(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new InvalidOptionError(name, 'a positive integer', value);
  return value;
}
