/**
 * Risk limits, their defaults and validation.
 *
 * The defaults are the project's seed values: a quarter Kelly, at most 25 % of equity in one
 * position, an emergency stop at 25 % drawdown, size reduced when correlation exceeds 0.7.
 *
 * @module
 */
import type { RiskLimitsConfig } from '@tickerml/core';

/** Volatility regimes, from calm to extreme. */
export const VolRegime = { Low: 'low', Normal: 'normal', High: 'high', Extreme: 'extreme' } as const;
export type VolRegime = (typeof VolRegime)[keyof typeof VolRegime];

/** Every limit the risk engine enforces. Fractions are of account equity unless said otherwise. */
export interface RiskLimits {
  /** Fraction of the full Kelly stake to take, in (0, 0.5]. Default 0.25. Full Kelly is refused. */
  readonly kellyFraction: number;
  /** Largest position in one instrument, as a fraction of equity, in (0, 1]. Default 0.25. */
  readonly maxPositionFraction: number;
  /** Drawdown from the equity peak that triggers the emergency stop, in (0, 1). Default 0.25. */
  readonly maxDrawdown: number;
  /** Whether the emergency stop also flattens open positions (it always cancels orders). Default false. */
  readonly flattenOnEmergencyStop: boolean;
  /** Absolute return correlation above which a new position is reduced, in (0, 1). Default 0.7. */
  readonly correlationThreshold: number;
  /** Number of paired returns the rolling correlation uses. Default 100. */
  readonly correlationWindow: number;
  /** Realised-volatility percentiles separating low|normal|high|extreme. Default [25, 75, 95]. */
  readonly volRegimePercentiles: readonly [number, number, number];
  /** Multiplier applied to size limits in each regime. Default low 1, normal 1, high 0.5, extreme 0. */
  readonly volRegimeScale: Readonly<Record<VolRegime, number>>;
  /** Circuit-breaker thresholds. */
  readonly breakers: BreakerLimits;
}

/** Thresholds of the market circuit breakers. Times are in microseconds. */
export interface BreakerLimits {
  /** A symbol with no market event for this long is stale. Default 5 s. */
  readonly staleFeedUs: number;
  /** More than this many gaps/checksum mismatches within `gapStormWindowUs` halts the venue. Default 5. */
  readonly gapStormCount: number;
  /** Window of the gap storm rule. Default 60 s. */
  readonly gapStormWindowUs: number;
  /** Spread wider than this many basis points halts the symbol. Default 50 bp. */
  readonly maxSpreadBps: number;
  /** A mid move larger than this fraction between two quotes halts the symbol, whatever the volatility. Default 0.05. */
  readonly maxPriceJumpFraction: number;
  /** A mid move larger than this many standard deviations of recent moves halts the symbol. Default 8. */
  readonly priceJumpSigmas: number;
  /** Number of mid returns the jump rule's standard deviation is estimated from. Default 200. */
  readonly priceJumpWindow: number;
  /**
   * A mid move smaller than this fraction is never a σ-jump, however small the recent moves: the
   * per-update σ collapses when quotes arrive faster than the market moves (a replay at full
   * speed, a busy book of sub-bp updates), and an everyday 8 bp move would read as 9σ. Default
   * 0.002 (20 bp); 0 turns the floor off.
   */
  readonly minPriceJumpFraction?: number;
  /** A halt is lifted once its condition has been clear for this long. Default 30 s. */
  readonly cooldownUs: number;
}

/** The seed's defaults. */
export const DEFAULT_RISK_LIMITS: RiskLimits = {
  kellyFraction: 0.25,
  maxPositionFraction: 0.25,
  maxDrawdown: 0.25,
  flattenOnEmergencyStop: false,
  correlationThreshold: 0.7,
  correlationWindow: 100,
  volRegimePercentiles: [25, 75, 95],
  volRegimeScale: { low: 1, normal: 1, high: 0.5, extreme: 0 },
  breakers: {
    staleFeedUs: 5_000_000,
    gapStormCount: 5,
    gapStormWindowUs: 60_000_000,
    maxSpreadBps: 50,
    maxPriceJumpFraction: 0.05,
    priceJumpSigmas: 8,
    priceJumpWindow: 200,
    minPriceJumpFraction: 0.002,
    cooldownUs: 30_000_000,
  },
};

/**
 * The risk limits of `config/risk_limits.yaml` as loaded by `@tickerml/core`'s `loadConfig`
 * (ranges are already checked there; they are checked again here).
 *
 * @example
 * const { risk } = await loadConfig('config');
 * const engine = new RiskEngine(riskLimitsFromConfig(risk));
 */
