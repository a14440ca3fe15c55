/**
 * What a browser elsewhere, or a page the user happens to visit, can get from the dashboard:
 * nothing without the token beyond loopback, nothing under a foreign Host name (DNS rebinding),
 * and every response carries the headers that stop framing, sniffing and foreign scripts.
 */
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { DashboardServer, DashboardStartError } from './server.js';

const servers: DashboardServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

async function start(opts: ConstructorParameters<typeof DashboardServer>[0] = {}): Promise<DashboardServer> {
  const s = new DashboardServer({ port: 0, pushIntervalMs: 10, ...opts });
  servers.push(s);
  await s.start();
  return s;
}

/** A GET with a Host header of our choosing (fetch does not let a caller set it). */
function get(
  url: string,
  host: string | undefined,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname.replace(/^\[|\]$/g, ''),
        port: u.port,
        path: `${u.pathname}${u.search}`,
        setHost: host !== undefined,
        headers: host === undefined ? {} : { host },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('dashboard security', () => {
  it('refuses to bind beyond loopback without a token, naming the option', async () => {
    for (const host of ['0.0.0.0', '::']) {
      const s = new DashboardServer({ port: 0, host });
      await expect(s.start()).rejects.toThrow(DashboardStartError);
      await expect(s.start()).rejects.toThrow(/token/);
    }
    const withToken = await start({ host: '0.0.0.0', token: 'a-long-random-token-123' });
    expect(withToken.url).toContain('?token=');
  });

  it('answers only to loopback names by default: a rebinding page under another name gets nothing', async () => {
    const s = await start();
    const port = new URL(s.url).port;
    for (const host of ['evil.example', `evil.example:${port}`, `192.168.1.20:${port}`]) {
      const r = await get(new URL('api/snapshot', s.url).href, host);
      expect(r.status, host).toBe(421);
      expect(r.body, host).not.toContain('equity');
      expect((await get(new URL('events', s.url).href, host)).status, host).toBe(421);
      expect((await get(s.url, host)).status, host).toBe(421);
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'localhost', `[::1]:${port}`]) {
      expect((await get(new URL('api/snapshot', s.url).href, host)).status, host).toBe(200);
    }
    expect((await get(new URL('api/snapshot', s.url).href, undefined)).status).toBe(400);
  });

  it('answers to the names it is configured with', async () => {
    const s = await start({ allowedHosts: ['pi.local'] });
    const port = new URL(s.url).port;
    expect((await get(new URL('api/snapshot', s.url).href, `pi.local:${port}`)).status).toBe(200);
    expect((await get(new URL('api/snapshot', s.url).href, `PI.LOCAL:${port}`)).status).toBe(200);
    expect((await get(new URL('api/snapshot', s.url).href, `pi.local.evil.example:${port}`)).status).toBe(421);
  });

  it('sends the security headers on every response, errors included', async () => {
    const s = await start({ token: 'a-long-random-token-123' });
    const base = s.url.replace(/\?.*$/, '');
    for (const url of [s.url, `${base}assets/app.js`, `${base}api/snapshot`, `${base}nothing`, `${base}healthz`]) {
      const r = await get(url, new URL(s.url).host);
      expect(r.headers['content-security-policy'], url).toMatch(/default-src 'none'/);
      expect(r.headers['content-security-policy'], url).toMatch(/frame-ancestors 'none'/);
      expect(r.headers['x-content-type-options'], url).toBe('nosniff');
      expect(r.headers['x-frame-options'], url).toBe('DENY');
      expect(r.headers['referrer-policy'], url).toBe('no-referrer');
    }
    const foreign = await get(s.url, 'evil.example');
    expect(foreign.headers['x-frame-options']).toBe('DENY');
  });

  it('never shows its token in the URL it gives for printing', async () => {
    const s = await start({ token: 'a-long-random-token-123' });
    expect(s.url).toContain('a-long-random-token-123');
    expect(s.redactedUrl).not.toContain('a-long-random-token-123');
    expect(s.redactedUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
  });
});
