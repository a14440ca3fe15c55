/**
 * Kraken spot WebSocket v2 protocol facts.
 *
 * @module
 */
export const KRAKEN = {
  venue: 'kraken',
  /** Depths the `book` channel accepts. */
  bookDepths: [10, 25, 100, 500, 1000] as const,
  defaultDepth: 10,
  /** Requests allowed per second on one connection (conservative pacing). */
  maxMessagesPerSecond: 10,
  /** The venue sends a heartbeat every second when idle; no frame for this long means a dead socket. */
  idleTimeoutMs: 10_000,
  /** Levels covered by the CRC32 checksum on each side. */
  checksumLevels: 10,
} as const;
