/**
 * Performance statistics that do not flatter: the Sharpe ratio annualised by the real sampling
 * interval (with its sample count beside it, and no annualised figure at all under a minimum
 * sample count and span), the probabilistic and deflated Sharpe ratios of Bailey and López de
 * Prado, hit rate, maximum drawdown and turnover.
 *
 * Pure functions on plain numbers: the backtest report (`@tickerml/execution`) and the learning
 * code (`@tickerml/rl`) call the same ones, so a figure means the same thing everywhere.
 *
 * @module
 */
import { InvalidArgumentError } from './errors.js';

/** One year, in microseconds (365 days: crypto trades every day). */
export const YEAR_US = 365 * 86_400 * 1_000_000;

/** Euler–Mascheroni constant γ, used by {@link expectedMaxSharpe}. */
const EULER_GAMMA = 0.5772156649015329;

/**
 * Below these, {@link sharpeRatio} gives no annualised figure and says why.
 *
 * - `minSamples`: 30 returns (fewer cannot estimate a standard deviation worth scaling);
 * - `minSpanUs`: 30 days. Scaling √(periods per year) multiplies the per-sample ratio by ~5,600
 *   at 1 s samples: a few minutes of data then reads like a decade of skill or ruin.
 */
export const SHARPE_MINIMUMS = { minSamples: 30, minSpanUs: 30 * 86_400 * 1_000_000 } as const;

/** Options of {@link sharpeRatio}. */
export interface SharpeOptions {
  /** The time between two consecutive return samples, µs (the actual interval, not a nominal one). */
  readonly intervalUs: number;
  /** Fewest returns for an annualised figure. Defaults to {@link SHARPE_MINIMUMS}`.minSamples` (30). */
  readonly minSamples?: number;
  /** Shortest span (`samples × intervalUs`) for an annualised figure, µs. Defaults to 30 days. */
  readonly minSpanUs?: number;
}

/** A Sharpe ratio with what it rests on. */
export interface SharpeResult {
  /** Mean ÷ sample standard deviation (n − 1) of the per-sample returns; NaN with fewer than 2 returns or no variance. */
  readonly perSample: number;
  /** `perSample × √(periodsPerYear)`, or `null` when a minimum is not met (see {@link warning}). */
  readonly annualised: number | null;
  /** Number of returns used. */
  readonly samples: number;
  /** Sampling interval, µs. */
  readonly intervalUs: number;
  /** `samples × intervalUs`, µs. */
  readonly spanUs: number;
  /** Return samples per 365-day year at this interval. */
  readonly periodsPerYear: number;
  /** Why no annualised figure is given (or why the ratio is undefined); `null` when there is none. */
  readonly warning: string | null;
}

function checkFinitePositive(value: number, what: string): void {
  if (!Number.isFinite(value) || value <= 0) throw new InvalidArgumentError(String(value), what);
}

function formatSpan(us: number): string {
  const s = us / 1e6;
  if (s < 120) return `${Number(s.toPrecision(4))} s`;
  if (s < 7_200) return `${Number((s / 60).toPrecision(4))} min`;
  if (s < 172_800) return `${Number((s / 3_600).toPrecision(4))} h`;
  return `${Number((s / 86_400).toPrecision(4))} d`;
}

/** Arithmetic mean; NaN for no values. */
export function mean(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i] as number;
  return sum / n;
}

/**
 * Sample standard deviation (divides by n − 1); NaN with fewer than 2 values.
 *
 * @example
 * ```ts
 * standardDeviation([1, 2, 3, 4]); // 1.2909944487358056
 * ```
 */
export function standardDeviation(values: ArrayLike<number>): number {
  const n = values.length;
  if (n < 2) return Number.NaN;
  const m = mean(values);
  let ss = 0;
  for (let i = 0; i < n; i++) ss += ((values[i] as number) - m) ** 2;
  return Math.sqrt(ss / (n - 1));
}

/**
 * Simple returns between consecutive equity values: `e[i] / e[i−1] − 1` (a zero previous equity
 * is skipped).
 *
 * @example
 * ```ts
 * simpleReturns([100, 110, 99]); // [0.1, -0.1]
 * ```
 */
export function simpleReturns(equity: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 1; i < equity.length; i++) {
    const prev = equity[i - 1] as number;
    if (prev !== 0) out.push((equity[i] as number) / prev - 1);
  }
  return out;
}

