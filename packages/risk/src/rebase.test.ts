/**
 * A price series that restarts (a book rebuilt after a resync, a replayed recording re-anchored
 * at its loop) is not a market move: the price-jump breaker and the volatility estimate must not
 * see the step across it, and keep judging the moves after it as before.
 */
import { describe, expect, it } from 'vitest';
import { CircuitBreakers } from './breakers.js';
import { RiskEngine } from './engine.js';
import { resolveRiskLimits } from './limits.js';

const limits = resolveRiskLimits();

function walk(breakers: CircuitBreakers, from: number, n: number, t0: number): number {
  let mid = from;
  for (let i = 0; i < n; i++) {
    mid *= i % 2 === 0 ? 1.0001 : 0.9999; // ±1 bp
    breakers.onQuote('binance', 'BTC/USDT', mid - 0.005, mid + 0.005, t0 + i * 100_000);
  }
  return mid;
}

describe('rebase: a restarted price series', () => {
  it('the breaker does not halt on the step across a rebase, and still halts on a jump after it', () => {
    const b = new CircuitBreakers(limits.breakers);
    const mid = walk(b, 60_000, 200, 0);
    b.rebase('binance', 'BTC/USDT');
    // The loop starts 5 % lower: not a move.
    const t = 200 * 100_000;
    b.onQuote('binance', 'BTC/USDT', mid * 0.95 - 0.005, mid * 0.95 + 0.005, t);
    expect(b.haltsFor('binance', 'BTC/USDT', t)).toEqual([]);
    const after = walk(b, mid * 0.95, 50, t + 100_000);
    expect(b.haltsFor('binance', 'BTC/USDT', t + 51 * 100_000)).toEqual([]);
    // A real 1 % jump after it is still a jump.
    b.onQuote('binance', 'BTC/USDT', after * 1.01 - 0.005, after * 1.01 + 0.005, t + 52 * 100_000);
    expect(b.haltsFor('binance', 'BTC/USDT', t + 52 * 100_000).map((h) => h.rule)).toEqual(['price_jump']);
  });

  it('without the rebase the same step halts (the check is live)', () => {
    const b = new CircuitBreakers(limits.breakers);
    const mid = walk(b, 60_000, 200, 0);
    b.onQuote('binance', 'BTC/USDT', mid * 0.95 - 0.005, mid * 0.95 + 0.005, 200 * 100_000);
    expect(b.haltsFor('binance', 'BTC/USDT', 200 * 100_000).map((h) => h.rule)).toEqual(['price_jump']);
  });

  it('the volatility estimate does not take the step as a return', () => {
    const calm = (rebase: boolean) => {
      const r = new RiskEngine(limits);
      let mid = 60_000;
      for (let s = 0; s < 120; s++) {
        mid *= s % 2 === 0 ? 1.0002 : 0.9998;
        if (s === 60) {
          if (rebase) r.rebase('binance', 'BTC/USDT');
          mid *= 0.95;
        }
        r.observeMid('binance', 'BTC/USDT', mid, s * 1_000_000 + 500_000);
      }
      return r.volatility('binance', 'BTC/USDT');
    };
    const withRebase = calm(true);
    const without = calm(false);
    expect(withRebase).toBeGreaterThan(0);
    expect(withRebase).toBeLessThan(0.001);
    expect(without).toBeGreaterThan(5 * withRebase);
  });
});

describe('sigma collapse: quotes faster than the recorded pace', () => {
  it('an ordinary few-bp move after many tiny ones is not a jump; a large one still is', () => {
    const b = new CircuitBreakers(limits.breakers);
    // 200 updates of ±0.1 bp: the per-update σ collapses to ~0.1 bp.
    let mid = 60_000;
    for (let i = 0; i < 200; i++) {
      mid *= i % 2 === 0 ? 1.00001 : 0.99999;
      b.onQuote('binance', 'BTC/USDT', mid - 0.005, mid + 0.005, i * 1_000);
    }
    // −7.6 bp: 76σ of this series, an everyday BTC move (the demo at --speed 0 refused on these).
    mid *= 1 - 0.00076;
    b.onQuote('binance', 'BTC/USDT', mid - 0.005, mid + 0.005, 200_000);
    expect(b.haltsFor('binance', 'BTC/USDT', 200_000)).toEqual([]);
    // −50 bp in one update: a jump.
    mid *= 0.995;
    b.onQuote('binance', 'BTC/USDT', mid - 0.005, mid + 0.005, 201_000);
    expect(b.haltsFor('binance', 'BTC/USDT', 201_000).map((h) => h.rule)).toEqual(['price_jump']);
  });
});
