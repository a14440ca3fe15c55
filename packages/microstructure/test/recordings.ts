/**
 * Small, self-contained readers for the real recordings under test/fixtures, used by the
 * real-data tests and the benchmark. Not general adapters: just enough of each protocol to build
 * books from the venues' own frames. Decimal text is converted to ticks/lots by string
 * arithmetic, never through a float.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { LevelInput } from '../src/types.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** Reads a fixture as text, gunzipping `.gz` files. */
export function readFixture(relativePath: string): string {
  const raw = readFileSync(join(FIXTURES, relativePath));
  return relativePath.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
}

/**
 * Converts decimal text to an integer count of `10^-decimals` units, exactly: `('63388.7', 1)` → 633887.
 * Throws when the text has more decimals than `decimals` (other than trailing zeros) or is not a decimal.
 */
export function decimalToUnits(text: string, decimals: number): number {
  const m = /^(\d+)(?:\.(\d*))?$/.exec(text);
  if (!m) throw new Error(`not a decimal: ${JSON.stringify(text)}`);
  let frac = m[2] ?? '';
  if (frac.length > decimals) {
    if (!/^0*$/.test(frac.slice(decimals))) throw new Error(`${text} has more than ${decimals} decimals`);
    frac = frac.slice(0, decimals);
  }
  const value = Number(m[1] + frac.padEnd(decimals, '0'));
  if (!Number.isSafeInteger(value)) throw new Error(`${text} overflows a safe integer at ${decimals} decimals`);
  return value;
}

// ---------------------------------------------------------------------------------------------
// Kraken spot WebSocket v2 (crossbook .cbcap capture)

export interface KrakenBookFrame {
  readonly type: 'snapshot' | 'update';
  readonly localTsUs: number;
  readonly bids: LevelInput[];
  readonly asks: LevelInput[];
  readonly checksum: number;
}

/** Kraken BTC/USD: price precision 1 (tick 0.1), qty precision 8 (lot 1e-8). */
export const KRAKEN_PRICE_DECIMALS = 1;
export const KRAKEN_QTY_DECIMALS = 8;

const KRAKEN_LEVEL = /\{"price":([0-9.]+),"qty":([0-9.]+)\}/g;

function krakenLevels(text: string): LevelInput[] {
  const out: LevelInput[] = [];
  for (const m of text.matchAll(KRAKEN_LEVEL)) {
    out.push({
      priceTicks: decimalToUnits(m[1] as string, KRAKEN_PRICE_DECIMALS),
      qtyLots: decimalToUnits(m[2] as string, KRAKEN_QTY_DECIMALS),
    });
  }
  return out;
}

/**
 * Reads the `book` snapshot/update frames of a cbcap file. Numbers are taken from the raw frame
 * text (JSON.parse would drop trailing zeros); `localTsUs` is the capture's steady clock in µs.
 */
export function readKrakenBook(relativePath: string): KrakenBookFrame[] {
  const buf = readFileSync(join(FIXTURES, relativePath));
  let pos = buf.indexOf(10) + 1; // skip the CBCAP1 header line
  const frames: KrakenBookFrame[] = [];
  while (pos < buf.length) {
    const eol = buf.indexOf(10, pos);
    const [tsText, lenText] = buf.toString('latin1', pos, eol).split(' ');
    const len = Number(lenText);
    const text = buf.toString('utf8', eol + 1, eol + 1 + len);
    pos = eol + 1 + len + 1;
    if (!text.startsWith('{"channel":"book"')) continue;
    const type = text.includes('"type":"snapshot"') ? 'snapshot' : 'update';
    const bidsAt = text.indexOf('"bids":[');
    const asksAt = text.indexOf('"asks":[');
    const checksumMatch = /"checksum":(\d+)/.exec(text);
    if (bidsAt < 0 || asksAt < 0 || !checksumMatch) throw new Error(`unexpected Kraken book frame: ${text.slice(0, 200)}`);
    const bidsText = text.slice(bidsAt, text.indexOf(']', bidsAt) + 1);
    const asksText = text.slice(asksAt, text.indexOf(']', asksAt) + 1);
    frames.push({
      type,
      localTsUs: Math.floor(Number(BigInt(tsText as string) / 1000n)),
      bids: krakenLevels(bidsText),
      asks: krakenLevels(asksText),
      checksum: Number(checksumMatch[1]),
    });
  }
  return frames;
}
