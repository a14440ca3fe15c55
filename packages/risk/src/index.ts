/**
 * @packageDocumentation
 * Risk limits for TickerML: fractional Kelly sizing, exposure caps, the drawdown emergency stop,
 * correlation-based sizing, volatility regimes and market circuit breakers. Every decision names
 * the rule that acted and its numbers.
 */
export { BreakerRule, CircuitBreakers, type Halt } from './breakers.js';
export { correlationScale, pearson, RollingCorrelation } from './correlation.js';
export { DrawdownGuard, type DrawdownStatus } from './drawdown.js';
export { type EdgeEstimate, EdgeEstimator, type EdgeEstimatorOptions } from './edge.js';
export {
  type OrderIntent,
  positionKey,
  type RiskContext,
  type RiskDecision,
  RiskEngine,
  RiskRule,
  type RiskState,
  type RuleOutcome,
} from './engine.js';
export { fundingCostFraction, type KellyInputs, type KellyResult, kellyFraction } from './kelly.js';
export {
  type BreakerLimits,
  DEFAULT_RISK_LIMITS,
  RiskLimitError,
  type RiskLimits,
  resolveRiskLimits,
  VolRegime,
} from './limits.js';
export { ReturnStdDev, regimeOfPercentile, VolRegimeClassifier } from './volatility.js';
