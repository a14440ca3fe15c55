/**
 * Binance.US spot protocol limits (from the venue's WebSocket documentation).
 *
 * @module
 */
export const BINANCE_US = {
  venue: 'binanceus',
  /** A connection is dropped by the venue after 24 h; we roll over before that. */
  connectionLifetimeMs: 24 * 60 * 60 * 1000,
  /** Proactive rollover this long before the lifetime ends. */
  rolloverBeforeMs: 10 * 60 * 1000,
  /** Incoming messages (subscribe, ping, pong) allowed per second per connection. */
  maxMessagesPerSecond: 5,
  /** Streams allowed on one connection. */
  maxStreamsPerConnection: 1024,
  /** Depth of the REST snapshot requested. */
  snapshotLimit: 1000,
  /** The server pings every 3 minutes; without traffic for this long we treat the socket as dead. */
  idleTimeoutMs: 10 * 60 * 1000,
} as const;
