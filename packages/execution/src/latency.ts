/**
 * Order latency models. Entry latency: from the strategy sending a request to the venue
 * handling it. Response latency: from the venue acting (ack, fill, cancel) to the strategy
 * hearing of it. Market-data latency is not modelled here: it is `localTs − exchTs` of each
 * recorded event.
 *
 * @module
 */
import { BaseError, SeededRandom } from '@tickerml/core';

/** Latencies for one venue, in microseconds. Implementations must be deterministic. */
export interface LatencyModel {
  /** Entry latency for a request sent at `sentUs`, microseconds (≥ 0). */
  entryUs(sentUs: number): number;
  /** Response latency for a venue action at `venueUs`, microseconds (≥ 0). */
  responseUs(venueUs: number): number;
}

/**
 * A latency configuration that cannot be used (negative values, min above max, empty samples).
 *
 * @example
 * ```ts
 * rangeLatency({ minMs: 100, maxMs: 50, seed: 1 }); // throws InvalidLatencyConfigError
 * ```
 */
export class InvalidLatencyConfigError extends BaseError {
  override name = 'InvalidLatencyConfigError' as const;
}

/**
 * The same latency every time.
 *
 * @throws InvalidLatencyConfigError when a latency is negative or not an integer.
 * @example
 * ```ts
 * constantLatency(50_000, 50_000).entryUs(0); // 50000 (50 ms)
 * ```
 */
export function constantLatency(entryUs: number, responseUs: number = entryUs): LatencyModel {
  for (const v of [entryUs, responseUs]) {
    if (!Number.isSafeInteger(v) || v < 0)
      throw new InvalidLatencyConfigError(`latency must be a non-negative integer of microseconds, was ${v}`);
  }
  return { entryUs: () => entryUs, responseUs: () => responseUs };
}

/** A per-venue latency range, in milliseconds, and the seed of its generator. */
export interface LatencyRange {
  readonly minMs: number;
  readonly maxMs: number;
  /** Seed of this venue's generator (a number, or text such as `"42:binance"`). */
  readonly seed: number | string;
}

/**
 * Each entry and response latency drawn uniformly (whole microseconds) in `[minMs, maxMs]` from a
 * seeded generator: the same seed gives the same sequence of latencies.
 *
 * @throws InvalidLatencyConfigError when the range is negative or inverted.
 * @example
 * ```ts
 * const binance = rangeLatency({ minMs: 50, maxMs: 100, seed: 42 });
 * binance.entryUs(0); // between 50000 and 100000
 * ```
 */
export function rangeLatency(range: LatencyRange): LatencyModel {
  if (!(range.minMs >= 0) || !(range.maxMs >= range.minMs) || !Number.isFinite(range.maxMs)) {
    throw new InvalidLatencyConfigError(
      `latency range must satisfy 0 ≤ minMs ≤ maxMs, was ${range.minMs}-${range.maxMs} ms`,
    );
  }
  const rng = new SeededRandom(range.seed);
  const lo = Math.round(range.minMs * 1000);
  const hi = Math.round(range.maxMs * 1000);
  return { entryUs: () => rng.int(lo, hi), responseUs: () => rng.int(lo, hi) };
}

/** Default latency ranges per venue, milliseconds. Kraken and KuCoin have none: configure them. */
export const DEFAULT_LATENCY_MS: Readonly<Record<string, { minMs: number; maxMs: number }>> = {
  binance: { minMs: 50, maxMs: 100 },
  binanceus: { minMs: 50, maxMs: 100 },
  binanceusdm: { minMs: 50, maxMs: 100 },
  coinbase: { minMs: 100, maxMs: 200 },
};

/** One recorded round trip: when the request left, when the venue stamped it, when the response came back (µs). */
export interface LatencySample {
  readonly requestUs: number;
  readonly exchangeUs: number;
  readonly responseUs: number;
}

/**
 * Latencies interpolated linearly in time from recorded round trips: entry = exchange − request,
 * response = response − exchange, each interpolated between the two samples around the query
 * time (held flat before the first and after the last).
 *
 * @throws InvalidLatencyConfigError when there are no samples, they are out of time order, or a
 * sample has a negative leg.
 * @example
 * ```ts
 * const m = interpolatedLatency([
 *   { requestUs: 0, exchangeUs: 40_000, responseUs: 90_000 },
 *   { requestUs: 1_000_000, exchangeUs: 1_060_000, responseUs: 1_130_000 },
 * ]);
 * m.entryUs(500_000); // 50000
 * ```
 */
export function interpolatedLatency(samples: readonly LatencySample[]): LatencyModel {
  if (samples.length === 0)
    throw new InvalidLatencyConfigError('interpolated latency needs at least one recorded sample');
  const n = samples.length;
  const reqTs = new Float64Array(n);
  const entry = new Float64Array(n);
  const exchTs = new Float64Array(n);
  const resp = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = samples[i] as LatencySample;
    if (s.exchangeUs < s.requestUs || s.responseUs < s.exchangeUs) {
      throw new InvalidLatencyConfigError(
        `latency sample ${i} has a negative leg: request ${s.requestUs}, exchange ${s.exchangeUs}, response ${s.responseUs} µs`,
      );
    }
    if (i > 0 && s.requestUs < (samples[i - 1] as LatencySample).requestUs) {
      throw new InvalidLatencyConfigError(`latency sample ${i} is earlier than sample ${i - 1}`);
    }
    reqTs[i] = s.requestUs;
    entry[i] = s.exchangeUs - s.requestUs;
    exchTs[i] = s.exchangeUs;
    resp[i] = s.responseUs - s.exchangeUs;
  }
  const interp = (ts: Float64Array, vals: Float64Array, t: number): number => {
    if (t <= (ts[0] as number)) return Math.round(vals[0] as number);
    if (t >= (ts[n - 1] as number)) return Math.round(vals[n - 1] as number);
    let lo = 0;
    let hi = n - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if ((ts[mid] as number) <= t) lo = mid;
      else hi = mid;
    }
    const t0 = ts[lo] as number;
    const t1 = ts[hi] as number;
    const v0 = vals[lo] as number;
    const v1 = vals[hi] as number;
    return Math.round(t1 === t0 ? v1 : v0 + ((v1 - v0) * (t - t0)) / (t1 - t0));
  };
  return { entryUs: (sentUs) => interp(reqTs, entry, sentUs), responseUs: (venueUs) => interp(exchTs, resp, venueUs) };
}
