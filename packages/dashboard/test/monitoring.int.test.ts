import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DashboardServer } from '../src/server.js';
import { chromiumAvailable, launchChromium } from './browser.js';

const hasBrowser = chromiumAvailable();
const t0 = 1_764_000_000_000_000;

describe.runIf(hasBrowser)('dashboard alerts, funding and account figures in headless Chromium', () => {
  let browser: Browser;
  let server: DashboardServer;

  beforeAll(async () => {
    browser = await launchChromium();
    server = new DashboardServer({ port: 0, pushIntervalMs: 20 });
    await server.start();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('lists active and recent alerts, funding rates and the Sharpe, max drawdown and daily P&L, live', async () => {
    server.update({
      alerts: {
        active: [
          {
            key: 'feed_stale:binance',
            rule: 'feed_stale',
            severity: 'critical',
            summary: 'binance: no book update for 9.0 s (threshold 5.0 s)',
            status: 'firing',
            startedAtUs: t0,
            endedAtUs: null,
          },
        ],
        recent: [],
      },
      funding: [
        { venue: 'binanceusdm', symbol: 'BTC/USDT:USDT', rate: '0.00012', fundingTs: t0 + 3600e6, receivedTs: t0 },
      ],
      stats: { sharpeRatio: null, maxDrawdown: 0.0321, dailyPnl: '-12.50' },
    });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.getByTestId('stream-status').filter({ hasText: 'live' }).waitFor();
    expect(await page.getByTestId('alert-count').textContent()).toBe('1');
    const firing = page.locator('#alerts tr[data-alert="feed_stale:binance"]');
    expect(await firing.getAttribute('data-status')).toBe('firing');
    expect(await firing.textContent()).toContain('no book update for 9.0 s');
    expect(await page.locator('#funding tr[data-funding="binanceusdm:BTC/USDT:USDT"]').textContent()).toContain(
      '0.0120 %',
    );
    expect(await page.getByTestId('max-drawdown').textContent()).toBe('3.21 %');
    expect(await page.getByTestId('daily-pnl').textContent()).toBe('-12.50');
    expect(await page.getByTestId('sharpe').textContent()).toBe('–');

    // The alert resolves: it moves to the recent list, the count drops; the Sharpe arrives.
    server.update({
      alerts: {
        active: [],
        recent: [
          {
            key: 'feed_stale:binance',
            rule: 'feed_stale',
            severity: 'critical',
            summary: 'binance: no book update for 9.0 s (threshold 5.0 s)',
            status: 'resolved',
            startedAtUs: t0,
            endedAtUs: t0 + 20e6,
          },
        ],
      },
      stats: { sharpeRatio: 1.234, maxDrawdown: 0.0321, dailyPnl: '3.00' },
    });
    await page.getByTestId('alert-count').filter({ hasText: '0' }).waitFor();
    await page.locator('#alerts tr[data-status="resolved"]').waitFor();
    await page.getByTestId('sharpe').filter({ hasText: '1.23' }).waitFor();
    expect(await page.getByTestId('daily-pnl').textContent()).toBe('+3.00');
    expect(errors).toEqual([]);
  });
});
