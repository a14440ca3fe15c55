/**
 * The README's main command, bounded: the pi-trader trades the bundled recording through the
 * live feed, serves the dashboard (checked over HTTP and in headless Chromium) and /metrics,
 * and exits 0 on SIGINT with everything flushed to SQLite.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteStore } from '@tickerml/storage';
import { afterAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from '../../../packages/dashboard/test/browser.js';
import { startApp } from './app-process.js';
import { until } from './until.js';

const CONFIG = fileURLToPath(new URL('../../../config', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'pi-trader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const start = (args: string[]) => startApp(args, dir);

/** The part of an HTMLCanvasElement the check uses (the test project has no DOM types). */
interface Canvas {
  readonly width: number;
  readonly height: number;
  getContext(
    kind: '2d',
  ): { getImageData(x: number, y: number, w: number, h: number): { readonly data: ArrayLike<number> } } | null;
}

/** The flags of a bundled-recording run on `db`: ephemeral ports, 20× pace. */
function appFlags(db: string, { duration, statusEvery }: { duration: number; statusEvery: number }): string[] {
  return [
    '--config',
    CONFIG,
    '--duration',
    String(duration),
    '--port',
    '0',
    '--metrics-port',
    '0',
    '--db',
    db,
    '--speed',
    '20',
    '--status-every',
    String(statusEvery),
    // A baseline that trades within seconds: the default demo model mostly holds
    // (test/model.int.test.ts covers the Decision Transformer path).
    '--strategy',
    'obi-momentum',
  ];
}

describe('pnpm pi-trader (bundled recording)', () => {
  it('starts, trades, serves the dashboard and /metrics, and exits 0 on SIGINT', async () => {
    const db = join(dir, 'pi.sqlite');
    const run = start(appFlags(db, { duration: 90, statusEvery: 1 }));
    try {
      const dashboardUrl = await until('the dashboard URL', () => /dashboard: (http:\/\/\S+)/.exec(run.out())?.[1]);
      const metricsUrl = await until('the metrics URL', () => /metrics: +(http:\/\/\S+)/.exec(run.out())?.[1]);
      // It trades: a status line reports an order sent to the simulated venue.
      await until('an order', () => (/orders [1-9]/.test(run.out()) ? true : undefined));

      const page = await fetch(dashboardUrl);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<html');
      const snapshot = await until('equity points', async () => {
        const s = (await (await fetch(new URL('/api/snapshot', dashboardUrl))).json()) as {
          equity: { equity: string }[];
          feeds: { venue: string; frames: number; connected: boolean; gaps: number; lagMs: number | null }[];
        };
        return s.equity.length >= 3 ? s : undefined;
      });
      expect(Number(snapshot.equity[0]?.equity)).toBeGreaterThan(9_000);
      // Feed health shows the four venues of the bundled recordings, each connected, with frames
      // routed to its books and a lag measured.
      const feeds = await until('four venues connected with data', async () => {
        const s = (await (await fetch(new URL('/api/snapshot', dashboardUrl))).json()) as typeof snapshot;
        return s.feeds.length === 4 && s.feeds.every((f) => f.connected && f.frames > 0 && f.lagMs !== null)
          ? s.feeds
          : undefined;
      });
      expect(feeds.map((f) => f.venue)).toEqual(['binance', 'coinbase', 'kraken', 'kucoin']);
      for (const f of feeds) expect(f.gaps).toBe(0);
      const metrics = await (await fetch(metricsUrl)).text();
      for (const venue of ['binance', 'coinbase', 'kraken', 'kucoin'])
        expect(metrics).toMatch(new RegExp(`tickerml_pi_feed_frames_total\\{venue="${venue}"\\} [1-9]`));
      expect(metrics).toMatch(/tickerml_pi_events_total \d+/);
      expect(metrics).toContain('tickerml_pi_decision_latency_seconds_bucket');
      expect(metrics).toMatch(/tickerml_pi_orders_total [1-9]/);

      // The live page in Chromium: the equity chart fills with points while it trades.
      if (chromiumAvailable()) {
        const browser = await launchChromium();
        try {
          const tab = await browser.newPage();
          await tab.goto(dashboardUrl);
          await tab.getByTestId('stream-status').filter({ hasText: 'live' }).waitFor();
          const first = Number(await tab.getByTestId('chart').getAttribute('data-points'));
          await expect
            .poll(async () => Number(await tab.getByTestId('chart').getAttribute('data-points')), { timeout: 20_000 })
            .toBeGreaterThan(first);
          const painted = await tab.locator('#chart canvas').evaluate((c: Canvas) => {
            const d = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? [];
            let n = 0;
            for (let i = 3; i < d.length; i += 4) if ((d[i] ?? 0) > 0) n++;
            return n;
          });
          expect(painted).toBeGreaterThan(500);
        } finally {
          await browser.close();
        }
      }

      run.child.kill('SIGINT');
      expect(await run.exited).toBe(0);
      expect(run.out()).toMatch(/pi-trader stopped \(SIGINT\)/);
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
    }
    // Flushed: the orders and the last checkpoint are in SQLite, the log file in logs/.
    const store = SqliteStore.open(db, { readonly: true });
    expect(store.count('orders')).toBeGreaterThan(0);
    expect(store.count('portfolio_state')).toBeGreaterThan(0);
    store.close();
    expect(readdirSync(join(dir, 'logs')).some((f) => f.startsWith('pi-trader.'))).toBe(true);

    // A restart on the same database resumes the account from the last checkpoint.
    const fillsBefore = Number(/ (\d+) fills, equity/.exec(run.out())?.[1]);
    const again = start(appFlags(db, { duration: 2, statusEvery: 0 }));
    expect(await again.exited).toBe(0);
    expect(again.out()).toMatch(new RegExp(`resumed from checkpoint \\d+ of \\S+ \\(${fillsBefore} fills so far\\)`));
    expect(Number(/ (\d+) fills, equity/.exec(again.out())?.[1])).toBeGreaterThanOrEqual(fillsBefore);
  }, 120_000);

  it('bad configuration, flag or database: a clear error naming what was wrong, exit code 1', async () => {
    const { writeFileSync, mkdirSync } = await import('node:fs');
    const bad = join(dir, 'bad-config');
    mkdirSync(bad, { recursive: true });
    writeFileSync(join(bad, 'config.yaml'), 'dashboard:\n  port: 70000\n');
    const run = start(['--config', bad, '--duration', '1']);
    expect(await run.exited).toBe(1);
    expect(run.err()).toContain('config.yaml');
    expect(run.err()).toContain('dashboard.port');
    const corrupt = join(dir, 'corrupt.sqlite');
    writeFileSync(corrupt, 'this is not a SQLite database, it is a text file of some length '.repeat(100));
    const broken = start([
      '--config',
      CONFIG,
      '--db',
      corrupt,
      '--duration',
      '1',
      '--port',
      '0',
      '--metrics-port',
      '0',
    ]);
    expect(await broken.exited).toBe(1);
    expect(broken.err()).toContain('pi-trader: cannot start');
    expect(broken.err()).toContain(corrupt);
    const flag = start(['--speed', 'fast']);
    expect(await flag.exited).toBe(1);
    expect(flag.err()).toContain('--speed');
  });
});
