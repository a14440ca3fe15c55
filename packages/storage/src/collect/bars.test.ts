import { describe, expect, it } from 'vitest';
import { type InstrumentBar, TradeBars } from './bars.js';
import { CollectOptionError } from './errors.js';

const M = 60_000_000;
const trade = (localTs: number, priceTicks: number, qtyLots = 1, symbol = 'BTC/USDT') => ({
  venue: 'binance',
  symbol,
  localTs,
  priceTicks,
  qtyLots,
});

function make() {
  const bars: InstrumentBar[] = [];
  return { bars, builder: new TradeBars({ onBar: (b) => bars.push(b) }) };
}
const ohlc = (b: InstrumentBar) => [
  b.startTs,
  b.openTicks,
  b.highTicks,
  b.lowTicks,
  b.closeTicks,
  b.volumeLots,
  b.tradeCount,
];

describe('TradeBars', () => {
  it('buckets by localTs into [k·60 s, (k+1)·60 s): a trade exactly on the boundary opens the next bar', () => {
    const { bars, builder } = make();
    builder.onTrade(trade(10 * M + 1, 100, 2));
    builder.onTrade(trade(10 * M + 30_000_000, 105, 1));
    builder.onTrade(trade(11 * M - 1, 95, 3));
    expect(bars).toHaveLength(0); // still forming
    builder.onTrade(trade(11 * M, 96, 1));
    expect(bars.map(ohlc)).toEqual([[10 * M, 100, 105, 95, 95, 6, 3]]);
    expect(bars[0]?.endTs).toBe(11 * M);
    expect(bars[0]?.venue).toBe('binance');
  });

  it('emits no bar for a minute without trades (no flat bar carried over)', () => {
    const { bars, builder } = make();
    builder.onTrade(trade(1 * M + 5, 100));
    builder.onTrade(trade(4 * M + 5, 101));
    builder.flush();
    expect(bars.map((b) => b.startTs)).toEqual([1 * M, 4 * M]);
  });

  it('closes a quiet bar on time from any later event, per instrument', () => {
    const { bars, builder } = make();
    builder.onTrade(trade(1 * M + 5, 100));
    builder.onTrade(trade(1 * M + 6, 200, 1, 'ETH/USDT'));
    builder.closeUntil(2 * M - 1);
    expect(bars).toHaveLength(0);
    builder.closeUntil(2 * M);
    expect(bars.map((b) => `${b.symbol} ${b.startTs}`)).toEqual([`BTC/USDT ${M}`, `ETH/USDT ${M}`]);
    builder.closeUntil(9 * M);
    expect(bars).toHaveLength(2);
  });

  it('leaves out a late trade whose minute was already emitted, and counts it', () => {
    const { bars, builder } = make();
    builder.onTrade(trade(1 * M + 5, 100));
    expect(builder.onTrade(trade(2 * M + 5, 101))).toBe(true);
    expect(builder.onTrade(trade(1 * M + 50, 999))).toBe(false); // minute 1 is out already
    builder.closeUntil(3 * M);
    expect(builder.onTrade(trade(2 * M + 7, 999))).toBe(false); // minute 2 closed by time
    expect(builder.lateTrades).toBe(2);
    expect(bars.map(ohlc)).toEqual([
      [1 * M, 100, 100, 100, 100, 1, 1],
      [2 * M, 101, 101, 101, 101, 1, 1],
    ]);
  });

  it('takes an out-of-order trade inside the forming bar in arrival order', () => {
    const { bars, builder } = make();
    builder.onTrade(trade(1 * M + 50, 100));
    builder.onTrade(trade(1 * M + 10, 90)); // earlier stamp, same minute: joins, sets close and low
    builder.flush();
    expect(bars.map(ohlc)).toEqual([[1 * M, 100, 100, 90, 90, 2, 2]]);
  });

  it('flush writes the forming bars; later trades of those minutes are late', () => {
    const { bars, builder } = make();
    builder.onTrade(trade(1 * M + 5, 100));
    builder.flush();
    builder.flush();
    expect(bars).toHaveLength(1);
    expect(builder.onTrade(trade(1 * M + 9, 100))).toBe(false);
    expect(builder.barsEmitted).toBe(1);
  });

  it('with a grace, closes a bar from other events only once the grace has passed', () => {
    const bars: InstrumentBar[] = [];
    const builder = new TradeBars({ onBar: (b) => bars.push(b), closeGraceUs: 5_000_000 });
    builder.onTrade(trade(1 * M + 5, 100));
    builder.closeUntil(2 * M + 4_999_999);
    expect(builder.onTrade(trade(2 * M - 1, 101))).toBe(true); // behind the other events, inside the grace
    builder.closeUntil(2 * M + 5_000_000);
    expect(bars.map(ohlc)).toEqual([[1 * M, 100, 101, 100, 101, 2, 2]]);
    // A trade of the next minute still closes its instrument's bar at once.
    builder.onTrade(trade(3 * M, 102));
    builder.onTrade(trade(4 * M, 103));
    expect(bars.map((b) => b.startTs)).toEqual([1 * M, 3 * M]);
    expect(() => new TradeBars({ onBar: () => {}, closeGraceUs: -1 })).toThrow(/closeGraceUs/);
  });

  it('refuses an interval that is not a positive integer', () => {
    expect(() => new TradeBars({ intervalUs: 0, onBar: () => {} })).toThrow(CollectOptionError);
    expect(() => new TradeBars({ intervalUs: 0.5, onBar: () => {} })).toThrow(/ohlcv intervalUs/);
  });
});
