/**
 * CRC32 (IEEE 802.3, the zlib polynomial) computed incrementally, and Kraken's v2 book checksum
 * over a {@link SyncBook} without building strings.
 *
 * TODO(microstructure): use `@tickerml/microstructure`'s Kraken checksum once it is exported.
 *
 * @module
 */
import type { DecimalGrid } from './decimal.js';
import type { SyncBook } from './book.js';

const TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** Updates a running CRC32 (pre-inverted state, start from `-1`) with one ASCII byte. */
function crcByte(state: number, byte: number): number {
  return (TABLE[(state ^ byte) & 0xff] as number) ^ (state >>> 8);
}

/** CRC32 of a string of ASCII characters, as an unsigned 32-bit integer. */
export function crc32Ascii(text: string): number {
  let s = -1;
  for (let i = 0; i < text.length; i++) s = crcByte(s, text.charCodeAt(i));
  return (s ^ -1) >>> 0;
}

const DIGITS = new Uint8Array(20);

/** Feeds the decimal digits of a non-negative safe integer (no leading zeros) into the CRC. */
function crcInteger(state: number, value: number): number {
  let n = 0;
  let v = value;
  do {
    DIGITS[n++] = 48 + (v % 10);
    v = Math.floor(v / 10);
  } while (v > 0);
  let s = state;
  for (let i = n - 1; i >= 0; i--) s = crcByte(s, DIGITS[i] as number);
  return s;
}

/**
 * Kraken WebSocket v2 book checksum: CRC32 over the top 10 asks (ascending) then the top 10 bids
 * (descending), each level as its price then its quantity printed with the pair's precision, the
 * decimal point and leading zeros removed. Prices and quantities are reconstructed from ticks and
 * lots through `grid`, whose tick and lot sizes must carry the pair's display precision
 * (e.g. `0.1` and `0.00000001` for BTC/USD).
 *
 * @example
 * krakenChecksum(book, new DecimalGrid('BTC/USD', '0.1', '0.00000001')); // e.g. 2531248887
 */
export function krakenChecksum(book: SyncBook, grid: DecimalGrid): number {
  let s = -1;
  const asks = book.asks;
  const na = Math.min(10, asks.length);
  for (let i = 0; i < na; i++) {
    s = crcInteger(s, grid.ticksToUnits(asks.priceAt(i)));
    s = crcInteger(s, grid.lotsToUnits(asks.qtyAt(i)));
  }
  const bids = book.bids;
  const nb = Math.min(10, bids.length);
  for (let i = 0; i < nb; i++) {
    s = crcInteger(s, grid.ticksToUnits(bids.priceAt(i)));
    s = crcInteger(s, grid.lotsToUnits(bids.qtyAt(i)));
  }
  return (s ^ -1) >>> 0;
}
