/**
 * Address helpers shared by the servers a box runs (dashboard, metrics).
 *
 * @module
 */

import { isIP } from 'node:net';

/**
 * Whether a host name or address reaches only this machine: `localhost` (and `*.localhost`),
 * `127.0.0.0/8`, `::1` (with or without brackets) and `::ffff:127.x.x.x`.
 *
 * @param host - a host name or IP address as configured or sent in a `Host` header, without port.
 * @example
 * ```ts
 * isLoopbackHost('127.0.0.1'); // true
 * isLoopbackHost('0.0.0.0'); // false: every interface
 * ```
 */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^(0{0,4}:){0,6}0{0,3}1$/.test(h) || /^::ffff:127\./.test(h);
  return false;
}
