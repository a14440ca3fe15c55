/**
 * Minimal structured logger interface for the adapters, and secret redaction.
 *
 * Core's `Logger` (pino) satisfies {@link FeedLogger} and is what applications pass; the adapters
 * ask only for these four methods so tests and embedders can hand in any object that has them.
 *
 * @module
 */

/** What the adapters log through. Fields must never contain secrets: pass them through {@link redact}. */
export interface FeedLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** A logger that drops everything. */
export const silentLogger: FeedLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

const SECRET_KEYS = /^(api[-_]?key|api[-_]?secret|secret|token|passphrase|password|private[-_]?key|authorization)$/i;
const SECRET_QUERY = /([?&](?:token|apikey|api_key|signature|passphrase|secret)=)[^&#]*/gi;

/** Replaces secret query parameters of a URL (e.g. KuCoin's `token=`) with `***`. */
export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, '$1***');
}

/**
 * Deep-copies `value` with every secret-looking key (`apiKey`, `secret`, `token`, `passphrase`, …)
 * replaced by `***` and secret URL query parameters masked. Use before logging a config or a URL.
 *
 * @example
 * redact({ token: 'abc', url: 'wss://x/?token=abc' }); // { token: '***', url: 'wss://x/?token=***' }
 */
export function redact<T>(value: T): T {
  return redactValue(value, 0) as T;
}

function redactValue(value: unknown, depth: number): unknown {
  if (depth > 8) return '[deep]';
  if (typeof value === 'string') return redactUrl(value);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEYS.test(k) && v !== undefined && v !== null && v !== '' ? '***' : redactValue(v, depth + 1);
    }
    return out;
  }
  return value;
}
