/**
 * A real Prometheus (Debian's `prometheus` package) on loopback, with its own random port and
 * data directory, scraping a running pi-trader (the demo recordings through the real feeds) and
 * evaluating the shipped rules (ops/prometheus/rules/tickerml.rules.yml). When the demo's feeds
 * are stopped, TickerMLFeedStale turns firing in Prometheus, and the box's own engine sends
 * `feed_stale` to a loopback webhook and a loopback Telegram-shaped server.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@tickerml/core';
import { SqliteStore } from '@tickerml/storage';
import { afterAll, describe, expect, it } from 'vitest';
import { type PiTrader, startPiTrader } from '../src/app.js';
import { parseCliArgs } from '../src/args.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RULES = join(ROOT, 'ops/prometheus/rules/tickerml.rules.yml');
const GRAFANA = join(ROOT, 'ops/grafana/tickerml-pi.json');

function hasPrometheus(): boolean {
  try {
    execFileSync('prometheus', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const available = hasPrometheus();
if (!available) {
  // CI installs it (.ci/run); a run without it must not pass silently there.
  if (process.env['CI'] === 'true') throw new Error('prometheus is not installed (apt-get install -y prometheus)');
  console.warn('skipping the live Prometheus test: no prometheus binary (apt-get install -y prometheus)');
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const t0 = performance.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (error) {
      last = error;
    }
    if (performance.now() - t0 > timeoutMs)
      throw new Error(`timed out waiting for ${what}${last === undefined ? '' : `: ${String(last)}`}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

interface Hook {
  readonly url: string;
  readonly bodies: { path: string; body: Record<string, unknown> }[];
  readonly server: Server;
}
async function hookServer(answer: string): Promise<Hook> {
  const bodies: Hook['bodies'] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => {
      text += c.toString();
    });
    req.on('end', () => {
      bodies.push({ path: req.url ?? '', body: JSON.parse(text) as Record<string, unknown> });
      res.writeHead(200, { 'content-type': 'application/json' }).end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies, server };
}

interface PromAlert {
  readonly labels: Record<string, string>;
  readonly state: 'pending' | 'firing';
}

describe.runIf(available)('a real Prometheus scraping a running pi-trader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pi-prometheus-'));
  let prometheus: ChildProcess | undefined;
  let pi: PiTrader | undefined;
  const hooks: Hook[] = [];
  const saved = { ...process.env };
  afterAll(async () => {
    await pi?.stop('test over').catch(() => undefined);
    if (prometheus?.pid !== undefined && prometheus.exitCode === null) {
      const exited = new Promise((r) => prometheus?.once('exit', r));
      prometheus.kill('SIGTERM');
      await exited;
    }
    for (const h of hooks) {
      h.server.closeAllConnections();
      h.server.close();
    }
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('TickerMLFeedStale turns firing when the demo feeds stop, and the box tells a webhook and Telegram', async () => {
    const webhook = await hookServer('{}');
    const telegram = await hookServer('{"ok":true,"result":{}}');
    hooks.push(webhook, telegram);
    // Secrets only from the environment: the app reads the variables the config names.
    process.env['TICKERML_ALERT_WEBHOOK_URL'] = `${webhook.url}/hook`;
    process.env['TICKERML_TELEGRAM_BOT_TOKEN'] = '4242:test-token';
    process.env['TICKERML_TELEGRAM_CHAT_ID'] = '-1001';
    const config = loadConfig(join(ROOT, 'config'), {
      env: {
        TICKERML__LOGGING__DIR: join(dir, 'logs'),
        TICKERML__STORAGE__RECORDINGS_DIR: join(dir, 'recordings'),
        TICKERML__MONITORING__ALERTS__EVALUATE_EVERY_MS: '500',
        TICKERML__MONITORING__ALERTS__CHANNELS__WEBHOOK__ENABLED: 'true',
        TICKERML__MONITORING__ALERTS__CHANNELS__TELEGRAM__ENABLED: 'true',
        TICKERML__MONITORING__ALERTS__CHANNELS__TELEGRAM__API_BASE: telegram.url,
      },
    });
    const args = parseCliArgs([
      '--port',
      '0',
      '--metrics-port',
      '0',
      '--db',
      join(dir, 'pi.sqlite'),
      '--status-every',
      '0',
      // A baseline: what is measured here is the monitoring, not the policy.
      '--strategy',
      'obi-momentum',
    ]);
    if (args === 'help') throw new Error('unreachable');
    pi = await startPiTrader({ args, config, print: () => undefined });
    const metricsUrl = new URL(pi.metricsUrl ?? '');

    const port = await freePort();
    const api = `http://127.0.0.1:${port}/api/v1`;
    mkdirSync(join(dir, 'prom'), { recursive: true });
    writeFileSync(
      join(dir, 'prom/prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'rule_files:',
        `  - ${JSON.stringify(RULES)}`,
        'scrape_configs:',
        '  - job_name: tickerml-pi',
        '    static_configs:',
        `      - targets: ['${metricsUrl.host}']`,
        '',
      ].join('\n'),
    );
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prom/prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'prom/data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let promLog = '';
    prometheus.stderr?.on('data', (c: Buffer) => {
      promLog = (promLog + c.toString()).slice(-4_000);
    });

    try {
      await until('the pi-trader target up', async () => {
        const r = (await (await fetch(`${api}/targets`)).json()) as {
          data: { activeTargets: { health: string; labels: Record<string, string> }[] };
        };
        return r.data.activeTargets.some((t) => t.health === 'up' && t.labels['job'] === 'tickerml-pi')
          ? true
          : undefined;
      });
      const binanceFresh = await until('binance book updates scraped', async () => {
        const r = (await (
          await fetch(
            `${api}/query?query=${encodeURIComponent('time() - tickerml_pi_feed_last_book_update_timestamp_seconds{venue="binance"}')}`,
          )
        ).json()) as { data: { result: { value: [number, string] }[] } };
        const v = r.data.result[0]?.value[1];
        return v !== undefined && Number(v) < 5 ? Number(v) : undefined;
      });
      expect(binanceFresh).toBeLessThan(5);
      const alerts = async (): Promise<PromAlert[]> =>
        ((await (await fetch(`${api}/alerts`)).json()) as { data: { alerts: PromAlert[] } }).data.alerts;
      const stale = (list: PromAlert[]) =>
        list.find((a) => a.labels['alertname'] === 'TickerMLFeedStale' && a.labels['venue'] === 'binance');
      expect(stale(await alerts())).toBeUndefined();

      // Every metric the shipped rules and the Grafana dashboard name is one the box exports (the
      // Kafka lag gauge exists only with --bus kafka, the Sharpe ratio only after 30 days).
      const names = new Set(((await (await fetch(`${api}/label/__name__/values`)).json()) as { data: string[] }).data);
      const referenced = new Set(
        [readFileSync(RULES, 'utf8'), readFileSync(GRAFANA, 'utf8')]
          .join('\n')
          .match(/tickerml_pi_[a-z0-9_]+/g)
          ?.map((n) => n.replace(/_(bucket|sum|count)$/, '')),
      );
      const missing = [...referenced].filter(
        (n) =>
          n !== 'tickerml_pi_kafka_consumer_lag_messages' &&
          n !== 'tickerml_pi_sharpe_ratio' &&
          !names.has(n) &&
          !names.has(`${n}_bucket`),
      );
      expect(missing, `named by the rules or the dashboard, not exported: ${missing.join(', ')}`).toEqual([]);

      // Funding in the demo: hand-written Binance USD-M frames from the replay kit, through the real
      // funding feed, on the bus, in Prometheus, on the dashboard and in SQLite.
      const rate = await until('the demo funding rate in Prometheus', async () => {
        const r = (await (
          await fetch(
            `${api}/query?query=${encodeURIComponent('tickerml_pi_funding_rate_ratio{venue="binanceusdm",symbol="BTC/USDT:USDT"}')}`,
          )
        ).json()) as { data: { result: { value: [number, string] }[] } };
        const v = r.data.result[0]?.value[1];
        return v === undefined ? undefined : Number(v);
      });
      expect(['0.0001', '0.000125', '0.00008', '-0.000025', '0.00015'].map(Number)).toContain(rate);
      const snapshot = (await (await fetch(new URL('/api/snapshot', pi.dashboardUrl))).json()) as {
        funding: { venue: string; symbol: string; rate: string; fundingTs: number }[];
      };
      expect(snapshot.funding.length).toBeGreaterThanOrEqual(1);
      const funded = await until('both demo funding venues on the dashboard', async () => {
        const snap = (await (await fetch(new URL('/api/snapshot', pi?.dashboardUrl))).json()) as typeof snapshot;
        return snap.funding.length === 2 ? snap.funding : undefined;
      });
      expect(funded).toEqual([
        expect.objectContaining({
          venue: 'binanceusdm',
          symbol: 'BTC/USDT:USDT',
          rate: expect.stringMatching(/^-?0\.000/),
        }),
        expect.objectContaining({
          venue: 'krakenfutures',
          symbol: 'BTC/USD:USD',
          rate: expect.stringMatching(/^-?0\.0000/),
        }),
      ]);
      for (const f of funded) expect(f.fundingTs).toBeGreaterThan(Date.now() * 1000);

      // The outage.
      await pi.stopFeeds();
      const firing = await until(
        'TickerMLFeedStale firing for binance',
        async () => {
          const a = stale(await alerts());
          return a?.state === 'firing' ? a : undefined;
        },
        90_000,
      );
      expect(firing.labels).toMatchObject({ severity: 'critical', job: 'tickerml-pi', venue: 'binance' });

      // The box's own engine told the webhook and Telegram (threshold 5 s, evaluated every 0.5 s).
      const sent = await until('feed_stale on the webhook', async () =>
        webhook.bodies.find((b) => b.body['key'] === 'feed_stale:binance' && b.body['status'] === 'firing'),
      );
      expect(sent.path).toBe('/hook');
      expect(sent.body).toMatchObject({ rule: 'feed_stale', severity: 'critical', labels: { venue: 'binance' } });
      const tg = await until('feed_stale on Telegram', async () =>
        telegram.bodies.find((b) => String(b.body['text']).includes('feed_stale: binance: no book update')),
      );
      expect(tg.path).toBe('/bot4242:test-token/sendMessage');
      expect(tg.body['chat_id']).toBe('-1001');
      // The dashboard's source of truth lists it as active.
      expect(pi.monitoring.alerts().active.map((a) => a.key)).toContain('feed_stale:binance');
      // Each funding rate change was stored.
      await pi.stop('test over');
      pi = undefined;
      const stored = SqliteStore.open(join(dir, 'pi.sqlite'), { readonly: true });
      const rows = stored.query('funding_rates');
      stored.close();
      expect(rows.length).toBeGreaterThanOrEqual(1);
      expect(rows[0]).toMatchObject({ exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT' });
    } catch (error) {
      throw new Error(`${String(error)}\n--- prometheus log ---\n${promLog}`);
    }
  });
});
