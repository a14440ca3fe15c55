/**
 * Fractional Kelly sizing.
 *
 * For a strategy whose per-trade return R has mean `edge` and variance `variance` (both as
 * fractions of the capital at risk, e.g. 0.002 and 0.0004 for a 20 bp edge with a 2 % standard
 * deviation), the growth-optimal (full Kelly) fraction of equity is `f* = edge / variance`
 * (the continuous approximation; Thorp 2006). Full Kelly is too aggressive under estimation error,
 * so TickerML takes `fraction × f*` with `fraction` at most 0.5 and 0.25 by default.
 *
 * Costs are subtracted from the edge before sizing: expected fees and slippage per trade, and for
 * perpetuals the funding expected over the holding period (rate × number of funding intervals,
 * signed so that paying funding lowers the edge).
 *
 * @module
 */

/** Inputs of {@link kellyFraction}. All figures are fractions per trade, not percentages. */
export interface KellyInputs {
  /** Expected return per trade before costs (e.g. 0.002 = 20 bp). */
  readonly edge: number;
  /** Variance of the per-trade return (standard deviation squared). Must be > 0. */
  readonly variance: number;
  /** Expected fees + slippage per round trip, as a fraction (e.g. 0.0012). Default 0. */
  readonly costs?: number;
  /** Expected funding paid over the holding period as a fraction (negative when received). Default 0. */
  readonly fundingCost?: number;
  /** Kelly fraction in (0, 0.5]. */
  readonly fraction: number;
}

/** Result of {@link kellyFraction}. */
export interface KellyResult {
  /** Edge after costs and funding. */
  readonly netEdge: number;
  /** Full-Kelly fraction of equity `netEdge / variance` (0 when the net edge is not positive). */
  readonly fullKelly: number;
  /** The fraction of equity to commit: `fraction × fullKelly`, never negative. */
  readonly equityFraction: number;
}

/**
 * Fraction of equity to commit to a trade under fractional Kelly.
 *
 * @throws {RangeError} when `variance` is not positive or `fraction` is outside (0, 0.5].
 * @example
 * kellyFraction({ edge: 0.002, variance: 0.0004, fraction: 0.25 }).equityFraction; // 1.25 (before caps)
 */
export function kellyFraction(inputs: KellyInputs): KellyResult {
  if (!(inputs.variance > 0) || !Number.isFinite(inputs.variance)) {
    throw new RangeError(`kelly variance must be a positive number, was ${inputs.variance}`);
  }
  if (!(inputs.fraction > 0 && inputs.fraction <= 0.5)) {
    throw new RangeError(`kelly fraction must be in (0, 0.5] (never full Kelly), was ${inputs.fraction}`);
  }
  const netEdge = inputs.edge - (inputs.costs ?? 0) - (inputs.fundingCost ?? 0);
  const fullKelly = netEdge > 0 ? netEdge / inputs.variance : 0;
  return { netEdge, fullKelly, equityFraction: inputs.fraction * fullKelly };
}

/**
 * Expected funding cost over a holding period, as a fraction of notional.
 *
 * A long pays positive funding rates and a short receives them, so the cost is
 * `side × rate × intervals` where `intervals = holdingUs / fundingIntervalUs`.
 *
 * @param rate - funding rate per interval (e.g. 0.0001 = 1 bp per 8 h).
 * @param direction - +1 long, -1 short.
 * @example
 * fundingCostFraction(0.0001, 1, 24 * 3600e6, 8 * 3600e6); // 0.0003
 */
export function fundingCostFraction(
  rate: number,
  direction: 1 | -1,
  holdingUs: number,
  fundingIntervalUs: number,
): number {
  if (!(fundingIntervalUs > 0)) throw new RangeError(`fundingIntervalUs must be > 0, was ${fundingIntervalUs}`);
  return direction * rate * (holdingUs / fundingIntervalUs);
}