export function riskLimitsFromConfig(risk: RiskLimitsConfig): RiskLimits {
  const cb = risk.circuitBreakers;
  return resolveRiskLimits({
    kellyFraction: risk.kellyFraction,
    maxPositionFraction: risk.maxPositionFraction,
    maxDrawdown: risk.maxDrawdown,
    flattenOnEmergencyStop: risk.flattenOnEmergencyStop,
    correlationThreshold: risk.correlationThreshold,
    correlationWindow: risk.correlationWindow,
    volRegimePercentiles: [
      risk.volRegime.percentiles[0] ?? 25,
      risk.volRegime.percentiles[1] ?? 75,
      risk.volRegime.percentiles[2] ?? 95,
    ],
    volRegimeScale: risk.volRegime.scale,
    breakers: {
      staleFeedUs: cb.staleDataMs * 1000,
      gapStormCount: cb.gapStormCount,
      gapStormWindowUs: cb.gapStormWindowMs * 1000,
      maxSpreadBps: cb.maxSpreadBps,
      maxPriceJumpFraction: cb.maxPriceJumpFraction,
      priceJumpSigmas: cb.priceJumpSigmas,
      priceJumpWindow: cb.priceJumpWindow,
      cooldownUs: cb.cooldownMs * 1000,
    },
  });
}

/** A limit outside its allowed range. */
export class RiskLimitError extends Error {
  override readonly name = 'RiskLimitError' as const;
  constructor(
    readonly key: string,
    readonly value: unknown,
    readonly allowed: string,
  ) {
    super(`risk limit ${key} = ${String(value)} is out of range ${allowed}`);
  }
}

function inRange(key: string, value: number, lo: number, hi: number, loOpen: boolean, hiOpen: boolean): void {
  const okLo = loOpen ? value > lo : value >= lo;
  const okHi = hiOpen ? value < hi : value <= hi;
  if (!Number.isFinite(value) || !okLo || !okHi) {
    throw new RiskLimitError(key, value, `${loOpen ? '(' : '['}${lo}, ${hi}${hiOpen ? ')' : ']'}`);
  }
}

/**
 * Merges overrides onto the defaults and checks every value.
 *
 * @throws {RiskLimitError} when a limit is out of range (for example a Kelly fraction above 0.5).
 * @example
 * const limits = resolveRiskLimits({ maxDrawdown: 0.2 });
 */
export function resolveRiskLimits(
  overrides: Partial<Omit<RiskLimits, 'breakers'>> & { breakers?: Partial<BreakerLimits> } = {},
): RiskLimits {
  const limits: RiskLimits = {
    ...DEFAULT_RISK_LIMITS,
    ...overrides,
    breakers: { ...DEFAULT_RISK_LIMITS.breakers, ...(overrides.breakers ?? {}) },
  };
  inRange('kellyFraction', limits.kellyFraction, 0, 0.5, true, false);
  inRange('maxPositionFraction', limits.maxPositionFraction, 0, 1, true, false);
  inRange('maxDrawdown', limits.maxDrawdown, 0, 1, true, true);
  inRange('correlationThreshold', limits.correlationThreshold, 0, 1, true, true);
  inRange('correlationWindow', limits.correlationWindow, 3, 1_000_000, false, false);
  const [p1, p2, p3] = limits.volRegimePercentiles;
  inRange('volRegimePercentiles[0]', p1, 0, 100, true, true);
  inRange('volRegimePercentiles[1]', p2, p1, 100, true, true);
  inRange('volRegimePercentiles[2]', p3, p2, 100, true, true);
  for (const regime of Object.values(VolRegime)) {
    inRange(`volRegimeScale.${regime}`, limits.volRegimeScale[regime], 0, 1, false, false);
  }
  const b = limits.breakers;
  inRange('breakers.staleFeedUs', b.staleFeedUs, 0, Number.MAX_SAFE_INTEGER, true, false);
  inRange('breakers.gapStormCount', b.gapStormCount, 1, 1_000_000, false, false);
  inRange('breakers.gapStormWindowUs', b.gapStormWindowUs, 0, Number.MAX_SAFE_INTEGER, true, false);
  inRange('breakers.maxSpreadBps', b.maxSpreadBps, 0, 10_000, true, false);
  inRange('breakers.maxPriceJumpFraction', b.maxPriceJumpFraction, 0, 1, true, false);
  inRange('breakers.priceJumpSigmas', b.priceJumpSigmas, 0, 1_000, true, false);
  inRange('breakers.priceJumpWindow', b.priceJumpWindow, 10, 1_000_000, false, false);
  inRange('breakers.minPriceJumpFraction', b.minPriceJumpFraction ?? 0, 0, 1, true, false);
  inRange('breakers.cooldownUs', b.cooldownUs, 0, Number.MAX_SAFE_INTEGER, false, false);
  return limits;
}
