/**
 * KuCoin symbol mapping and the bullet (token) response.
 *
 * @module
 */

/** `BTC/USDT` → `BTC-USDT`. */
export function toKucoinSymbol(symbol: string): string {
  return symbol.replace('/', '-').toUpperCase();
}

/** What `POST /api/v1/bullet-public` returns, reduced to what a connection needs. */
export interface KucoinBullet {
  /** Secret: never log it. */
  readonly token: string;
  readonly endpoint: string;
  readonly pingIntervalMs: number;
  readonly pingTimeoutMs: number;
}

/** Parses a bullet response body; returns a reason string when malformed. */
export function parseBullet(body: string): KucoinBullet | string {
  let root: unknown;
  try {
    root = JSON.parse(body);
  } catch {
    return 'bullet: invalid JSON';
  }
  const data = (root as { data?: unknown } | null)?.data as Record<string, unknown> | undefined;
  if (data === undefined || data === null || typeof data !== 'object') return 'bullet: data missing';
  const servers = data.instanceServers;
  if (typeof data.token !== 'string' || data.token === '') return 'bullet: token missing';
  if (!Array.isArray(servers) || servers.length === 0) return 'bullet: instanceServers missing';
  const s = servers[0] as Record<string, unknown>;
  if (typeof s.endpoint !== 'string') return 'bullet: endpoint missing';
  const pingIntervalMs = typeof s.pingInterval === 'number' && s.pingInterval > 0 ? s.pingInterval : 18_000;
  const pingTimeoutMs = typeof s.pingTimeout === 'number' && s.pingTimeout > 0 ? s.pingTimeout : 10_000;
  return { token: data.token, endpoint: s.endpoint, pingIntervalMs, pingTimeoutMs };
}
