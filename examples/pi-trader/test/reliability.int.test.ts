/**
 * What an outsider's test of the pi-trader broke, each checked on the real process: order ids
 * unique for the life of a database across kill -9 restarts, the dashboard refused beyond
 * loopback without a token and its token never printed, an unwritable log directory or a bad
 * `--db` refused at start with a clear error, quickly.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteStore } from '@tickerml/storage';
import { afterAll, describe, expect, it } from 'vitest';
import { startApp } from './app-process.js';
import { until } from './until.js';

const CONFIG = fileURLToPath(new URL('../../../config', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'pi-trader-rel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const start = (args: string[], env: Record<string, string> = {}) => startApp(args, dir, env);

const base = (db: string) => [
  '--config',
  CONFIG,
  '--port',
  '0',
  '--metrics-port',
  '0',
  '--db',
  db,
  '--speed',
  '20',
  '--strategy',
  'market-maker',
  '--status-every',
  '0',
];

function orderRows(db: string): { order_id: string; side: string; price: string | null; status: string }[] {
  const store = SqliteStore.open(db, { readonly: true });
  try {
    return store.transaction((d) =>
      d.prepare('SELECT order_id, side, price, status FROM orders ORDER BY rowid').all(),
    ) as { order_id: string; side: string; price: string | null; status: string }[];
  } finally {
    store.close();
  }
}

describe('pi-trader reliability', () => {
  it('keeps order ids unique for the life of a database across kill -9 restarts', async () => {
    const db = join(dir, 'kill9.sqlite');
    let stored = 0;
    for (let run = 0; run < 4; run++) {
      const p = start(base(db));
      try {
        // Killed once this run's orders are committed (a checkpoint each second).
        await until(`orders of run ${run}`, () => {
          if (p.child.exitCode !== null) throw new Error(`exited early: ${p.err()}`);
          try {
            const n = new Set(orderRows(db).map((r) => r.order_id)).size;
            return n >= stored + 3 ? n : undefined;
          } catch {
            return undefined; // not created yet
          }
        });
      } finally {
        p.child.kill('SIGKILL');
        await p.exited;
      }
      stored = new Set(orderRows(db).map((r) => r.order_id)).size;
    }
    const rows = orderRows(db);
    const byId = new Map<string, { sides: Set<string>; prices: Set<string | null> }>();
    for (const r of rows) {
      const e = byId.get(r.order_id) ?? { sides: new Set(), prices: new Set() };
      e.sides.add(r.side);
      e.prices.add(r.price);
      byId.set(r.order_id, e);
    }
    const ambiguous = [...byId].filter(([, e]) => e.sides.size > 1 || e.prices.size > 1).map(([id]) => id);
    expect(ambiguous).toEqual([]);
    expect(byId.size).toBeGreaterThanOrEqual(12);
  }, 240_000);

  it('refuses a dashboard on every interface without a token, naming the key', async () => {
    const p = start([...base(join(dir, 'a.sqlite')), '--duration', '5'], { TICKERML__DASHBOARD__HOST: '0.0.0.0' });
    expect(await p.exited).toBe(1);
    expect(p.err()).toContain('TICKERML__DASHBOARD__TOKEN');
    expect(p.err()).toContain('dashboard.token');
  }, 60_000);

  it('never prints or logs the dashboard token', async () => {
    const token = 'tok-0123456789abcdef-secret';
    const logs = join(dir, 'token-logs');
    const p = start([...base(join(dir, 'b.sqlite')), '--duration', '2'], {
      TICKERML__DASHBOARD__TOKEN: token,
      TICKERML__LOGGING__DIR: logs,
    });
    expect(await p.exited).toBe(0);
    expect(p.out()).toMatch(/dashboard: http:\/\/127\.0\.0\.1:\d+\/\?token=\[REDACTED\]/);
    expect(p.out() + p.err()).not.toContain(token);
    const files = readdirSync(logs);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(readFileSync(join(logs, f), 'utf8')).not.toContain(token);
  }, 60_000);

  it('fails at start, quickly, on an unwritable log directory', async () => {
    const t0 = performance.now();
    const p = start([...base(join(dir, 'c.sqlite')), '--duration', '2'], { TICKERML__LOGGING__DIR: '/proc/nolog' });
    expect(await p.exited).toBe(1);
    expect(performance.now() - t0).toBeLessThan(20_000);
    expect(p.err()).toContain('/proc/nolog');
    expect(p.err()).toContain('TICKERML__LOGGING__DIR');
  }, 60_000);

  it("refuses --db '' and names the file in the way of a --db directory", async () => {
    const empty = start([...base(''), '--duration', '2']);
    expect(await empty.exited).toBe(1);
    expect(empty.err()).toMatch(/--db/);
    const underFile = start([...base('/etc/passwd/x.sqlite'), '--duration', '2']);
    expect(await underFile.exited).toBe(1);
    expect(underFile.err()).toContain("'/etc/passwd' exists and is not a directory");
    expect(underFile.err()).not.toContain('EEXIST');
  }, 60_000);
});