/**
 * The Sharpe ratio of per-sample returns (risk-free rate 0), annualised by the sampling interval
 * only when there are at least `minSamples` returns spanning at least `minSpanUs`; otherwise
 * `annualised` is `null` and `warning` says what was missing. The sample count is always given.
 *
 * @throws {InvalidArgumentError} when `intervalUs` is not a positive number
 * @example
 * ```ts
 * // 346 one-second returns: the per-sample ratio, and no annualised figure.
 * const r = sharpeRatio(returns, { intervalUs: 1_000_000 });
 * r.samples; // 346
 * r.annualised; // null
 * r.warning; // 'only 346 returns over 5.767 min (minimum 30 returns over 30 d): not annualised'
 * ```
 */
export function sharpeRatio(returns: ArrayLike<number>, options: SharpeOptions): SharpeResult {
  checkFinitePositive(options.intervalUs, 'a positive sampling interval in µs');
  const minSamples = options.minSamples ?? SHARPE_MINIMUMS.minSamples;
  const minSpanUs = options.minSpanUs ?? SHARPE_MINIMUMS.minSpanUs;
  const samples = returns.length;
  const std = standardDeviation(returns);
  const perSample = std > 0 ? mean(returns) / std : Number.NaN;
  const spanUs = samples * options.intervalUs;
  const periodsPerYear = YEAR_US / options.intervalUs;
  let warning: string | null = null;
  if (Number.isNaN(perSample)) {
    warning = samples < 2 ? `only ${samples} returns: no Sharpe ratio` : 'returns have no variance: no Sharpe ratio';
  } else if (samples < minSamples || spanUs < minSpanUs) {
    warning = `only ${samples} returns over ${formatSpan(spanUs)} (minimum ${minSamples} returns over ${formatSpan(minSpanUs)}): not annualised`;
  }
  return {
    perSample,
    annualised: warning === null ? perSample * Math.sqrt(periodsPerYear) : null,
    samples,
    intervalUs: options.intervalUs,
    spanUs,
    periodsPerYear,
    warning,
  };
}

/** A time-stamped value: an equity sample. */
export interface TimedValue {
  /** Time, µs since the epoch. */
  readonly atUs: number;
  /** The value (equity in quote currency). */
  readonly value: number;
}

/**
 * {@link sharpeRatio} of an equity curve's simple returns, at the curve's actual mean sampling
 * interval `(last.atUs − first.atUs) / returns` (not a nominal cadence).
 *
 * @example
 * ```ts
 * const s = sharpeFromEquity(curve.map((p) => ({ atUs: p.atUs, value: Number(p.equity) })));
 * console.log(s.annualised ?? `n/a (${s.warning})`, s.samples);
 * ```
 */
export function sharpeFromEquity(
  curve: readonly TimedValue[],
  options: Omit<SharpeOptions, 'intervalUs'> = {},
): SharpeResult {
  const returns = simpleReturns(curve.map((p) => p.value));
  const first = curve[0];
  const last = curve[curve.length - 1];
  const spanUs = first !== undefined && last !== undefined ? last.atUs - first.atUs : 0;
  const intervalUs = returns.length > 0 && spanUs > 0 ? spanUs / returns.length : 1;
  return sharpeRatio(returns, { ...options, intervalUs });
}

/** Sample skewness and (non-excess) kurtosis, from the biased central moments (a normal sample gives ≈ 0 and ≈ 3). */
export interface Moments {
  /** Third standardised moment. */
  readonly skewness: number;
  /** Fourth standardised moment (3 for a normal distribution). */
  readonly kurtosis: number;
}

/**
 * Skewness and kurtosis of `values` from the biased moments `m_k = Σ(x − x̄)^k / n`, as Bailey
 * and López de Prado use them (`scipy.stats.skew`, `kurtosis(fisher=False)`). NaN for fewer than 2
 * values or no variance.
 *
 * @example
 * ```ts
 * moments([1, 2, 3, 10]); // { skewness: 1.018…, kurtosis: 2.2304 }
 * ```
 */
export function moments(values: ArrayLike<number>): Moments {
  const n = values.length;
  const m = mean(values);
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = (values[i] as number) - m;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  if (n < 2 || m2 === 0) return { skewness: Number.NaN, kurtosis: Number.NaN };
  m2 /= n;
  m3 /= n;
  m4 /= n;
  return { skewness: m3 / m2 ** 1.5, kurtosis: m4 / (m2 * m2) };
}

