/**
 * Level conversion helpers shared by the parsers.
 *
 * @module
 */
import type { Level } from '@tickerml/core';
import type { DecimalGrid } from './decimal.js';

/** Thrown internally when a level is off-grid or mistyped; handlers turn it into a malformed count. */
export class LevelError extends Error {
  override name = 'LevelError' as const;
}

/**
 * Converts `[price, qty, ...]` string tuples to levels in ticks/lots.
 * @throws {LevelError} when the input is not an array of string pairs on the grid.
 */
export function tupleLevels(raw: unknown, grid: DecimalGrid, skipZeroPrice = false): Level[] {
  if (!Array.isArray(raw)) throw new LevelError('levels are not an array');
  const out: Level[] = [];
  for (let i = 0; i < raw.length; i++) {
    const row: unknown = raw[i];
    if (!Array.isArray(row)) throw new LevelError(`level ${i} is not an array`);
    const p: unknown = row[0];
    const q: unknown = row[1];
    if (typeof p !== 'string' || typeof q !== 'string') throw new LevelError(`level ${i} price/qty are not strings`);
    if (skipZeroPrice && p === '0') continue;
    const priceTicks = grid.priceToTicksOrNaN(p);
    const qtyLots = grid.qtyToLotsOrNaN(q);
    if (Number.isNaN(priceTicks))
      throw new LevelError(
        `price ${JSON.stringify(p)} not on tick grid ${grid.tickSize} (or beyond the safe-integer range)`,
      );
    if (Number.isNaN(qtyLots))
      throw new LevelError(
        `quantity ${JSON.stringify(q)} not on lot grid ${grid.lotSize} (or beyond the safe-integer range)`,
      );
    // No venue quotes a level at zero or below: "0" in a snapshot or a Binance update is malformed.
    if (priceTicks <= 0) throw new LevelError(`price ${JSON.stringify(p)} is not positive`);
    out.push({ priceTicks, qtyLots });
  }
  return out;
}

/** Milliseconds since the epoch (number) → microseconds, or `fallbackUs` when not a finite number. */
export function msToUs(ms: unknown, fallbackUs: number): number {
  return typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? Math.round(ms * 1000) : fallbackUs;
}

/** ISO-8601 timestamp with up to nanosecond fraction → microseconds, or `fallbackUs`. */
export function isoToUs(iso: unknown, fallbackUs: number): number {
  if (typeof iso !== 'string' || iso.length < 20) return fallbackUs;
  const dot = iso.indexOf('.');
  const base = Date.parse(dot < 0 ? iso : `${iso.slice(0, dot)}Z`);
  if (!Number.isFinite(base)) return fallbackUs;
  let micros = 0;
  if (dot >= 0) {
    let digits = 0;
    for (let i = dot + 1; i < iso.length && digits < 6; i++) {
      const c = iso.charCodeAt(i);
      if (c < 48 || c > 57) break;
      micros = micros * 10 + (c - 48);
      digits++;
    }
    for (; digits < 6; digits++) micros *= 10;
  }
  return base * 1000 + micros;
}

/**
 * KuCoin `[price, size, sequence]` changes → levels and their sequences (zero-price changes are
 * left out: they only advance the sequence).
 * @throws {LevelError} when a change is mistyped or off the grid.
 */
export function sequencedTupleLevels(raw: unknown, grid: DecimalGrid): { levels: Level[]; seqs: number[] } {
  const levels = tupleLevels(raw, grid, true);
  const seqs: number[] = [];
  for (const row of raw as unknown[][]) {
    if (row[0] === '0') continue;
    const s = row[2];
    const n =
      typeof s === 'string' && /^[0-9]{1,16}$/.test(s)
        ? Number(s)
        : typeof s === 'number'
          ? s
          : Number.POSITIVE_INFINITY;
    seqs.push(n);
  }
  return { levels, seqs };
}
