/**
 * KuCoin bullet (public WebSocket token) request.
 *
 * @module
 */
import { AdapterConfigError } from '../../../common/errors.js';
import type { HttpGet } from '../../../connection/feed-client.js';
import { type KucoinBullet, parseBullet } from '../common/parse.js';

/**
 * `POST /api/v1/bullet-public` and parse the answer.
 * @throws {AdapterConfigError} when the answer has no token/endpoint (the message never includes the token).
 * @throws {VenueHttpError} when the request fails.
 */
export async function fetchBullet(httpGet: HttpGet, url: string): Promise<KucoinBullet> {
  const body = await httpGet(url, { method: 'POST' });
  const bullet = parseBullet(body);
  if (typeof bullet === 'string') throw new AdapterConfigError(`kucoin: unexpected bullet response (${bullet})`);
  return bullet;
}
