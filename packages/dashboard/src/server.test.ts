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

/** Reads server-sent events from a real HTTP connection until `count` events arrived. */
async function readEvents(url: string, count: number): Promise<{ event: string; data: unknown }[]> {
  const res = await fetch(url);
  if (!res.body) throw new Error('no body');
  const reader = res.body.getReader();
  const out: { event: string; data: unknown }[] = [];
  let buf = '';
  while (out.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += new TextDecoder().decode(value);
    let i = buf.indexOf('\n\n');
    while (i >= 0) {
      const chunk = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const event = /^event: (.*)$/m.exec(chunk)?.[1];
      const data = /^data: (.*)$/m.exec(chunk)?.[1];
      if (event && data) out.push({ event, data: JSON.parse(data) });
      i = buf.indexOf('\n\n');
    }
  }
  await reader.cancel();
  return out;
}

describe('DashboardServer', () => {
  it('binds 127.0.0.1 by default and serves the page, its assets and uPlot', async () => {
    const s = await start();
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(s.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('data-testid="chart"');
    for (const path of ['assets/app.js', 'assets/style.css', 'vendor/uPlot.iife.min.js', 'vendor/uPlot.min.css']) {
      const r = await fetch(new URL(path, s.url));
      expect(r.status, path).toBe(200);
      expect((await r.text()).length, path).toBeGreaterThan(100);
    }
  });

  it('requires the access token when one is configured', async () => {
    const s = await start({ token: 's3cret' });
    const base = s.url.replace(/\?.*$/, '');
    expect((await fetch(base)).status).toBe(401);
    expect((await fetch(`${base}?token=wrong`)).status).toBe(401);
    expect((await fetch(s.url)).status).toBe(200);
    expect((await fetch(`${base}api/snapshot`, { headers: { authorization: 'Bearer s3cret' } })).status).toBe(200);
    expect((await fetch(`${base}healthz`)).status).toBe(200);
  });

  it('streams a snapshot, then updates; fills are upserted by id', async () => {
    const s = await start();
    s.update({ equity: [{ tsUs: 1, equity: '10000', pnl: '0' }] });
    const events = readEvents(new URL('events', s.url).href, 3);
    while (s.clientCount === 0) await new Promise((r) => setImmediate(r));
    const fill = {
      id: 'f1',
      tsUs: 2,
      venue: 'kraken',
      symbol: 'BTC/USD',
      side: 'buy' as const,
      price: '65000.1',
      qty: '0.01',
      fee: '0.26',
      liquidity: 'maker' as const,
      markoutsBps: [null, null, null] as const,
      toxic: false,
    };
    s.update({ fills: [fill], equity: [{ tsUs: 2, equity: '10001', pnl: '1' }] });
    await new Promise((r) => setTimeout(r, 30));
    s.update({ fills: [{ ...fill, markoutsBps: [1.5, null, null] }] });
    const got = await events;
    expect(got.map((e) => e.event)).toEqual(['snapshot', 'update', 'update']);
    expect((got[0]?.data as { equity: unknown[] } | undefined)?.equity).toHaveLength(1);
    expect((got[2]?.data as { fills: { markoutsBps: unknown[] }[] } | undefined)?.fills[0]?.markoutsBps[0]).toBe(1.5);
    expect(s.snapshot().fills).toHaveLength(1);
    expect(s.snapshot().equity).toHaveLength(2);
  });

  it('keeps the equity history bounded', async () => {
    const s = new DashboardServer({ maxEquityPoints: 100 });
    for (let i = 0; i < 1000; i++) s.update({ equity: [{ tsUs: i, equity: String(10000 + i), pnl: String(i) }] });
    const eq = s.snapshot().equity;
    expect(eq.length).toBeLessThanOrEqual(100);
    expect(eq[eq.length - 1]?.tsUs).toBe(999);
    expect(eq[0]?.tsUs).toBe(0);
  });

  it('says which address it could not bind', async () => {
    const a = await start();
    const port = Number(new URL(a.url).port);
    const b = new DashboardServer({ port });
    await expect(b.start()).rejects.toThrow(DashboardStartError);
    await expect(b.start()).rejects.toThrow(`127.0.0.1:${port}: EADDRINUSE`);
  });
});
