// SQLite batched-insert throughput: SqliteStore.writeEvents (event → seed-shaped row, validation,
// exact decimal text, book levels as JSONB, prepared statement, one transaction per batch)
// against the named peer, bare better-sqlite3 (the same rows already serialized as JSON text,
// the same schema and settings, a prepared INSERT, the same transactions; for books also with
// the levels wrapped in jsonb(?)), in the same run, on the same disk. Also the same events
// through EventWriter.
//
// Run: pnpm --filter @tickerml/storage bench:sqlite [-- --rows 200000 --runs 3]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MarketEvent, Trade } from '@tickerml/core';
import Database from 'better-sqlite3';
import { eventToRow } from '../src/rows.js';
import { tableSpec } from '../src/schema.js';
import {
  DEFAULT_CACHE_SIZE_KIB,
  DEFAULT_PAGE_SIZE_BYTES,
  DEFAULT_WAL_CHECKPOINT_BYTES,
  SqliteStore,
} from '../src/sqlite.js';
import { EventWriter } from '../src/writer.js';
import { instruments, numberedTrades } from '../test/events.js';
import { syntheticBooks } from './books.js';

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const ROWS = arg('rows', 200_000);
const RUNS = arg('runs', 3);
const BATCH = 5_000;
const LEVELS = 10;
// `--page-size 4096 --checkpoint-pages 1000` reproduces SQLite's defaults, to compare with ours;
// `--cache-kib 16000` better-sqlite3's page cache.
const PAGE_SIZE = arg('page-size', DEFAULT_PAGE_SIZE_BYTES);
const CACHE_KIB = arg('cache-kib', DEFAULT_CACHE_SIZE_KIB);
const CHECKPOINT_PAGES = arg('checkpoint-pages', Math.round(DEFAULT_WAL_CHECKPOINT_BYTES / PAGE_SIZE));

function timeStore(dir: string, events: readonly MarketEvent[]): number {
  const path = join(dir, `store-${Math.random()}.db`);
  const store = SqliteStore.open(path, {
    instruments,
    pageSizeBytes: PAGE_SIZE,
    walCheckpointPages: CHECKPOINT_PAGES,
    cacheSizeKiB: CACHE_KIB,
  });
  collect();
  const start = process.hrtime.bigint();
  for (let i = 0; i < events.length; i += BATCH) store.writeEvents(events.slice(i, i + BATCH));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  store.close();
  removeDatabase(path);
  return events.length / seconds;
}

/** The same events through EventWriter.pipeFrom (bounded queue, batches of 5,000, acknowledgements). */
async function timeWriter(dir: string, events: readonly MarketEvent[]): Promise<number> {
  const path = join(dir, `writer-${Math.random()}.db`);
  const store = SqliteStore.open(path, {
    instruments,
    pageSizeBytes: PAGE_SIZE,
    walCheckpointPages: CHECKPOINT_PAGES,
    cacheSizeKiB: CACHE_KIB,
  });
  const writer = new EventWriter(store, { maxBatchEvents: BATCH, maxQueuedEvents: 4 * BATCH });
  collect();
  const start = process.hrtime.bigint();
  await writer.pipeFrom(events);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  store.close();
  removeDatabase(path);
  return events.length / seconds;
}

/**
 * The peer: the same table, rows pre-serialized outside the timing (JSON columns as
 * JSON.stringify text), raw prepared INSERT in transactions. With `jsonb`, the INSERT wraps the
 * JSON columns in SQLite's `jsonb(?)`, the idiomatic way to store what the store stores for book
 * levels (JSONB), so both encodings have a bare figure.
 */
