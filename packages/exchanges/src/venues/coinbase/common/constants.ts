/**
 * Coinbase Advanced Trade WebSocket facts.
 *
 * @module
 */
export const COINBASE = {
  venue: 'coinbase',
  /** Unauthenticated subscribe messages allowed per second per IP (pacing target). */
  maxMessagesPerSecond: 8,
  /** Channels close without traffic after 60-90 s unless `heartbeats` is subscribed; no frame for this long means a dead socket. */
  idleTimeoutMs: 30_000,
  /** Products per connection by default: one, so a `sequence_num` gap (one counter per connection) resyncs one book only. */
  defaultProductsPerConnection: 1,
} as const;
