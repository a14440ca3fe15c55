/**
 * @packageDocumentation
 * Simulated venues with queue, latency, fee and impact models, a portfolio ledger and the backtest engine.
 */
export {};