function timeBare(dir: string, events: readonly MarketEvent[], jsonb = false): number {
  const path = join(dir, `bare-${Math.random()}.db`);
  SqliteStore.open(path, { pageSizeBytes: PAGE_SIZE }).close(); // same schema, indexes and page size
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma(`wal_autocheckpoint = ${CHECKPOINT_PAGES}`); // the store's settings, exactly
  db.pragma(`cache_size = -${CACHE_KIB}`);
  const { table } = eventToRow(events[0] as MarketEvent, instruments);
  const spec = tableSpec(table);
  const rows = events.map((e) => {
    const { row } = eventToRow(e, instruments);
    return spec.columns.map((c) => (c.type === 'json' ? JSON.stringify(row[c.name]) : (row[c.name] ?? null)));
  });
  const insert = db.prepare(
    `INSERT INTO "${table}" (${spec.columns.map((c) => `"${c.name}"`).join(', ')}) VALUES (${spec.columns.map((c) => (jsonb && c.type === 'json' ? 'jsonb(?)' : '?')).join(', ')})`,
  );
  const batch = db.transaction((chunk: unknown[][]) => {
    for (const values of chunk) insert.run(...values);
  });
  collect();
  const start = process.hrtime.bigint();
  for (let i = 0; i < rows.length; i += BATCH) batch(rows.slice(i, i + BATCH));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  db.close();
  removeDatabase(path);
  return rows.length / seconds;
}

/**
 * Deletes a measured database with its WAL and shared-memory files. Each run writes tens of MB;
 * left on disk, the kernel's write-back of earlier runs' files would throttle later runs (of
 * either side) by whatever it had not flushed yet, instead of measuring the inserts.
 */
function removeDatabase(path: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
}

/** Starts each timed section from a collected heap when node runs with --expose-gc (the package script does). */
const collect = (globalThis as { gc?: () => void }).gc ?? (() => {});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

const dir = mkdtempSync(join(tmpdir(), 'tickerml-bench-sqlite-'));
try {
  // Built one at a time and dropped after, so one workload's events do not weigh on the next's GC.
  const workloads: [string, () => MarketEvent[]][] = [
    ['trades', () => [...numberedTrades(ROWS)] as Trade[]],
    [`book snapshots (${LEVELS}+${LEVELS} levels)`, () => syntheticBooks(Math.floor(ROWS / 2), LEVELS)],
  ];
  console.log(
    `SQLite batched inserts, ${BATCH} rows per transaction, WAL, synchronous=NORMAL, page_size=${PAGE_SIZE}, wal_autocheckpoint=${CHECKPOINT_PAGES}, cache_size=-${CACHE_KIB}, ${RUNS} runs (median)`,
  );
  for (const [name, build] of workloads) {
    const events = build();
    const isBooks = events[0]?.kind === 'book_snapshot';
    const ours: number[] = [];
    const bare: number[] = [];
    const bareJsonb: number[] = [];
    const viaWriter: number[] = [];
    // Run -1 warms up the JIT and the file system for every variant and is discarded.
    for (let run = -1; run < RUNS; run++) {
      // Alternate the order so none always runs on a warmer cache.
      const keep = (samples: number[], value: number) => void (run >= 0 && samples.push(value));
      const steps: (() => Promise<void>)[] = [
        async () => keep(ours, timeStore(dir, events)),
        async () => keep(bare, timeBare(dir, events)),
        async () => void (isBooks ? keep(bareJsonb, timeBare(dir, events, true)) : undefined),
        async () => keep(viaWriter, await timeWriter(dir, events)),
      ];
      if (run % 2 !== 0) steps.reverse();
      for (const step of steps) await step();
    }
    console.log(
      `${name.padEnd(34)} ${String(events.length).padStart(7)} rows  SqliteStore.writeEvents ${fmt(median(ours)).padStart(9)} rows/s  ` +
        `bare better-sqlite3 ${fmt(median(bare)).padStart(9)} rows/s  ratio ${(median(ours) / median(bare)).toFixed(2)}  ` +
        `[runs: ${ours.map(fmt).join(', ')} | ${bare.map(fmt).join(', ')}]`,
    );
    if (isBooks)
      console.log(
        `${''.padEnd(48)}bare better-sqlite3, levels as jsonb(?) ${fmt(median(bareJsonb)).padStart(9)} rows/s  ratio ${(median(ours) / median(bareJsonb)).toFixed(2)}  [runs: ${bareJsonb.map(fmt).join(', ')}]`,
      );
    console.log(
      `${''.padEnd(48)}through EventWriter.pipeFrom ${fmt(median(viaWriter)).padStart(9)} rows/s  [runs: ${viaWriter.map(fmt).join(', ')}]`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
