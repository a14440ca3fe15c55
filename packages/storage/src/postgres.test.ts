// The TimescaleDB branch cannot run here (the extension is not installed on this machine), so
// these tests check the SQL it would issue; the native branch runs against real PostgreSQL in
// postgres.int.test.ts.
import { describe, expect, it } from 'vitest';
import { InvalidConnectionStringError } from './errors.js';
import { DAY_US, nativeTableDdl, parsePostgresUrl, TIMESCALE_NOW_FUNCTION, timescaleTableDdl } from './postgres.js';
import { TABLES } from './schema.js';

describe('timescaleTableDdl', () => {
  it('makes a hypertable on integer µs time with compression and retention from config', () => {
    const sql = timescaleTableDdl(TABLES.trades, {
      chunkIntervalUs: 6 * 3_600_000_000,
      compressAfterUs: 2 * DAY_US,
      retentionUs: 30 * DAY_US,
    });
    expect(sql[0]).toMatch(
      /^CREATE TABLE IF NOT EXISTS "trades" \("id" bigserial NOT NULL, "timestamp" bigint NOT NULL, .*"price" numeric NOT NULL.*PRIMARY KEY \("id", "timestamp"\)\)$/,
    );
    expect(sql[0]).not.toMatch(/PARTITION BY/);
    expect(sql).toContain(
      "SELECT create_hypertable('trades', by_range('timestamp', 21600000000::bigint), if_not_exists => TRUE)",
    );
    expect(sql).toContain("SELECT set_integer_now_func('trades', 'tickerml_now_us', replace_if_exists => TRUE)");
    expect(sql).toContain(
      `ALTER TABLE "trades" SET (timescaledb.compress, timescaledb.compress_segmentby = 'exchange, symbol', timescaledb.compress_orderby = 'timestamp DESC')`,
    );
    expect(sql).toContain(
      "SELECT add_compression_policy('trades', compress_after => 172800000000::bigint, if_not_exists => TRUE)",
    );
    expect(sql).toContain(
      "SELECT add_retention_policy('trades', drop_after => 2592000000000::bigint, if_not_exists => TRUE)",
    );
  });

  it('defaults: one-day chunks, compression after 7 days, no retention; no segmenting without instruments', () => {
    const sql = timescaleTableDdl(TABLES.portfolio_state);
    expect(sql).toContain(
      `SELECT create_hypertable('portfolio_state', by_range('timestamp', ${DAY_US}::bigint), if_not_exists => TRUE)`,
    );
    expect(sql).toContain(
      `ALTER TABLE "portfolio_state" SET (timescaledb.compress, timescaledb.compress_orderby = 'timestamp DESC')`,
    );
    expect(sql).toContain(
      `SELECT add_compression_policy('portfolio_state', compress_after => ${7 * DAY_US}::bigint, if_not_exists => TRUE)`,
    );
    expect(sql.some((s) => s.includes('add_retention_policy'))).toBe(false);
    expect(timescaleTableDdl(TABLES.trades, { compressAfterUs: null }).some((s) => s.includes('compress'))).toBe(false);
  });

  it('declares the integer now() the policies measure age against, in µs', () => {
    expect(TIMESCALE_NOW_FUNCTION).toContain('tickerml_now_us() RETURNS bigint');
    expect(TIMESCALE_NOW_FUNCTION).toContain('* 1000000');
  });
});

describe('nativeTableDdl', () => {
  it('range-partitions on timestamp with money as numeric and lists as jsonb', () => {
    const [create, index] = nativeTableDdl(TABLES.order_books);
    expect(create).toMatch(/PARTITION BY RANGE \("timestamp"\)$/);
    expect(create).toContain('"bids" jsonb NOT NULL');
    expect(create).toContain('"mid_price" numeric');
    expect(create).toContain('"imbalance" double precision');
    expect(index).toContain('("exchange", "symbol", "timestamp")');
  });
});

describe('parsePostgresUrl', () => {
  it.each([
    ['sqlite:/tmp/x.db', /scheme 'sqlite'/],
    ['postgres://', /not a URL|no host/],
    ['postgres://host:99999/db', /not a URL|port/],
    ['postgres://host/', /no database name/],
    ['hello', /not a URL/],
  ])('rejects %s with a reason', (url, reason) => {
    expect(() => parsePostgresUrl(url)).toThrow(InvalidConnectionStringError);
    expect(() => parsePostgresUrl(url)).toThrow(reason);
  });

  it('hides the password in messages', () => {
    expect(() => parsePostgresUrl('mysql://user:s3cret@host/db')).toThrow(/user:\*\*\*@host/);
  });
});
