/**
 * Kraken v2 sends prices and quantities as bare JSON numbers whose text (trailing zeros
 * included) is part of the checksum; `JSON.parse` would lose it. This quotes those numbers
 * before parsing so they arrive as exact strings.
 *
 * @module
 */

const NUMERIC_FIELDS = /"(price|qty|limit_price|order_qty)":(-?[0-9][0-9.eE+-]*)/g;

/** Rewrites `"price":63004.90` as `"price":"63004.90"` (same for qty, limit_price, order_qty). */
export function quoteKrakenNumbers(text: string): string {
  return text.replace(NUMERIC_FIELDS, '"$1":"$2"');
}
