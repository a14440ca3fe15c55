// PostgreSQL COPY ingest throughput: PostgresStore.insert / writeEvents (validation, CSV
// encoding in-process, COPY FROM STDIN through pg-copy-streams, one transaction) against the
// named peer, `psql \copy` of the same rows as a CSV file prepared beforehand, into the same
// partitioned table, in the same run. Needs TICKERML_PG_URL (default postgres://postgres@127.0.0.1:5432/test);
// works in a scratch database it creates and drops.
//
// Run: pnpm --filter @tickerml/storage bench:pg [-- --rows 200000 --runs 3]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Trade } from '@tickerml/core';
import { PostgresStore } from '../src/postgres.js';
import { eventToRow, rowValues } from '../src/rows.js';
import { type Row, type TradeRow, tableSpec } from '../src/schema.js';
import { instruments, numberedTrades } from '../test/events.js';
import { scratchDatabase } from '../test/pg.js';

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const ROWS = arg('rows', 200_000);
const RUNS = arg('runs', 3);
const baseUrl = process.env.TICKERML_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

const db = await scratchDatabase(baseUrl);
const dir = mkdtempSync(join(tmpdir(), 'tickerml-bench-pg-'));
const store = await PostgresStore.connect(db.url, { instruments, log: () => {} });
try {
  const spec = tableSpec('trades');
  const events: Trade[] = [...numberedTrades(ROWS)];
  const rows = events.map((e) => eventToRow(e, instruments).row) as unknown as TradeRow[];
  // The same rows as a CSV file for psql, written outside the timing.
  const csv = join(dir, 'trades.csv');
  writeFileSync(
    csv,
    rows
      .map((row) =>
        rowValues(spec, row as unknown as Row)
          .map((v, i) =>
            v === null
              ? ''
              : spec.columns[i]?.type === 'text' || spec.columns[i]?.type === 'decimal'
                ? `"${v}"`
                : String(v),
          )
          .join(','),
      )
      .join('\n')
      .concat('\n'),
  );
  const columns = spec.columns.map((c) => `"${c.name}"`).join(', ');
  const psqlCopy = () =>
    execFileSync('psql', [
      '-X',
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      db.url,
      '-c',
      `\\copy trades (${columns}) FROM '${csv}' WITH (FORMAT csv)`,
    ]);

  // Warm up: create the partitions and load the code paths once.
  await store.insert('trades', rows.slice(0, 1000));
  psqlCopy();
  const truncate = () => store.execute('TRUNCATE trades');

  const results = { insert: [] as number[], writeEvents: [] as number[], psql: [] as number[] };
  for (let run = 0; run < RUNS; run++) {
    const order: (keyof typeof results)[] =
      run % 2 === 0 ? ['psql', 'insert', 'writeEvents'] : ['writeEvents', 'insert', 'psql'];
    for (const which of order) {
      await truncate();
      const start = process.hrtime.bigint();
      if (which === 'psql') psqlCopy();
      else if (which === 'insert') await store.insert('trades', rows);
      else await store.writeEvents(events);
      results[which].push(ROWS / seconds(start));
      if ((await store.count('trades')) !== ROWS)
        throw new Error(`${which} stored ${await store.count('trades')} rows, expected ${ROWS}`);
    }
  }
  const psql = median(results.psql);
  console.log(`PostgreSQL COPY into the partitioned trades table, ${ROWS} rows per run, ${RUNS} runs (median)`);
  console.log(
    `psql \\copy (peer, CSV file)            ${fmt(psql).padStart(9)} rows/s  [${results.psql.map(fmt).join(', ')}]`,
  );
  console.log(
    `PostgresStore.insert (rows)            ${fmt(median(results.insert)).padStart(9)} rows/s  ${(median(results.insert) / psql).toFixed(2)}x psql  [${results.insert.map(fmt).join(', ')}]`,
  );
  console.log(
    `PostgresStore.writeEvents (events)     ${fmt(median(results.writeEvents)).padStart(9)} rows/s  ${(median(results.writeEvents) / psql).toFixed(2)}x psql  [${results.writeEvents.map(fmt).join(', ')}]`,
  );
} finally {
  await store.close();
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
}
