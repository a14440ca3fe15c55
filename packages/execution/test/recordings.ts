/**
 * Real recordings as event streams for tests and benchmarks.
 *
 * Reads the hftbacktest Binance spot sample (packages/exchanges/test/fixtures/binance, Apache-2.0,
 * see the LICENSE beside it) with Binance's synchronisation rules: the REST snapshot, then depth
 * updates with `u > lastUpdateId`; trades always. Prices and sizes convert exactly through core's
 * Instrument on the venue's real grid (tick 0.01 USDT). The CLI and the benchmark go through the
 * exchanges package's handler instead (`readEvents` in `@tickerml/exchanges`), whose replay infers the
 * grid from the text (8 decimals there); the unit tests keep this small reader so their
 * hand-checkable figures are in real ticks.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { Level, MarketEvent } from '@tickerml/core';
import { Instrument } from '@tickerml/core';

export const BINANCE_SAMPLE = fileURLToPath(
  new URL('../../exchanges/test/fixtures/binance/hftbacktest_spot_btcusdt_20240808.gz', import.meta.url),
);

export const BTCUSDT = new Instrument({
  venue: 'binance',
  symbol: 'BTC/USDT',
  base: 'BTC',
  quote: 'USDT',
  tickSize: '0.01',
  lotSize: '0.00000001',
  minNotional: '5',
});

/** The raw lines of the sample (decompressed once per process). */
let cachedLines: string[] | undefined;
export function binanceSampleLines(): string[] {
  cachedLines ??= gunzipSync(readFileSync(BINANCE_SAMPLE))
    .toString('utf8')
    .split('\n')
    .filter((l) => l.length > 0);
  return cachedLines;
}

const levels = (raw: Array<[string, string]>): Level[] =>
  raw.map(([p, q]) => ({ priceTicks: BTCUSDT.priceToTicks(p), qtyLots: BTCUSDT.qtyToLots(q) }));

/**
 * Parses the sample into normalized events (book snapshot, deltas, trades), in file order.
 * `venue` relabels the events (to replay the same data as a second venue); `shiftUs` moves every
 * timestamp (to repeat the recording end to end).
 */
export function binanceSampleEvents(opts: { venue?: string; shiftUs?: number; lines?: string[] } = {}): MarketEvent[] {
  const venue = opts.venue ?? 'binance';
  const shift = opts.shiftUs ?? 0;
  const out: MarketEvent[] = [];
  let lastUpdateId = -1;
  for (const line of opts.lines ?? binanceSampleLines()) {
    const sp = line.indexOf(' ');
    const localTs = Math.floor(Number(line.slice(0, sp)) / 1000) + shift;
    const msg = JSON.parse(line.slice(sp + 1));
    if (msg.lastUpdateId !== undefined) {
      lastUpdateId = msg.lastUpdateId;
      out.push({
        kind: 'book_snapshot',
        venue,
        symbol: 'BTC/USDT',
        exchTs: localTs,
        localTs,
        bids: levels(msg.bids),
        asks: levels(msg.asks),
      });
      continue;
    }
    const d = msg.data;
    if (d.e === 'depthUpdate') {
      if (lastUpdateId < 0 || d.u <= lastUpdateId) continue;
      out.push({
        kind: 'book_delta',
        venue,
        symbol: 'BTC/USDT',
        exchTs: d.E * 1000 + shift,
        localTs,
        seq: d.u,
        firstSeq: d.U,
        bids: levels(d.b),
        asks: levels(d.a),
      });
    } else if (d.e === 'trade') {
      out.push({
        kind: 'trade',
        venue,
        symbol: 'BTC/USDT',
        exchTs: d.T * 1000 + shift,
        localTs,
        tradeId: String(d.t),
        priceTicks: BTCUSDT.priceToTicks(d.p),
        qtyLots: BTCUSDT.qtyToLots(d.q),
        aggressor: d.m ? 'sell' : 'buy',
      });
    }
  }
  return out;
}
