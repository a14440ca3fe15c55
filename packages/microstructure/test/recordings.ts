/**
 * Small, self-contained readers for the real recordings under packages/exchanges/test/fixtures, used by the
 * real-data tests and the benchmark. Not general adapters: just enough of each protocol to build
 * books from the venues' own frames. Decimal text is converted to ticks/lots by string
 * arithmetic, never through a float.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { LevelInput } from '../src/types.js';

// One copy of the recordings serves the whole repository: @tickerml/exchanges keeps them (with
// their licenses and a README naming the source of each).
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../exchanges/test/fixtures');

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
    if (bidsAt < 0 || asksAt < 0 || !checksumMatch)
      throw new Error(`unexpected Kraken book frame: ${text.slice(0, 200)}`);
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

// ---------------------------------------------------------------------------------------------
// Binance spot (hftbacktest raw: `<local_receive_ns> <json>` per line)

/** BTCUSDT: tick 0.01; quantities come with up to 8 decimals, so lot 1e-8. */
export const BINANCE_PRICE_DECIMALS = 2;
export const BINANCE_QTY_DECIMALS = 8;

export interface BinanceDepthDiff {
  readonly localTsUs: number;
  readonly firstUpdateId: number;
  readonly lastUpdateId: number;
  readonly bids: LevelInput[];
  readonly asks: LevelInput[];
}
export interface BinanceSnapshot {
  readonly localTsUs: number;
  readonly lastUpdateId: number;
  readonly bids: LevelInput[];
  readonly asks: LevelInput[];
}
export interface RecordedTrade {
  readonly localTsUs: number;
  readonly priceTicks: number;
  readonly qtyLots: number;
  readonly aggressor: 'buy' | 'sell';
}
export interface BinanceRecording {
  /** Depth diffs in arrival order (including those before the snapshot). */
  readonly diffs: BinanceDepthDiff[];
  readonly snapshot: BinanceSnapshot;
  /** Index in `diffs` of the first diff received after the snapshot. */
  readonly snapshotPosition: number;
  readonly trades: RecordedTrade[];
}

const binanceLevels = (rows: [string, string][]): LevelInput[] =>
  rows.map(([p, q]) => ({
    priceTicks: decimalToUnits(p, BINANCE_PRICE_DECIMALS),
    qtyLots: decimalToUnits(q, BINANCE_QTY_DECIMALS),
  }));

export function readBinance(): BinanceRecording {
  const text = readFixture('binance/hftbacktest_spot_btcusdt_20240808.gz');
  const diffs: BinanceDepthDiff[] = [];
  const trades: RecordedTrade[] = [];
  let snapshot: BinanceSnapshot | undefined;
  let snapshotPosition = -1;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const space = line.indexOf(' ');
    const localTsUs = Math.floor(Number(BigInt(line.slice(0, space)) / 1000n));
    const msg = JSON.parse(line.slice(space + 1));
    if ('lastUpdateId' in msg) {
      snapshot = {
        localTsUs,
        lastUpdateId: msg.lastUpdateId,
        bids: binanceLevels(msg.bids),
        asks: binanceLevels(msg.asks),
      };
      snapshotPosition = diffs.length;
      continue;
    }
    const d = msg.data;
    if (d.e === 'depthUpdate') {
      diffs.push({
        localTsUs,
        firstUpdateId: d.U,
        lastUpdateId: d.u,
        bids: binanceLevels(d.b),
        asks: binanceLevels(d.a),
      });
    } else if (d.e === 'trade') {
      trades.push({
        localTsUs,
        priceTicks: decimalToUnits(d.p, BINANCE_PRICE_DECIMALS),
        qtyLots: decimalToUnits(d.q, BINANCE_QTY_DECIMALS),
        // `m`: the buyer is the maker, so the aggressor sold.
        aggressor: d.m ? 'sell' : 'buy',
      });
    }
  }
  if (!snapshot) throw new Error('no REST snapshot in the Binance recording');
  return { diffs, snapshot, snapshotPosition, trades };
}

// ---------------------------------------------------------------------------------------------
// cryptofeed "format 2" JSONL (Coinbase Advanced Trade, KuCoin)

interface CryptofeedRecord {
  readonly t: string;
  readonly ts: number;
  readonly url?: string;
  readonly data?: string;
}

function readCryptofeed(relativePath: string): CryptofeedRecord[] {
  return readFixture(relativePath)
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as CryptofeedRecord);
}

export interface ProductBookMessage {
  readonly product: string;
  readonly type: 'snapshot' | 'update';
  readonly localTsUs: number;
  readonly seq: number;
  readonly bids: LevelInput[];
  readonly asks: LevelInput[];
}

/** Coinbase BTC-USD and ETH-USD: quote increment 0.01, base increment 1e-8. */
export const COINBASE_PRICE_DECIMALS = 2;
export const COINBASE_QTY_DECIMALS = 8;

/** Coinbase Advanced Trade `l2_data` events (`new_quantity` absolute, "0" deletes), per product, in arrival order. */
export function readCoinbaseL2(): ProductBookMessage[] {
  const out: ProductBookMessage[] = [];
  for (const rec of readCryptofeed('coinbase/cryptofeed_COINBASE_advtrade.jsonl.gz')) {
    if (rec.t !== 'recv' || !rec.data?.startsWith('{"channel":"l2_data"')) continue;
    const msg = JSON.parse(rec.data);
    for (const ev of msg.events) {
      const bids: LevelInput[] = [];
      const asks: LevelInput[] = [];
      for (const u of ev.updates) {
        const level = {
          priceTicks: decimalToUnits(u.price_level, COINBASE_PRICE_DECIMALS),
          qtyLots: decimalToUnits(u.new_quantity, COINBASE_QTY_DECIMALS),
        };
        if (u.side === 'bid') bids.push(level);
        else if (u.side === 'offer') asks.push(level);
        else throw new Error(`unknown Coinbase side ${u.side}`);
      }
      out.push({
        product: ev.product_id,
        type: ev.type,
        localTsUs: Math.round(rec.ts * 1e6),
        seq: msg.sequence_num,
        bids,
        asks,
      });
    }
  }
  return out;
}

