// A/B of the book-level encoding on the SQLite write path, same process, interleaved: the levels
// as JSONB written from ticks/lots by LevelsJsonbWriter (what SqliteStore.writeEvents does) against
// the previous encoding, seed-shaped JSON text built per snapshot (bookSnapshotToStorageRow). Same
// table, settings, statement and transactions; only the encoding differs.
//
// Run: pnpm --filter @tickerml/storage bench:sqlite-levels [-- --runs 7]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BookSnapshot } from '@tickerml/core';
import Database from 'better-sqlite3';
import { LevelsJsonbWriter } from '../src/jsonb.js';
import { bookSnapshotToStorageRow, bookSnapshotValues, type JsonText } from '../src/rows.js';
import { SqliteStore } from '../src/sqlite.js';
import { instruments } from '../test/events.js';
import { syntheticBooks } from './books.js';

const at = process.argv.indexOf('--runs');
const RUNS = at > 0 ? Number(process.argv[at + 1]) : 7;
const N = 100_000;
const LEVELS = 10;
const BATCH = 5_000;

const events = syntheticBooks(N, LEVELS);

const collect = (globalThis as { gc?: () => void }).gc ?? (() => {});
const dir = mkdtempSync(join(tmpdir(), 'tickerml-bench-levels-'));

function run(encoding: 'jsonb' | 'text'): number {
  const path = join(dir, `${encoding}-${Math.random()}.db`);
  SqliteStore.open(path).close(); // schema, 16 KiB pages, WAL
  const db = new Database(path);
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 2560');
  const insert = db.prepare(
    'INSERT INTO order_books (id, timestamp, local_ts, exchange, symbol, seq, bids, asks, mid_price, spread, imbalance, tick_size, lot_size, depth) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const levels = new LevelsJsonbWriter();
  const values: unknown[] = [];
  const batch = db.transaction((chunk: readonly BookSnapshot[]) => {
    for (const event of chunk) {
      if (encoding === 'jsonb') insert.run(bookSnapshotValues(event, instruments, values, levels));
      else {
        const r = bookSnapshotToStorageRow(event, instruments);
        insert.run(
          null,
          r.timestamp,
          r.local_ts,
          r.exchange,
          r.symbol,
          r.seq,
          (r.bids as JsonText).text,
          (r.asks as JsonText).text,
          r.mid_price,
          r.spread,
          r.imbalance,
          r.tick_size,
          r.lot_size,
          r.depth,
        );
      }
    }
  });
  collect();
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i += BATCH) batch(events.slice(i, i + BATCH));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  db.close();
  return N / seconds;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
try {
  const jsonb: number[] = [];
  const text: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    if (r % 2 === 0) {
      jsonb.push(run('jsonb'));
      text.push(run('text'));
    } else {
      text.push(run('text'));
      jsonb.push(run('jsonb'));
    }
  }
  console.log(
    `book snapshots (${LEVELS}+${LEVELS} levels), ${N} rows, ${RUNS} runs: levels as JSONB ${fmt(median(jsonb))} rows/s, ` +
      `as JSON text ${fmt(median(text))} rows/s, ratio ${(median(jsonb) / median(text)).toFixed(2)}  [runs: ${jsonb.map(fmt).join(', ')} | ${text.map(fmt).join(', ')}]`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
