/**
 * The demo's news: the bundled real feeds served on loopback are harvested, scored (VADER here:
 * no Ollama answers on this machine, and the log says so once) and shown on the dashboard with
 * their sentiment and scorer, checked in headless Chromium; the harvested items are recorded.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNewsRecording } from '@tickerml/news';
import { SqliteStore } from '@tickerml/storage';
import { afterAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from '../../../packages/dashboard/test/browser.js';
import { startApp } from './app-process.js';
import { until } from './until.js';

const CONFIG = fileURLToPath(new URL('../../../config', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'pi-trader-news-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pi-trader demo news', () => {
  it.skipIf(!chromiumAvailable())(
    'shows scored headlines with their scorer on the dashboard and records what it fetched',
    async () => {
      const app = startApp(
        [
          ...['--config', CONFIG, '--duration', '60', '--port', '0', '--metrics-port', '0'],
          ...['--db', join(dir, 'db.sqlite'), '--status-every', '0'],
        ],
        dir,
        {
          TICKERML__LOGGING__DIR: join(dir, 'logs'),
          TICKERML__STORAGE__RECORDINGS_DIR: join(dir, 'rec'),
          // Nothing listens here: the fallback path, whatever runs on the default port.
          TICKERML__NEWS__OLLAMA__HOST: 'http://127.0.0.1:9',
        },
      );
      const { child, exited } = app;
      const browser = await launchChromium();
      try {
        const url = await until('the dashboard URL', () => /dashboard: (http:\/\/\S+)/.exec(app.out())?.[1]);
        const page = await browser.newPage();
        await page.goto(url);
        const rows = page.locator('[data-testid=news] tbody tr');
        await until('scored headlines', async () =>
          (await page.locator('[data-testid=news] td', { hasText: 'vader' }).count()) >= 5 ? true : undefined,
        );
        expect(await rows.count()).toBeGreaterThanOrEqual(15);
        const text = await page.locator('[data-testid=news]').innerText();
        expect(text).toMatch(/coindesk|cointelegraph|theblock|decrypt/);
        expect(await page.locator('[data-testid=news-sentiment]').innerText()).toMatch(/BTC [+-]\d\.\d\d \(\d+\)/);
      } finally {
        await browser.close();
        child.kill('SIGINT');
      }
      expect(await exited).toBe(0);
      const logs = readdirSync(join(dir, 'logs'))
        .map((f) => readFileSync(join(dir, 'logs', f), 'utf8'))
        .join('');
      expect(logs.match(/not scoring with Ollama/g)).toHaveLength(1);
      const db = SqliteStore.open(join(dir, 'db.sqlite'));
      const stored = db.rowsAfter('news', 0, 1_000);
      db.close();
      expect(stored.length).toBeGreaterThanOrEqual(50);
      expect(stored.some((r) => typeof r['scores'] === 'string' && r['scores'].includes('"scorer":"vader"'))).toBe(
        true,
      );
      const recording = readdirSync(join(dir, 'rec')).find((f) => f.startsWith('news-'));
      expect(recording).toBeDefined();
      let n = 0;
      for await (const item of readNewsRecording(join(dir, 'rec', recording as string))) {
        expect(item.localTs).toBeGreaterThan(0);
        n++;
      }
      expect(n).toBeGreaterThanOrEqual(100); // 25 + 30 + 19 + 58 less cross-source duplicates
    },
    120_000,
  );
});
