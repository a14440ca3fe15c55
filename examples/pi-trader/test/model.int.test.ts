/**
 * The pi-trader decides with the bundled demo Decision Transformer by default: the dashboard's
 * model panel shows its decisions (labelled as the demo model), and the in-browser page runs the
 * same policy.onnx with onnxruntime-web (WASM served by the box) on the box's latest context and
 * reaches the same action as onnxruntime-node did, checked in headless Chromium.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from '../../../packages/dashboard/test/browser.js';
import { startApp } from './app-process.js';
import { until } from './until.js';

const CONFIG = fileURLToPath(new URL('../../../config', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'pi-trader-model-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pi-trader with the demo Decision Transformer', () => {
  it.skipIf(!chromiumAvailable())(
    'shows the model panel and the browser runs the same ONNX file to the same action',
    async () => {
      const app = startApp(
        [
          ...['--config', CONFIG, '--duration', '90', '--port', '0', '--metrics-port', '0'],
          ...['--db', join(dir, 'db.sqlite'), '--status-every', '0'],
        ],
        dir,
        {
          TICKERML__LOGGING__DIR: join(dir, 'logs'),
          TICKERML__STORAGE__RECORDINGS_DIR: join(dir, 'rec'),
          TICKERML__NEWS__ENABLED: 'false',
        },
      );
      const { child, exited } = app;
      const browser = await launchChromium();
      try {
        const url = await until('the dashboard URL', () => {
          if (child.exitCode !== null) throw new Error(`pi-trader exited: ${app.err()}`);
          return /dashboard: (http:\/\/\S+)/.exec(app.out())?.[1];
        });
        const page = await browser.newPage();
        await page.goto(url);
        await until('a model decision on the dashboard', async () =>
          (await page.locator('[data-testid=model-probs]').count()) > 0 ? true : undefined,
        );
        expect(await page.locator('[data-testid=model-label]').textContent()).toMatch(
          /DEMO model trained on minutes of data/,
        );
        expect(await page.locator('[data-testid=model-probs]').textContent()).toMatch(
          /\d+\.\d % \/ \d+\.\d % \/ \d+\.\d %/,
        );
        expect(await page.locator('[data-testid=model-latency]').textContent()).toMatch(/\d\.\d{3} ms/);

        const modelPage = await browser.newPage();
        const base = new URL(url);
        await modelPage.goto(new URL(`/model.html${base.search}`, base).href);
        const status = await until('the in-browser inference', async () => {
          const s = await modelPage.locator('body').getAttribute('data-status');
          return s === null ? undefined : s;
        });
        const text = await modelPage.locator('[data-testid=model-compare]').textContent();
        expect(status, text ?? '').toBe('match');
        expect(await modelPage.locator('[data-testid=status]').textContent()).toBe('same action');
        // the same float32 file: onnxruntime-web in Chromium within 1e-5 of onnxruntime-node on the box
        expect(Number(await modelPage.locator('[data-testid=max-diff]').textContent())).toBeLessThanOrEqual(1e-5);
      } finally {
        await browser.close();
        child.kill('SIGINT');
      }
      expect(await exited).toBe(0);
    },
    180_000,
  );
});
