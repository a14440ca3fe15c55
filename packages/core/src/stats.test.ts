import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from './errors.js';
import { SeededRandom } from './random.js';
import {
  deflatedSharpeRatio,
  expectedMaxSharpe,
  hitRate,
  maxDrawdown,
  moments,
  normalCdf,
  normalQuantile,
  probabilisticSharpeRatio,
  SHARPE_MINIMUMS,
  sharpeFromEquity,
  sharpeRatio,
  simpleReturns,
  standardDeviation,
  turnover,
  YEAR_US,
} from './stats.js';

describe('normal distribution', () => {
  it('matches tabulated values of Φ and Φ⁻¹', () => {
    // Standard normal table values (Abramowitz & Stegun, table 26.1).
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(1)).toBeCloseTo(0.8413447460685429, 14);
    expect(normalCdf(-1.96)).toBeCloseTo(0.024997895148220435, 14);
    expect(normalCdf(3)).toBeCloseTo(0.9986501019683699, 14);
    expect(normalCdf(-6)).toBeCloseTo(9.865876450376946e-10, 18);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12);
    expect(normalQuantile(0.99)).toBeCloseTo(2.3263478740408408, 12);
    expect(normalQuantile(1e-9)).toBeCloseTo(-5.997807015007686, 9);
    for (const p of [0.001, 0.2, 0.5, 0.77, 0.999]) expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 14);
    expect(() => normalQuantile(1.5)).toThrow(InvalidArgumentError);
  });
});

describe('sharpeRatio', () => {
  it('gives no annualised figure for a 346 s recording at 1 s samples, with the count and a warning', () => {
    // Issue 15 point 9: such a run printed an annualised −3,548. Per-sample mean −0.0632 %, sd 0.1 %.
    const rng = new SeededRandom(9);
    const returns = Array.from({ length: 346 }, () => rng.normal(-0.000632, 0.001));
    const r = sharpeRatio(returns, { intervalUs: 1_000_000 });
    expect(r.samples).toBe(346);
    expect(r.annualised).toBeNull();
    expect(r.warning).toMatch(/only 346 returns over 5\.767 min .*not annualised/);
    expect(r.perSample).toBeLessThan(-0.3);
    expect(r.perSample).toBeCloseTo(
      returns.reduce((a, b) => a + b, 0) / returns.length / standardDeviation(returns),
      12,
    );
  });

  it('annualises by the actual sampling interval once the minimums are met', () => {
    const rng = new SeededRandom(3);
    const daily = Array.from({ length: 400 }, () => rng.normal(0.001, 0.01));
    const r = sharpeRatio(daily, { intervalUs: 86_400_000_000 });
    expect(r.warning).toBeNull();
    expect(r.periodsPerYear).toBe(365);
    expect(r.annualised).toBeCloseTo(r.perSample * Math.sqrt(365), 12);
    // The same returns read as hourly samples scale by √8760, and span 400 h < 30 d: refused.
    const hourly = sharpeRatio(daily, { intervalUs: 3_600_000_000 });
    expect(hourly.annualised).toBeNull();
    expect(sharpeRatio(daily, { intervalUs: 3_600_000_000, minSpanUs: 0 }).annualised).toBeCloseTo(
      r.perSample * Math.sqrt(8760),
      10,
    );
    expect(SHARPE_MINIMUMS.minSamples).toBe(30);
  });

  it('says why when the ratio is undefined, and refuses a bad interval', () => {
    expect(sharpeRatio([0.01], { intervalUs: 1 }).warning).toMatch(/only 1 returns/);
    expect(sharpeRatio([0.01, 0.01, 0.01], { intervalUs: 1 }).warning).toMatch(/no variance/);
    expect(Number.isNaN(sharpeRatio([], { intervalUs: 1 }).perSample)).toBe(true);
    expect(() => sharpeRatio([0.1, 0.2], { intervalUs: 0 })).toThrow(InvalidArgumentError);
  });

  it('reads the interval from an equity curve’s timestamps, not a nominal cadence', () => {
    // Samples 2 s apart: 60 returns over 120 s.
    const curve = Array.from({ length: 61 }, (_, i) => ({ atUs: i * 2_000_000, value: 100 + (i % 3) }));
    const s = sharpeFromEquity(curve, { minSpanUs: 0 });
    expect(s.intervalUs).toBe(2_000_000);
    expect(s.samples).toBe(60);
    expect(s.periodsPerYear).toBe(YEAR_US / 2_000_000);
    expect(s.annualised).toBeCloseTo(
      sharpeRatio(simpleReturns(curve.map((p) => p.value)), { intervalUs: 2e6, minSpanUs: 0 }).annualised as number,
      12,
    );
  });
});

