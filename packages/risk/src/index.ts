/**
 * @packageDocumentation
 * Risk limits for TickerML: fractional Kelly sizing, exposure caps, the drawdown emergency stop,
 * correlation-based sizing, volatility regimes and market circuit breakers. Every decision names
 * the rule that acted and its numbers.
 */
export { BreakerRule, CircuitBreakers, type Halt } from './breakers.js';
export { RollingCorrelation, correlationScale, pearson } from './correlation.js';
export { DrawdownGuard, type DrawdownStatus } from './drawdown.js';
export {
  type OrderIntent,
  type RiskContext,
  type RiskDecision,
  RiskEngine,
  RiskRule,
  type RiskState,
  type RuleOutcome,
  positionKey,
} from './engine.js';
export { type KellyInputs, type KellyResult, fundingCostFraction, kellyFraction } from './kelly.js';
export {
  type BreakerLimits,
  DEFAULT_RISK_LIMITS,
  RiskLimitError,
  type RiskLimits,
  VolRegime,
  resolveRiskLimits,
} from './limits.js';
export { RealizedVolatility, VolRegimeClassifier, regimeOfPercentile } from './volatility.js';
