/**
 * @packageDocumentation
 * Risk limits: fractional Kelly sizing, exposure caps, drawdown stop, correlation sizing, volatility regimes and circuit breakers.
 */
export {};
