/**
 * @packageDocumentation
 * SQLite (default) and PostgreSQL/TimescaleDB storage for TickerML events, orders, fills and portfolio state.
 */
export {};