describe('probabilistic and deflated Sharpe ratios', () => {
  it('reproduces the numerical example of Bailey & López de Prado (2014), "The Deflated Sharpe Ratio", JPM 40(5)', () => {
    // Section "A numerical example" (SSRN 2460551, also quoted in Wikipedia's "Deflated Sharpe
    // ratio"): a strategy with annualised SR 2.5 over 5 years of daily returns (T = 1,250),
    // selected after N = 100 trials whose annualised Sharpe ratios have variance 0.5, with
    // skewness −3 and kurtosis 10. The paper finds SR0 ≈ 0.1132 (per day) and DSR ≈ 0.9004.
    const sr0 = expectedMaxSharpe(100, 0.5 / 250);
    expect(sr0).toBeCloseTo(0.1132, 4);
    const dsr = deflatedSharpeRatio({
      sharpe: 2.5 / Math.sqrt(250),
      samples: 1250,
      skewness: -3,
      kurtosis: 10,
      trials: 100,
      trialSharpeVariance: 0.5 / 250,
    });
    expect(dsr).toBeCloseTo(0.9004, 3);
    // The DSR is the PSR against SR0 (eq. 2 of the same paper).
    expect(
      probabilisticSharpeRatio({
        sharpe: 2.5 / Math.sqrt(250),
        samples: 1250,
        skewness: -3,
        kurtosis: 10,
        benchmark: sr0,
      }),
    ).toBe(dsr);
  });

  it('PSR: 0.5 at the benchmark, lower for negative skew and fat tails, higher with more samples', () => {
    const base = { sharpe: 0.1, samples: 250, skewness: 0, kurtosis: 3 };
    expect(probabilisticSharpeRatio({ ...base, benchmark: 0.1 })).toBe(0.5);
    // Normal returns: Φ(0.1·√249 / √(1 + 0.005)).
    expect(probabilisticSharpeRatio(base)).toBeCloseTo(normalCdf((0.1 * Math.sqrt(249)) / Math.sqrt(1.005)), 14);
    expect(probabilisticSharpeRatio({ ...base, skewness: -2, kurtosis: 9 })).toBeLessThan(
      probabilisticSharpeRatio(base),
    );
    expect(probabilisticSharpeRatio({ ...base, samples: 1000 })).toBeGreaterThan(probabilisticSharpeRatio(base));
    expect(Number.isNaN(probabilisticSharpeRatio({ ...base, samples: 1 }))).toBe(true);
  });

  it('one trial deflates nothing; more trials deflate more', () => {
    expect(expectedMaxSharpe(1, 0.01)).toBe(0);
    expect(expectedMaxSharpe(10, 0.01)).toBeLessThan(expectedMaxSharpe(1000, 0.01));
    expect(() => expectedMaxSharpe(0, 0.01)).toThrow(InvalidArgumentError);
  });

  it('moments are the biased ones the papers use (0 and 3 for a large normal sample)', () => {
    const rng = new SeededRandom(5);
    const m = moments(Array.from({ length: 200_000 }, () => rng.normal(0, 1)));
    expect(m.skewness).toBeCloseTo(0, 1);
    expect(m.kurtosis).toBeCloseTo(3, 1);
    // Hand-computed: values 1,2,3,10 → mean 4, deviations −3,−2,−1,6: m2 = 12.5, m3 = 45, m4 = 348.5
    const small = moments([1, 2, 3, 10]);
    expect(small.skewness).toBeCloseTo(-(27 + 8 + 1 - 216) / 4 / 12.5 ** 1.5, 12);
    expect(small.kurtosis).toBeCloseTo((81 + 16 + 1 + 1296) / 4 / 12.5 ** 2, 12);
  });
});

describe('hit rate, drawdown, turnover', () => {
  it('computes them by hand-checked examples', () => {
    expect(hitRate([0.01, -0.02, 0, 0.03])).toBeCloseTo(2 / 3, 15);
    expect(Number.isNaN(hitRate([0, 0]))).toBe(true);
    expect(maxDrawdown([100, 120, 90, 130, 120])).toEqual({ fraction: 0.25, amount: 30, peakIndex: 1, troughIndex: 2 });
    expect(maxDrawdown([1, 2, 3]).fraction).toBe(0);
    expect(turnover(25_000, 10_000)).toBe(2.5);
    expect(Number.isNaN(turnover(1, 0))).toBe(true);
    expect(simpleReturns([100, 110, 99])).toEqual([0.10000000000000009, -0.09999999999999998]);
  });
});
