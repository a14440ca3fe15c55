/**
 * `pc-trainer dataset --postgres`: the rows the box collects into PostgreSQL make the same dataset,
 * bit for bit, as the same rows in SQLite (`--db`). Needs the PostgreSQL of `pnpm services:up`;
 * works in a scratch database of its own, dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MarketEvent } from '@tickerml/core';
import { openEvents } from '@tickerml/exchanges';
import { readDataset } from '@tickerml/rl';
import { BookSampler, instrumentMap, SqliteStore } from '@tickerml/storage';
import { PostgresStore } from '@tickerml/storage/postgres';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { describeWithService } from '../../../test/support/services.js';
import { type CommandIo, datasetCommand } from '../src/commands/dataset.js';

const BINANCE = fileURLToPath(
  new URL('../../pi-trader/recordings/binance/hftbacktest_spot_btcusdt_20240808.gz', import.meta.url),
);
const dir = mkdtempSync(join(tmpdir(), 'pc-trainer-stores-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function captured(): CommandIo & { err: string[] } {
  const err: string[] = [];
  return { err, isTty: false, stdout: () => {}, stderr: (t) => err.push(t) };
}

await describeWithService('postgres', 'pc-trainer dataset from collected rows', (service) => {
  it('builds the same dataset from PostgreSQL as from SQLite holding the same rows', async () => {
    const recording = await openEvents(BINANCE);
    const instrument = recording.instruments[0];
    if (instrument === undefined) throw new Error('no instrument');
    const instruments = instrumentMap({
      [`binance:${instrument.symbol}`]: { tickSize: instrument.tickSize, lotSize: instrument.lotSize },
    });
    const rows: MarketEvent[] = [];
    const sampler = new BookSampler({ intervalUs: 1_000_000, levels: 10, onSample: (s) => rows.push(s) });
    for await (const e of recording.events()) {
      sampler.onEvent(e);
      if (e.kind === 'trade') rows.push(e);
    }

    const db = join(dir, 'collected.db');
    const sqlite = SqliteStore.open(db, { instruments });
    sqlite.writeEvents(rows);
    sqlite.close();

    const name = `tickerml_pc_trainer_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: service.url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(service.url);
    url.pathname = `/${name}`;
    try {
      const store = await PostgresStore.connect(url.toString(), { instruments });
      await store.writeEvents(rows);
      await store.close();

      const fromSqlite = join(dir, 'sqlite.arrow');
      const fromPostgres = join(dir, 'postgres.arrow');
      const a = captured();
      expect(await datasetCommand(['--db', db, '--out', fromSqlite], a), a.err.join('')).toBe(0);
      const b = captured();
      expect(await datasetCommand(['--postgres', url.toString(), '--out', fromPostgres], b), b.err.join('')).toBe(0);
      const left = readDataset(fromSqlite);
      const right = readDataset(fromPostgres);
      expect(right.rows).toBe(left.rows);
      expect(right.rows).toBeGreaterThan(250);
      expect(Array.from(right.t0)).toEqual(Array.from(left.t0));
      expect(Array.from(new Uint32Array(right.states.buffer))).toEqual(Array.from(new Uint32Array(left.states.buffer)));
      expect(right.meta.sources[0]?.path).toBe(url.toString());
      expect(right.meta.sources[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      const cleanup = new pg.Client({ connectionString: service.url });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    }
  }, 120_000);
});
