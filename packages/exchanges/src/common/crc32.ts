/**
 * CRC32 (IEEE 802.3, the zlib polynomial) of ASCII text, and Kraken's v2 book checksum of a
 * {@link SyncBook} (computed by `@tickerml/microstructure`).
 *
 * @module
 */
import { KrakenChecksum } from '@tickerml/microstructure';
import type { SyncBook } from './book.js';
import type { DecimalGrid } from './decimal.js';

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

/**
 * Kraken WebSocket v2 book checksum of a {@link SyncBook}, by `@tickerml/microstructure`'s
 * `KrakenChecksum` (top 10 asks then bids, price then quantity printed at the pair's precision,
 * `.` and leading zeros removed). The grid's tick and lot sizes must carry the pair's display
 * precision (e.g. `0.1` and `0.00000001` for BTC/USD). One checksum object is kept per grid.
 *
 * @example
 * krakenChecksum(book, new DecimalGrid('BTC/USD', '0.1', '0.00000001')); // e.g. 2531248887
 */
export function krakenChecksum(book: SyncBook, grid: DecimalGrid): number {
  let scheme = SCHEMES.get(grid);
  if (scheme === undefined) {
    scheme = new KrakenChecksum({ priceUnitsPerTick: grid.ticksToUnits(1), qtyUnitsPerLot: grid.lotsToUnits(1) });
    SCHEMES.set(grid, scheme);
  }
  return scheme.compute(book.l2);
}

const SCHEMES = new WeakMap<DecimalGrid, KrakenChecksum>();
