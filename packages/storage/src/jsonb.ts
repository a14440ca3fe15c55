/**
 * Book levels written directly as SQLite JSONB, the binary JSON that SQLite's own `jsonb()`
 * produces and every `json_*` function reads (SQLite ≥ 3.45; better-sqlite3 12 bundles a newer
 * one). The document is the seed's shape, `[["65083.66","1.50000",0],...]`, with prices and
 * quantities as exact decimal TEXT elements, so `json(bids)` prints the same text the JSON
 * column held and `json_extract(bids, '$[0][0]')` returns `'65083.66'`. Written from integer
 * ticks and lots straight into one reused buffer: no decimal strings, no JSON text, no parse on
 * the way into SQLite.
 *
 * Format (https://sqlite.org/jsonb.html): each element is a header, then its payload. The
 * header's low nibble is the type (3 INT, 7 TEXT, 11 ARRAY); its high nibble is the payload
 * size when ≤ 11, else 12/13/14 meaning the size follows in 1/2/4 big-endian bytes. We always
 * emit the smallest header, as `jsonb()` does, so the bytes equal `jsonb(<the JSON text>)`.
 *
 * @module
 */

import { fromUnits, type Increment, type Level } from '@tickerml/core';

const TYPE_INT = 3;
const TYPE_TEXT = 7;
const TYPE_ARRAY = 11;
const DOT = 46;
const ZERO = 48;
/** Room one level can need: an array header, two decimals of up to 40 characters, an index. */
const LEVEL_BYTES_MAX = 2 + 2 * (2 + 40) + 2 + 16;
const POW10: readonly number[] = Array.from({ length: 16 }, (_, i) => 10 ** i);

function digitCount(n: number): number {
  let digits = 1;
  while (digits < 16 && n >= (POW10[digits] as number)) digits++;
  return digits;
}

function headerBytes(size: number): number {
  return size <= 11 ? 1 : size <= 0xff ? 2 : size <= 0xffff ? 3 : 5;
}

/**
 * Writes level lists as JSONB into a buffer it reuses. Call {@link reset} before each row; each
 * {@link levels} call returns a view that stays valid until the next `reset()` (SQLite copies
 * what it binds, so a view only needs to live until the statement has run).
 */
export class LevelsJsonbWriter {
  #buffer = Buffer.allocUnsafe(64 * 1024);
  #end = 0;

  /** Starts a new row: the views returned since the last reset may be overwritten from now on. */
  reset(): void {
    this.#end = 0;
  }

  #ensure(bytes: number): void {
    if (this.#end + bytes <= this.#buffer.length) return;
    // Views already returned keep pointing at the old buffer, whose bytes stay as written.
    const grown = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, this.#end + bytes));
    this.#buffer.copy(grown, 0, 0, this.#end);
    this.#buffer = grown;
  }

  /** Writes the TEXT element of `units × increment` (exact decimal with the increment's scale). */
  #decimal(units: number, increment: Increment): void {
    const buffer = this.#buffer;
    const product = units * increment.coefficient;
    if (product < 0 || !Number.isSafeInteger(product)) {
      // Negative or beyond 2^53 once scaled: let core's exact formatter do it (bigint when needed).
      this.#text(fromUnits(units, increment), TYPE_TEXT);
      return;
    }
    const scale = increment.scale;
    const digits = Math.max(digitCount(product), scale + 1);
    const length = scale > 0 ? digits + 1 : digits;
    let at = this.#end;
    if (length <= 11) buffer[at++] = (length << 4) | TYPE_TEXT;
    else {
      buffer[at++] = 0xc0 | TYPE_TEXT;
      buffer[at++] = length;
    }
    // Digits right to left, the decimal point `scale` digits from the end.
    let rest = product;
    let i = at + length - 1;
    for (let written = 0; written < digits; written++) {
      if (written === scale && scale > 0) buffer[i--] = DOT;
      const digit = rest % 10;
      buffer[i--] = ZERO + digit;
      rest = (rest - digit) / 10;
    }
    this.#end = at + length;
  }

  /** Writes an ASCII `text` as an element of `type` (TEXT, or INT for an integer's digits). */
  #text(text: string, type: number): void {
    const buffer = this.#buffer;
    let at = this.#end;
    const length = text.length;
    if (length <= 11) buffer[at++] = (length << 4) | type;
    else {
      buffer[at++] = 0xc0 | type;
      buffer[at++] = length;
    }
    for (let i = 0; i < length; i++) buffer[at++] = text.charCodeAt(i);
    this.#end = at;
  }

  /** Writes the INT element of a small non-negative integer (a queue position). */
  #smallInt(value: number): void {
    if (value > 9) {
      this.#text(String(value), TYPE_INT);
      return;
    }
    this.#buffer[this.#end++] = (1 << 4) | TYPE_INT;
    this.#buffer[this.#end++] = ZERO + value;
  }

  /**
   * Writes `[[price, quantity, queue_position], ...]` (best first, position = rank) and returns
   * the JSONB bytes. Ticks and lots must be safe integers (the caller checks).
   */
  levels(levels: readonly Level[], tick: Increment, lot: Increment): Uint8Array {
    // The outer header is written last, right before its payload: reserve its largest size.
    this.#ensure(5);
    const start = this.#end;
    this.#end += 5;
    for (let i = 0; i < levels.length; i++) {
      const level = levels[i] as Level;
      this.#ensure(LEVEL_BYTES_MAX);
      const head = this.#end;
      this.#end += 2; // one-byte size header; shrunk below if the payload fits in the nibble
      this.#decimal(level.priceTicks, tick);
      this.#decimal(level.qtyLots, lot);
      this.#smallInt(i);
      const size = this.#end - head - 2;
      const buffer = this.#buffer;
      if (size <= 11) {
        buffer.copyWithin(head + 1, head + 2, this.#end);
        buffer[head] = (size << 4) | TYPE_ARRAY;
        this.#end--;
      } else {
        buffer[head] = 0xc0 | TYPE_ARRAY;
        buffer[head + 1] = size;
      }
    }
    const size = this.#end - start - 5;
    const header = headerBytes(size);
    const first = start + 5 - header;
    const buffer = this.#buffer;
    if (header === 1) buffer[first] = (size << 4) | TYPE_ARRAY;
    else if (header === 2) {
      buffer[first] = 0xc0 | TYPE_ARRAY;
      buffer[first + 1] = size;
    } else if (header === 3) {
      buffer[first] = 0xd0 | TYPE_ARRAY;
      buffer.writeUInt16BE(size, first + 1);
    } else {
      buffer[first] = 0xe0 | TYPE_ARRAY;
      buffer.writeUInt32BE(size, first + 1);
    }
    return buffer.subarray(first, this.#end);
  }
}
