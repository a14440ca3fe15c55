import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const RECORDING = fileURLToPath(
  new URL('../../exchanges/test/fixtures/binance/hftbacktest_spot_btcusdt_20240808.gz', import.meta.url),
);
const BACKENDS = ['pg', 'pg-copy-streams', 'kafkajs', 'ccxt', 'better-sqlite3'];

// A loader hook that makes importing a backend fail, so a command that loads one exits non-zero.
const dir = mkdtempSync(join(tmpdir(), 'tickerml-bin-'));
writeFileSync(
  join(dir, 'hooks.mjs'),
  `const DENIED = new Set(${JSON.stringify(BACKENDS)});
export async function resolve(specifier, context, next) {
  if (DENIED.has(specifier)) throw new Error('loaded ' + specifier);
  return next(specifier, context);
}
`,
);
writeFileSync(
  join(dir, 'deny.mjs'),
  `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${join(dir, 'hooks.mjs')}`)});\n`,
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tickerml(...args: string[]) {
  return spawnSync(process.execPath, ['--import', join(dir, 'deny.mjs'), BIN, ...args], { encoding: 'utf8' });
}

describe('tickerml loads a backend only for the command that needs it (issue 15, point 4)', () => {
  it('--help and backtest run with pg, pg-copy-streams, kafkajs, ccxt and better-sqlite3 unloadable', () => {
    const help = tickerml('--help');
    expect(help.stderr).toBe('');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: tickerml <command>/);
    const backtest = tickerml('backtest', '--data', RECORDING, '--strategy', 'obi-momentum', '--json');
    expect(backtest.status, backtest.stderr).toBe(0);
    expect(JSON.parse(backtest.stdout).events).toBeGreaterThan(0);
  });

  it('the hook does refuse a backend: migrate, which needs SQLite, fails under it', () => {
    const migrate = tickerml('migrate', '--help');
    expect(migrate.status).not.toBe(0);
    expect(migrate.stderr).toContain('loaded better-sqlite3');
  });
});
