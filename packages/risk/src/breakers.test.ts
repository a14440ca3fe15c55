import { describe, expect, it } from 'vitest';
import { CircuitBreakers } from './breakers.js';
import { DEFAULT_RISK_LIMITS } from './limits.js';

const limits = {
  ...DEFAULT_RISK_LIMITS.breakers,
  staleFeedUs: 5_000_000,
  cooldownUs: 10_000_000,
  gapStormCount: 3,
  gapStormWindowUs: 60_000_000,
  maxSpreadBps: 50,
};
const S = 1_000_000;

describe('CircuitBreakers', () => {
  it('stale feed: halts just past the limit, not at it, and lifts after the cooldown once data is back', () => {
    const b = new CircuitBreakers(limits);
    b.onMarketEvent('kraken', 'BTC/USD', 0);
    expect(b.haltsFor('kraken', 'BTC/USD', 5 * S)).toEqual([]);
    const h = b.haltsFor('kraken', 'BTC/USD', 5 * S + 1);
    expect(h.map((x) => x.rule)).toEqual(['stale_feed']);
    b.onMarketEvent('kraken', 'BTC/USD', 6 * S);
    expect(b.haltsFor('kraken', 'BTC/USD', 6 * S + 1)).toHaveLength(1); // cooling down
    for (let t = 7; t <= 16; t++) b.onMarketEvent('kraken', 'BTC/USD', t * S);
    expect(b.haltsFor('kraken', 'BTC/USD', 16 * S - 1)).toHaveLength(1);
    expect(b.haltsFor('kraken', 'BTC/USD', 16 * S)).toEqual([]);
    expect(b.haltsFor('kraken', 'ETH/USD', 16 * S)).toEqual([]);
  });

  it('gap storm: count above the limit within the window halts the whole venue', () => {
    const b = new CircuitBreakers(limits);
    for (let i = 0; i < 3; i++) b.onGap('kucoin', i * S);
    expect(b.haltsFor('kucoin', 'BTC/USDT', 3 * S)).toEqual([]);
    b.onGap('kucoin', 4 * S);
    b.onMarketEvent('kucoin', 'ETH/USDT', 4 * S);
    expect(b.haltsFor('kucoin', 'ETH/USDT', 4 * S).map((h) => h.rule)).toEqual(['gap_storm']);
    // The first gap leaves the window at 60 s; the cooldown then runs 10 s.
    b.onMarketEvent('kucoin', 'ETH/USDT', 61 * S);
    expect(b.haltsFor('kucoin', 'ETH/USDT', 61 * S)).toHaveLength(1);
    b.onMarketEvent('kucoin', 'ETH/USDT', 71 * S);
    expect(b.haltsFor('kucoin', 'ETH/USDT', 71 * S)).toEqual([]);
  });

  it('spread blowout: 50 bp passes, just above halts; a crossed book halts', () => {
    const b = new CircuitBreakers(limits);
    b.onQuote('binanceus', 'BTC/USDT', 99.75, 100.25, 0); // (0.5 / 100) = 50 bp exactly
    expect(b.haltsFor('binanceus', 'BTC/USDT', 0)).toEqual([]);
    b.onQuote('binanceus', 'BTC/USDT', 99.74, 100.26, 1);
    expect(b.haltsFor('binanceus', 'BTC/USDT', 1)[0]?.detail).toMatch(/spread 52\.0 bp > 50 bp/);
    const c = new CircuitBreakers(limits);
    c.onQuote('binanceus', 'BTC/USDT', 100, 100, 0);
    expect(c.haltsFor('binanceus', 'BTC/USDT', 0)[0]?.detail).toMatch(/crossed/);
  });

  it('price jump: a move beyond k sigma halts the symbol, then lifts after the cooldown', () => {
    const b = new CircuitBreakers({ ...limits, priceJumpSigmas: 8, priceJumpWindow: 50 });
    let mid = 100;
    for (let i = 0; i < 40; i++) {
      mid *= i % 2 === 0 ? 1.0001 : 1 / 1.0001; // ±1 bp
      b.onQuote('coinbase', 'BTC/USD', mid - 0.005, mid + 0.005, i * 1000);
    }
    expect(b.haltsFor('coinbase', 'BTC/USD', 40_000)).toEqual([]);
    b.onQuote('coinbase', 'BTC/USD', mid * 1.002 - 0.005, mid * 1.002 + 0.005, 41_000); // 20 bp ≈ 20σ
    const h = b.haltsFor('coinbase', 'BTC/USD', 41_000);
    expect(h.map((x) => x.rule)).toEqual(['price_jump']);
    b.onMarketEvent('coinbase', 'BTC/USD', 41_000 + 10 * S - 1);
    expect(b.haltsFor('coinbase', 'BTC/USD', 41_000 + 10 * S - 1)).toHaveLength(1);
    expect(b.haltsFor('coinbase', 'BTC/USD', 41_000 + 10 * S)).toEqual([]);
  });

  it('venue disconnected: halts until reconnect plus cooldown', () => {
    const b = new CircuitBreakers(limits);
    b.onDisconnected('coinbase', 0, 'socket closed 1006');
    expect(b.haltsFor('coinbase', 'ETH/USD', 1)[0]?.rule).toBe('venue_disconnected');
    b.onConnected('coinbase', 2 * S);
    expect(b.haltsFor('coinbase', 'ETH/USD', 12 * S - 1)).toHaveLength(1);
    expect(b.haltsFor('coinbase', 'ETH/USD', 12 * S)).toEqual([]);
  });
});

describe('CircuitBreakers: absolute jump cap', () => {
  it('halts on a move beyond maxPriceJumpFraction even without volatility history', () => {
    const b = new CircuitBreakers({ ...limits, maxPriceJumpFraction: 0.05 });
    b.onQuote('kraken', 'ETH/USD', 99.99, 100.01, 0);
    b.onQuote('kraken', 'ETH/USD', 104.98, 105, 1); // +4.99 %: under the cap, passes
    expect(b.haltsFor('kraken', 'ETH/USD', 1)).toEqual([]);
    b.onQuote('kraken', 'ETH/USD', 110.24, 110.26, 2); // +5.01 %
    expect(b.haltsFor('kraken', 'ETH/USD', 2)[0]?.detail).toMatch(/mid moved 5\.01 % > 5 %/);
  });
});
