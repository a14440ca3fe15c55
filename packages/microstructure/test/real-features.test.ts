import { describe, expect, it } from 'vitest';
import { TopOfBookFeatures } from '../src/features/book-features.js';
import { type OhlcvBar, OhlcvBarBuilder, ohlcvBatch } from '../src/features/ohlcv.js';
import {
  RealizedVolatility,
  RollingVwap,
  realizedVolatilityBatch,
  rollingVwapBatch,
  TradeFlowImbalance,
  tradeFlowImbalanceBatch,
} from '../src/features/windows.js';
import { L2Book } from '../src/l2-book.js';
import { readBinance } from './recordings.js';

// The features on 346 s of real Binance BTCUSDT trades and book diffs.
describe('features on the real Binance recording', () => {
  const rec = readBinance();
  const trades = rec.trades;
  const ts = trades.map((t) => t.localTsUs);
  const price = trades.map((t) => t.priceTicks);
  const qty = trades.map((t) => t.qtyLots);
  const aggressor = trades.map((t) => t.aggressor);

  it('streaming and batch agree on every trade (10 s windows)', () => {
    const tfi = new TradeFlowImbalance(10_000_000);
    const vwap = new RollingVwap(10_000_000);
    const tfiStream = trades.map((t) => tfi.onTrade(t.localTsUs, t.qtyLots, t.aggressor));
    const vwapStream = trades.map((t) => vwap.onTrade(t.localTsUs, t.priceTicks, t.qtyLots));
    expect(tfiStream).toEqual(Array.from(tradeFlowImbalanceBatch(ts, qty, aggressor, 10_000_000)));
    const vwapBatch = rollingVwapBatch(ts, price, qty, 10_000_000);
    for (let i = 0; i < trades.length; i++)
      expect(Math.abs((vwapStream[i] as number) - (vwapBatch[i] as number))).toBeLessThan(
        1e-9 * (vwapBatch[i] as number),
      );
    // A VWAP is always inside the traded range of its window.
    const lo = Math.min(...price);
    const hi = Math.max(...price);
    for (const v of vwapStream) expect(v >= lo && v <= hi).toBe(true);
  });

  it('realised volatility of the mid after every book diff matches the batch', () => {
    const book = new L2Book();
    book.applySnapshot(rec.snapshot.bids, rec.snapshot.asks);
    const tob = new TopOfBookFeatures();
    const vol = new RealizedVolatility(30_000_000);
    const sampleTs: number[] = [];
    const mids: number[] = [];
    const streamed: number[] = [];
    for (const d of rec.diffs) {
      if (d.lastUpdateId <= rec.snapshot.lastUpdateId) continue;
      book.applyDelta(d);
      tob.update(book);
      sampleTs.push(d.localTsUs);
      mids.push(tob.midTicks);
      streamed.push(vol.onPrice(d.localTsUs, tob.midTicks));
    }
    const batch = realizedVolatilityBatch(sampleTs, mids, 30_000_000);
    for (let i = 0; i < streamed.length; i++)
      expect(Math.abs((streamed[i] as number) - (batch[i] as number))).toBeLessThanOrEqual(
        1e-12 + 1e-9 * (batch[i] as number),
      );
    expect(Math.max(...streamed)).toBeGreaterThan(0);
    expect(Math.max(...streamed)).toBeLessThan(0.05); // 30 s of BTC does not move 5 %
  });

  it('one-second bars from the stream equal the batch bars and conserve volume', () => {
    const bars: OhlcvBar[] = [];
    const builder = new OhlcvBarBuilder(1_000_000, (b) => bars.push(b));
    for (const t of trades) builder.onTrade(t.localTsUs, t.priceTicks, t.qtyLots);
    const forming = builder.current();
    if (forming) bars.push(forming);
    expect(bars).toEqual(ohlcvBatch(ts, price, qty, 1_000_000));
    expect(bars.reduce((s, b) => s + b.volumeLots, 0)).toBe(qty.reduce((s, q) => s + q, 0));
    expect(bars.length).toBeGreaterThan(250);
  });
});
