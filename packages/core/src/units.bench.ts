/**
 * Decimal string → integer ticks, against ccxt's exact string arithmetic (`Precise`) and the
 * float shortcut many bots use. Run: `pnpm vitest bench --run packages/core/src/units.bench.ts`.
 */
import ccxt from 'ccxt';
import { bench, describe } from 'vitest';
import { Instrument } from './instrument.js';
import { SeededRandom } from './random.js';

const instrument = new Instrument({
  venue: 'binanceus',
  symbol: 'BTC/USDT',
  base: 'BTC',
  quote: 'USDT',
  tickSize: '0.01000000',
  lotSize: '0.00001000',
});
const rng = new SeededRandom('units-bench');
/** 1000 Binance-style price strings (8 decimals, as the venue sends them). */
const prices = Array.from({ length: 1000 }, () => `${instrument.ticksToPrice(rng.int(5_000_000, 7_000_000))}000000`);
const { Precise } = ccxt;
let sink = 0;

describe('price string → ticks, 1000 Binance prices per iteration', () => {
  bench('@tickerml/core Instrument.priceToTicks (exact)', () => {
    for (const price of prices) sink += instrument.priceToTicks(price);
  });
  bench('ccxt Precise.stringDiv (exact, peer)', () => {
    for (const price of prices) sink += Number(Precise.stringDiv(price, '0.01'));
  });
  bench('Math.round(parseFloat(x) / 0.01) (float shortcut, not exact in general)', () => {
    for (const price of prices) sink += Math.round(Number.parseFloat(price) / 0.01);
  });
});

describe('ticks → price string, 1000 prices per iteration', () => {
  const ticks = prices.map((p) => instrument.priceToTicks(p));
  bench('@tickerml/core Instrument.ticksToPrice (exact)', () => {
    for (const t of ticks) sink += instrument.ticksToPrice(t).length;
  });
  bench('ccxt Precise.stringMul (exact, peer)', () => {
    for (const t of ticks) sink += (Precise.stringMul(String(t), '0.01') ?? '').length;
  });
});

export { sink };
