/**
 * Every value the page inserts is escaped: markup in any field of an order, a fill, a feed or a
 * risk halt shows as text in headless Chromium and never becomes an element, and the page runs
 * under its Content-Security-Policy without a violation.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DashboardServer } from '../src/server.js';
import type { FillView, OrderView } from '../src/types.js';
import { chromiumAvailable, launchChromium } from './browser.js';

const hasBrowser = chromiumAvailable();
const EVIL = '<img src=x data-evil=1>';

describe.runIf(hasBrowser)('dashboard escaping in headless Chromium', () => {
  let browser: Browser;
  let server: DashboardServer;

  beforeAll(async () => {
    browser = await launchChromium();
    server = new DashboardServer({ port: 0, pushIntervalMs: 20 });
    await server.start();
    // Fields the server types as enums or numbers arrive as whatever a library caller put there.
    const order = {
      id: 'o1',
      venue: 'kraken',
      symbol: 'BTC/USD',
      side: EVIL,
      type: 'limit',
      price: '1',
      qty: '1',
      filledQty: '0',
      status: 'acknowledged',
    } as unknown as OrderView;
    const fill = {
      id: 'f1',
      tsUs: 1_764_000_000_000_000,
      venue: 'kraken',
      symbol: 'BTC/USD',
      side: EVIL,
      price: '1',
      qty: '1',
      fee: '0',
      liquidity: EVIL,
      markoutsBps: [null, null, null],
      toxic: false,
    } as unknown as FillView;
    server.update({
      // A drawn chart too: uPlot's styles must pass the policy.
      equity: [
        { tsUs: 1_764_000_000_000_000, equity: '10000', pnl: '0' },
        { tsUs: 1_764_000_001_000_000, equity: '10001', pnl: '1' },
      ],
      openOrders: [order],
      fills: [fill],
      feeds: [
        {
          venue: 'kraken',
          connected: true,
          frames: EVIL as unknown as number,
          gaps: EVIL as unknown as number,
          resyncs: EVIL as unknown as number,
          checksumMismatches: EVIL as unknown as number,
          lagMs: null,
        },
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows markup from the data as text, never as elements', async () => {
    const page = await browser.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.goto(server.url);
    await page.waitForSelector('[data-testid="orders"] tbody tr td');
    await page.waitForSelector('[data-fill="f1"]');
    await page.waitForSelector('[data-testid="chart"] canvas');
    expect(await page.locator('[data-evil]').count()).toBe(0);
    expect(await page.locator('[data-testid="orders"] tbody').textContent()).toContain(EVIL);
    const fillRow = (await page.locator('[data-fill="f1"]').textContent()) ?? '';
    expect(fillRow.split(EVIL).length - 1).toBe(2);
    expect(await page.locator('[data-testid="feeds"] tbody').textContent()).toContain(EVIL);
    expect(violations).toEqual([]);
    await page.close();
  });
});
