import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithService } from '../support/services.js';

await describeWithService('postgres', 'postgres plumbing (real server)', (service) => {
  const client = new pg.Client({ connectionString: service.url });
  const table = `plumbing_${process.pid}`;

  beforeAll(async () => {
    await client.connect();
  });

  afterAll(async () => {
    await client.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
    await client.end();
  });

  it('runs in a database of its own, not the shared one', async () => {
    const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
    expect(rows[0]?.db).toBe(new URL(service.url).pathname.slice(1));
  });

  it('creates a table, inserts rows and reads them back exactly', async () => {
    await client.query(
      `CREATE TABLE ${table} (id bigint PRIMARY KEY, symbol text NOT NULL, price_ticks bigint NOT NULL, qty numeric(38, 18) NOT NULL)`,
    );
    const rows = [
      { id: 1, symbol: 'BTC/USDT', priceTicks: 6508366, qty: '0.000123450000000000' },
      { id: 2, symbol: 'ETH/USDT', priceTicks: 345012, qty: '12.500000000000000000' },
      { id: 3, symbol: 'SOL/USD', priceTicks: 9007199254740991, qty: '99999999999999999999.123456789012345678' },
    ];
    await client.query('BEGIN');
    for (const row of rows) {
      await client.query(`INSERT INTO ${table} (id, symbol, price_ticks, qty) VALUES ($1, $2, $3, $4)`, [
        row.id,
        row.symbol,
        row.priceTicks,
        row.qty,
      ]);
    }
    await client.query('COMMIT');

    // bigint and numeric come back as strings from pg: exact, never through a float.
    const result = await client.query<{ id: string; symbol: string; price_ticks: string; qty: string }>(
      `SELECT id, symbol, price_ticks, qty FROM ${table} ORDER BY id`,
    );
    expect(result.rows).toEqual(
      rows.map((r) => ({ id: String(r.id), symbol: r.symbol, price_ticks: String(r.priceTicks), qty: r.qty })),
    );
  });

  it('rejects a duplicate key and keeps what was already committed', async () => {
    await expect(
      client.query(`INSERT INTO ${table} (id, symbol, price_ticks, qty) VALUES (1, 'X/Y', 1, 1)`),
    ).rejects.toThrow(/duplicate key/);
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
    expect(rows[0]?.n).toBe('3');
  });
});
