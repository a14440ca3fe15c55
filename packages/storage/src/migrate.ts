/**
 * SQLite → PostgreSQL migration (the seed's `migrate_to_timescale`): copies every table in id
 * order, batch by batch, each batch in its own transaction together with the progress mark, so a
 * run that is interrupted resumes where it stopped and a rerun changes nothing. At the end it
 * verifies, per table, the row count and a SHA-256 checksum of the content.
 *
 * @module
 */

import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { PostgresStore } from './postgres.js';
import type { Row, TableName, TableSpec } from './schema.js';
import { TABLE_NAMES, tableSpec } from './schema.js';
import { decodeSqliteRow, type SqliteStore } from './sqlite.js';

/** Progress of one table, reported after each batch. */
export interface MigrationProgress {
  readonly table: TableName;
  /** Rows of this table now in the target (copied in this run or an earlier one). */
  readonly doneRows: number;
  /** Rows of this table in the source. */
  readonly totalRows: number;
}

/** Verification of one table. */
export interface TableVerification {
  readonly table: TableName;
  readonly sourceRows: number;
  readonly targetRows: number;
  /** Rows inserted by this run (0 on a rerun). */
  readonly copiedRows: number;
  /** SHA-256 (hex) of the source table's canonical content. */
  readonly sourceChecksum: string;
  readonly targetChecksum: string;
  /** Counts and checksums equal. */
  readonly ok: boolean;
}

/** What {@link migrateSqliteToPostgres} did. */
export interface MigrationReport {
  readonly tables: readonly TableVerification[];
  /** Every table verified. */
  readonly ok: boolean;
}

/** Options of {@link migrateSqliteToPostgres}. */
export interface MigrationOptions {
  /** Rows per batch (one transaction each). Default 5,000. */
  readonly batchRows?: number;
  /** Tables to copy. Default: all. */
  readonly tables?: readonly TableName[];
  /** Called after each batch. */
  readonly onProgress?: (progress: MigrationProgress) => void;
  /** Identifies the source in the resume marks. Default: the SQLite file's absolute path. */
  readonly sourceId?: string;
}

const PROGRESS_TABLE = 'tickerml_migration_progress';

/**
 * Copies every table of `source` into `target`, resumably and idempotently, then verifies each
 * table's row count and content checksum.
 *
 * Rows keep their ids. The target should be empty or a previous target of the same source: rows
 * written there by anything else make verification fail (which is what it is for).
 *
 * @throws {InvalidRowError} if a source row does not fit the schema (the table and column are named).
 * @example
 * const report = await migrateSqliteToPostgres(SqliteStore.open('ticks.db'), await PostgresStore.connect(url), {
 *   onProgress: (p) => console.error(`${p.table} ${p.doneRows}/${p.totalRows}`),
 * });
 * if (!report.ok) process.exitCode = 1;
 */
export async function migrateSqliteToPostgres(
  source: SqliteStore,
  target: PostgresStore,
  options: MigrationOptions = {},
): Promise<MigrationReport> {
  const batchRows = options.batchRows ?? 5_000;
  const sourceId = options.sourceId ?? (source.path === ':memory:' ? ':memory:' : resolve(source.path));
  await target.execute(
    `CREATE TABLE IF NOT EXISTS ${PROGRESS_TABLE} (source text NOT NULL, table_name text NOT NULL, last_id bigint NOT NULL, PRIMARY KEY (source, table_name))`,
  );
  const results: TableVerification[] = [];
  for (const table of options.tables ?? TABLE_NAMES) {
    const spec = tableSpec(table);
    const totalRows = source.count(table);
    const mark = await target.execute(`SELECT last_id FROM ${PROGRESS_TABLE} WHERE source = $1 AND table_name = $2`, [
      sourceId,
      table,
    ]);
    let lastId = Number((mark.rows[0] as { last_id?: string } | undefined)?.last_id ?? 0);
    let copiedRows = 0;
    let doneRows = await target.count(table);
    for (;;) {
      const rows = source.rowsAfter(table, lastId, batchRows).map((row) => decodeSqliteRow(spec, row));
      if (rows.length === 0) break;
      const batchLast = rows[rows.length - 1]?.id as number;
      const inserted = await target.insertIfAbsent(table, rows);
      copiedRows += inserted;
      doneRows += inserted;
      // The mark moves after the batch committed: a crash in between only repeats the batch, which inserts nothing twice.
      await target.execute(
        `INSERT INTO ${PROGRESS_TABLE} (source, table_name, last_id) VALUES ($1, $2, $3) ON CONFLICT (source, table_name) DO UPDATE SET last_id = EXCLUDED.last_id`,
        [sourceId, table, batchLast],
      );
      lastId = batchLast;
      options.onProgress?.({ table, doneRows, totalRows });
    }
    const targetRows = await target.count(table);
    const sourceChecksum = await checksum(spec, async (after, limit) =>
      source.rowsAfter(table, after, limit).map((row) => decodeSqliteRow(spec, row)),
    );
    const targetChecksum = await checksum(spec, (after, limit) => target.rowsAfter(table, after, limit));
    results.push({
      table,
      sourceRows: totalRows,
      targetRows,
      copiedRows,
      sourceChecksum,
      targetChecksum,
      ok: totalRows === targetRows && sourceChecksum === targetChecksum,
    });
    if (totalRows === 0) options.onProgress?.({ table, doneRows: targetRows, totalRows });
  }
  return { tables: results, ok: results.every((r) => r.ok) };
}

/**
 * SHA-256 over a table's rows in id order, each value in a canonical text form that SQLite and
 * PostgreSQL agree on: integers in decimal, decimals as stored, floats in shortest round-trip
 * form, JSON re-serialized with sorted keys, NULL as `\N`.
 */
export async function checksum(
  spec: TableSpec,
  page: (afterId: number, limit: number) => Promise<Row[]>,
): Promise<string> {
  const hash = createHash('sha256');
  let after = 0;
  for (;;) {
    const rows = await page(after, 5_000);
    if (rows.length === 0) break;
    for (const row of rows) {
      let line = String(row.id);
      for (const column of spec.columns) {
        const value = row[column.name];
        line += '\u001f';
        if (value === null || value === undefined) line += '\\N';
        else if (column.type === 'json') line += canonicalJson(value);
        else line += String(value);
      }
      hash.update(`${line}\n`);
      after = row.id as number;
    }
  }
  return hash.digest('hex');
}

/** JSON with object keys sorted, so jsonb's reordering does not change the checksum. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}