/**
 * The standard normal cumulative distribution Φ(x), to about 1e-15: the Taylor series
 * `½ + φ(x)·Σ x^(2k+1)/(2k+1)!!` for |x| < 5, the Laplace continued fraction of the tail beyond.
 *
 * @example
 * ```ts
 * normalCdf(1.959963984540054); // 0.975
 * ```
 */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x === Number.POSITIVE_INFINITY) return 1;
  if (x === Number.NEGATIVE_INFINITY) return 0;
  const density = Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
  const ax = Math.abs(x);
  if (ax < 5) {
    let term = ax;
    let sum = ax;
    for (let k = 1; k < 500; k++) {
      term *= (ax * ax) / (2 * k + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    const upper = 0.5 + density * sum;
    return x >= 0 ? upper : 1 - upper;
  }
  // Tail Q(ax) = φ(ax) / (ax + 1/(ax + 2/(ax + 3/(ax + …)))), evaluated bottom-up.
  let fraction = ax;
  for (let k = 60; k >= 1; k--) fraction = ax + k / fraction;
  const tail = density / fraction;
  return x >= 0 ? 1 - tail : tail;
}

/**
 * The standard normal quantile Φ⁻¹(p): bisection on {@link normalCdf} to bracket, then Newton
 * steps; accurate to the precision of {@link normalCdf}.
 *
 * @throws {InvalidArgumentError} when `p` is not in [0, 1]
 * @example
 * ```ts
 * normalQuantile(0.975); // 1.959963984540054
 * ```
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new InvalidArgumentError(String(p), 'a probability in [0, 1]');
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  let lo = -40;
  let hi = 40;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < p) lo = mid;
    else hi = mid;
  }
  let x = (lo + hi) / 2;
  for (let i = 0; i < 3; i++) {
    const density = Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
    if (density === 0) break;
    const step = (normalCdf(x) - p) / density;
    if (!Number.isFinite(step)) break;
    x -= step;
  }
  return x;
}

/** Inputs of {@link probabilisticSharpeRatio}. Sharpe ratios are per sample (not annualised). */
export interface PsrInput {
  /** Observed Sharpe ratio, per sample (not annualised). */
  readonly sharpe: number;
  /** Number of return samples the ratio was estimated from (T). */
  readonly samples: number;
  /** Skewness of the returns (γ3; 0 for normal). */
  readonly skewness: number;
  /** Kurtosis of the returns, non-excess (γ4; 3 for normal). */
  readonly kurtosis: number;
  /** Benchmark Sharpe ratio SR*, per sample. Defaults to 0. */
  readonly benchmark?: number;
}

/**
 * The probabilistic Sharpe ratio (Bailey and López de Prado, "The Sharpe ratio efficient
 * frontier", Journal of Risk 15(2), 2012): the probability that the true Sharpe ratio exceeds
 * `benchmark`, given the sample length and the returns' skewness and kurtosis:
 * `Φ((SR − SR*)·√(T − 1) / √(1 − γ3·SR + (γ4 − 1)/4·SR²))`.
 *
 * @returns a probability in [0, 1]; NaN when an input is NaN or T < 2
 * @example
 * ```ts
 * probabilisticSharpeRatio({ sharpe: 0.1, samples: 250, skewness: 0, kurtosis: 3 }); // ≈ 0.94
 * ```
 */
export function probabilisticSharpeRatio(input: PsrInput): number {
  const { sharpe, samples, skewness, kurtosis } = input;
  const benchmark = input.benchmark ?? 0;
  if (!(samples >= 2)) return Number.NaN;
  const variance = 1 - skewness * sharpe + ((kurtosis - 1) / 4) * sharpe * sharpe;
  if (!(variance > 0)) return Number.NaN;
  return normalCdf(((sharpe - benchmark) * Math.sqrt(samples - 1)) / Math.sqrt(variance));
}

/**
 * The expected maximum Sharpe ratio of `trials` independent strategies whose true Sharpe ratio
 * is 0 and whose estimated Sharpe ratios have variance `sharpeVariance` (per sample²): Bailey and
 * López de Prado (2014), `√V·((1 − γ)·Φ⁻¹(1 − 1/N) + γ·Φ⁻¹(1 − 1/(N·e)))`. 0 for a single trial.
 *
 * @throws {InvalidArgumentError} when `trials` is not a positive integer or the variance is negative
 * @example
 * ```ts
 * expectedMaxSharpe(100, 0.5 / 250); // 0.1132… (the DSR paper's example)
 * ```
 */
export function expectedMaxSharpe(trials: number, sharpeVariance: number): number {
  if (!Number.isInteger(trials) || trials < 1)
    throw new InvalidArgumentError(String(trials), 'a positive number of trials');
  if (!(sharpeVariance >= 0)) throw new InvalidArgumentError(String(sharpeVariance), 'a non-negative variance');
  if (trials === 1) return 0;
  return (
    Math.sqrt(sharpeVariance) *
    ((1 - EULER_GAMMA) * normalQuantile(1 - 1 / trials) + EULER_GAMMA * normalQuantile(1 - 1 / (trials * Math.E)))
  );
}

/** Inputs of {@link deflatedSharpeRatio}. */
export interface DsrInput {
  /** Observed Sharpe ratio of the selected strategy, per sample (not annualised). */
  readonly sharpe: number;
  /** Number of return samples (T). */
  readonly samples: number;
  /** Skewness of the selected strategy's returns. */
  readonly skewness: number;
  /** Kurtosis (non-excess) of the selected strategy's returns. */
  readonly kurtosis: number;
  /** Number of strategies or configurations compared (N). */
  readonly trials: number;
  /** Variance of the per-sample Sharpe ratios across the trials. */
  readonly trialSharpeVariance: number;
}

/**
 * The deflated Sharpe ratio (Bailey and López de Prado, "The deflated Sharpe ratio: correcting
 * for selection bias, backtest overfitting and non-normality", Journal of Portfolio Management
 * 40(5), 2014): the {@link probabilisticSharpeRatio} against the {@link expectedMaxSharpe} of
 * `trials` unskilled strategies.
 *
 * @returns a probability in [0, 1]
 * @example
 * ```ts
 * // The paper's example: annualised SR 2.5 over 1,250 days, 100 trials, annualised variance 0.5.
 * deflatedSharpeRatio({ sharpe: 2.5 / Math.sqrt(250), samples: 1250, skewness: -3, kurtosis: 10, trials: 100, trialSharpeVariance: 0.5 / 250 }); // ≈ 0.9004
 * ```
 */
export function deflatedSharpeRatio(input: DsrInput): number {
  return probabilisticSharpeRatio({
    sharpe: input.sharpe,
    samples: input.samples,
    skewness: input.skewness,
    kurtosis: input.kurtosis,
    benchmark: expectedMaxSharpe(input.trials, input.trialSharpeVariance),
  });
}

/**
 * Share of the non-zero returns that are positive; NaN when every return is 0.
 *
 * @example
 * ```ts
 * hitRate([0.01, -0.02, 0, 0.03]); // 0.6666666666666666
 * ```
 */
export function hitRate(returns: ArrayLike<number>): number {
  let wins = 0;
  let decided = 0;
  for (let i = 0; i < returns.length; i++) {
    const r = returns[i] as number;
    if (r === 0 || Number.isNaN(r)) continue;
    decided++;
    if (r > 0) wins++;
  }
  return decided === 0 ? Number.NaN : wins / decided;
}

/** The largest peak-to-trough fall of a curve. */
export interface Drawdown {
  /** Largest fall as a fraction of the running peak (0 when the curve never falls). */
  readonly fraction: number;
  /** Largest fall in the curve's own unit (it may come from a different peak than `fraction`'s). */
  readonly amount: number;
  /** Index of the peak of the largest fractional fall. */
  readonly peakIndex: number;
  /** Index of the trough of the largest fractional fall. */
  readonly troughIndex: number;
}

/**
 * Maximum drawdown of an equity curve.
 *
 * @example
 * ```ts
 * maxDrawdown([100, 120, 90, 130]); // { fraction: 0.25, amount: 30, peakIndex: 1, troughIndex: 2 }
 * ```
 */
export function maxDrawdown(equity: ArrayLike<number>): Drawdown {
  let peak = Number.NEGATIVE_INFINITY;
  let peakAt = 0;
  let fraction = 0;
  let amount = 0;
  let peakIndex = 0;
  let troughIndex = 0;
  for (let i = 0; i < equity.length; i++) {
    const e = equity[i] as number;
    if (e > peak) {
      peak = e;
      peakAt = i;
    }
    if (peak - e > amount) amount = peak - e;
    if (peak > 0 && (peak - e) / peak > fraction) {
      fraction = (peak - e) / peak;
      peakIndex = peakAt;
      troughIndex = i;
    }
  }
  return { fraction, amount, peakIndex, troughIndex };
}

/**
 * Turnover: notional traded ÷ starting equity (2 means twice the capital traded).
 *
 * @returns NaN when `startingEquity` is 0
 * @example
 * ```ts
 * turnover(25_000, 10_000); // 2.5
 * ```
 */
export function turnover(tradedNotional: number, startingEquity: number): number {
  return startingEquity === 0 ? Number.NaN : Math.abs(tradedNotional) / startingEquity;
}