export interface KucoinL2Update {
  readonly symbol: string;
  readonly localTsUs: number;
  readonly sequenceStart: number;
  readonly sequenceEnd: number;
  /** Changes with their own sequence; a price of "0" (no change, sequence advance only) is kept as priceTicks 0. */
  readonly changes: {
    readonly side: 'bid' | 'ask';
    readonly priceTicks: number;
    readonly qtyLots: number;
    readonly sequence: number;
  }[];
}
export interface KucoinRecording {
  readonly snapshots: Map<string, { sequence: number; bids: LevelInput[]; asks: LevelInput[] }>;
  readonly updates: KucoinL2Update[];
  /**
   * Symbols left out because a quantity does not fit a safe integer at the symbol's finest lot
   * (CAPP-BTC: sizes up to 452,338,153.08 with 8-decimal dust elsewhere, 4.5e16 lots > 2^53).
   */
  readonly unrepresentable: string[];
}

const decimalsOf = (text: string) => {
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
};

/**
 * KuCoin's symbols span prices from 1e-10 BTC to 1e6 USDT, and one snapshot carries a size finer
 * than the symbol's baseIncrement (0.00019434546 BCHSV), so each symbol's tick and lot are taken
 * as the finest decimals that symbol shows anywhere in the recording.
 */
export function readKucoin(): KucoinRecording {
  type Row = [string, string, string?];
  const rawSnapshots = new Map<string, { sequence: number; bids: Row[]; asks: Row[] }>();
  const rawUpdates: {
    symbol: string;
    localTsUs: number;
    sequenceStart: number;
    sequenceEnd: number;
    bids: Row[];
    asks: Row[];
  }[] = [];
  const decimals = new Map<string, { price: number; qty: number }>();
  const see = (symbol: string, rows: Row[]) => {
    const d = decimals.get(symbol) ?? { price: 0, qty: 0 };
    for (const [p, q] of rows) {
      d.price = Math.max(d.price, decimalsOf(p));
      d.qty = Math.max(d.qty, decimalsOf(q));
    }
    decimals.set(symbol, d);
  };
  for (const rec of readCryptofeed('kucoin/cryptofeed_KUCOIN.jsonl.gz')) {
    if (rec.t === 'http' && rec.url?.includes('/market/orderbook/level2?symbol=') && rec.data) {
      const symbol = rec.url.slice(rec.url.indexOf('symbol=') + 7);
      const d = JSON.parse(rec.data).data;
      see(symbol, d.bids);
      see(symbol, d.asks);
      if (!rawSnapshots.has(symbol))
        rawSnapshots.set(symbol, { sequence: Number(d.sequence), bids: d.bids, asks: d.asks });
    } else if (rec.t === 'recv' && rec.data?.includes('"subject":"trade.l2update"')) {
      const d = JSON.parse(rec.data).data;
      see(d.symbol, d.changes.bids);
      see(d.symbol, d.changes.asks);
      rawUpdates.push({
        symbol: d.symbol,
        localTsUs: Math.round(rec.ts * 1e6),
        sequenceStart: d.sequenceStart,
        sequenceEnd: d.sequenceEnd,
        bids: d.changes.bids,
        asks: d.changes.asks,
      });
    }
  }
  const level = (symbol: string, [p, q]: Row) => {
    const d = decimals.get(symbol) as { price: number; qty: number };
    return { priceTicks: decimalToUnits(p, d.price), qtyLots: decimalToUnits(q, d.qty) };
  };
  const unrepresentable: string[] = [];
  const snapshots: KucoinRecording['snapshots'] = new Map();
  for (const [symbol, s] of rawSnapshots) {
    try {
      // Convert every row once up front, so a symbol that does not fit is left out whole.
      for (const u of rawUpdates) if (u.symbol === symbol) for (const r of [...u.bids, ...u.asks]) level(symbol, r);
      snapshots.set(symbol, {
        sequence: s.sequence,
        bids: s.bids.map((r) => level(symbol, r)),
        asks: s.asks.map((r) => level(symbol, r)),
      });
    } catch (err) {
      if (!(err instanceof Error) || !err.message.includes('overflows a safe integer')) throw err;
      unrepresentable.push(symbol);
    }
  }
  const updates = rawUpdates
    .filter((u) => snapshots.has(u.symbol))
    .map((u) => {
      const changes: KucoinL2Update['changes'] = [];
      for (const [side, rows] of [
        ['bid', u.bids],
        ['ask', u.asks],
      ] as const) {
        for (const row of rows) changes.push({ side, ...level(u.symbol, row), sequence: Number(row[2]) });
      }
      changes.sort((a, b) => a.sequence - b.sequence);
      return {
        symbol: u.symbol,
        localTsUs: u.localTsUs,
        sequenceStart: u.sequenceStart,
        sequenceEnd: u.sequenceEnd,
        changes,
      };
    });
  return { snapshots, updates, unrepresentable };
}
