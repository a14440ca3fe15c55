import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DashboardServer } from '../src/server.js';
import type { FillView } from '../src/types.js';
import { chromiumAvailable, launchChromium } from './browser.js';

/** The part of an HTMLCanvasElement the check reads (the test project has no DOM types). */
interface CanvasLike {
  readonly width: number;
  readonly height: number;
  getContext(
    kind: '2d',
  ): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}

const ARTIFACTS = join(import.meta.dirname, '../../../test-artifacts');
const hasBrowser = chromiumAvailable();

describe.runIf(hasBrowser)('dashboard in headless Chromium', () => {
  let browser: Browser;
  let server: DashboardServer;
  const t0 = 1_764_000_000_000_000;

  beforeAll(async () => {
    browser = await launchChromium();
    server = new DashboardServer({ port: 0, token: 'tok', pushIntervalMs: 20, title: 'TickerML test' });
    await server.start();
    const equity = Array.from({ length: 50 }, (_, i) => ({
      tsUs: t0 + i * 1_000_000,
      equity: (10_000 + Math.sin(i / 5) * 20).toFixed(2),
      pnl: (Math.sin(i / 5) * 20).toFixed(2),
    }));
    server.update({
      equity,
      positions: [
        {
          venue: 'kraken',
          symbol: 'BTC/USD',
          qty: '0.01000000',
          avgPrice: '65000.1',
          unrealizedPnl: '1.20',
          realizedPnl: '0.00',
        },
      ],
      openOrders: [
        {
          id: 'o1',
          venue: 'kraken',
          symbol: 'BTC/USD',
          side: 'sell',
          type: 'limit',
          price: '65010.0',
          qty: '0.01000000',
          filledQty: '0',
          status: 'acknowledged',
        },
      ],
      risk: {
        drawdown: 0.012,
        emergencyStop: false,
        halts: [{ rule: 'stale_feed', venue: 'kucoin', symbol: 'BTC/USDT', detail: 'no data for 6.0 s > 5 s' }],
      },
      feeds: [
        { venue: 'kraken', connected: true, gaps: 0, resyncs: 0, checksumMismatches: 0, lagMs: 12.5, frames: 1234 },
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('loads, draws the chart, and updates live when fills arrive', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.getByTestId('stream-status').filter({ hasText: 'live' }).waitFor();
    // uPlot draws on a canvas; the chart holds the 50 points we sent.
    await expect.poll(() => page.getByTestId('chart').getAttribute('data-points')).toBe('50');
    const canvas = page.locator('#chart canvas');
    expect(await canvas.count()).toBe(1);
    const painted = await canvas.evaluate((c: CanvasLike) => {
      const ctx = c.getContext('2d');
      if (!ctx) return 0;
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if ((d[i] ?? 0) > 0) n++;
      return n;
    });
    expect(painted).toBeGreaterThan(500);
    expect(await page.getByTestId('positions').textContent()).toContain('65000.1');
    expect(await page.getByTestId('risk').textContent()).toContain('stale_feed');
    expect(await page.getByTestId('feeds').textContent()).toContain('1234');
    expect(await page.getByTestId('fill-count').textContent()).toBe('0');
    const before = await page.getByTestId('equity').textContent();

    const fill: FillView = {
      id: 'f1',
      tsUs: t0 + 51e6,
      venue: 'kraken',
      symbol: 'BTC/USD',
      side: 'buy',
      price: '65000.1',
      qty: '0.01',
      fee: '0.26',
      liquidity: 'maker',
      markoutsBps: [null, null, null],
      toxic: true,
    };
    server.update({ fills: [fill], equity: [{ tsUs: t0 + 51e6, equity: '10100.00', pnl: '100.00' }] });
    await page.getByTestId('fill-count').filter({ hasText: '1' }).waitFor();
    await page.getByTestId('equity').filter({ hasText: '10100.00' }).waitFor();
    expect(await page.getByTestId('equity').textContent()).not.toBe(before);
    expect(await page.getByTestId('fills').textContent()).toContain('toxic');
    server.update({ fills: [{ ...fill, markoutsBps: [-2.5, null, null] }] });
    await page.locator('#fills tr[data-fill="f1"]').filter({ hasText: '-2.50' }).waitFor();
    await expect.poll(() => page.getByTestId('chart').getAttribute('data-points')).toBe('51');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('refuses a page load without the token', async () => {
    const page = await browser.newPage();
    const res = await page.goto(server.url.replace(/\?.*$/, ''));
    expect(res?.status()).toBe(401);
  });
});
