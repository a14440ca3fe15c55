import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MarketEvent } from '@tickerml/core';
import { openEvents } from '@tickerml/exchanges';
import { readDataset, sha256File } from '@tickerml/rl';
import { BookSampler, instrumentMap, SqliteStore } from '@tickerml/storage';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { type CommandIo, datasetCommand } from './dataset.js';

const BINANCE = fileURLToPath(
  new URL('../../../pi-trader/recordings/binance/hftbacktest_spot_btcusdt_20240808.gz', import.meta.url),
);
const dir = mkdtempSync(join(tmpdir(), 'pc-trainer-dataset-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function captured(isTty = false): CommandIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, isTty, stdout: (t) => out.push(t), stderr: (t) => err.push(t) };
}

describe('pc-trainer dataset', () => {
  it('builds a dataset from the bundled Binance recording that an Arrow reader opens', async () => {
    const out = join(dir, 'new-folder', 'btc.arrow'); // the folder is created
    const io = captured(true);
    const status = await datasetCommand(['--data', BINANCE, '--out', out, '--interval', '2s', '--json'], io);
    expect(io.err.join('')).toMatch(/dataset \[#+\] 100%/); // the progress bar, on a terminal
    expect(status).toBe(0);
    const summary = JSON.parse(io.out.join('')) as { rows: number; sha256: string; labels: string[] };
    expect(summary.labels).toEqual(['dir_1s', 'dir_10s', 'dir_60s', 'vol_60s', 'spread_10s']);
    const ds = readDataset(out);
    // 346 s of data at 2 s, less the last 60 s whose horizon runs past the data.
    expect(ds.rows).toBe(summary.rows);
    expect(ds.rows).toBeGreaterThan(130);
    expect(ds.rows).toBeLessThan(150);
    for (let i = 0; i < ds.rows; i++) {
      expect((ds.t0[i] as number) % 2_000_000).toBe(0);
      expect(ds.t1[i]).toBe((ds.t0[i] as number) + 60_000_000);
    }
    expect(ds.meta.instruments.map((i) => `${i.venue} ${i.symbol}`)).toEqual(['binance BTC/USDT']);
    expect(ds.meta.sources).toEqual([{ path: BINANCE, sha256: await sha256File(BINANCE) }]);
    expect(ds.sha256).toBe(summary.sha256);
    // The book is present from the first row: spread and imbalance are never masked.
    const F = ds.meta.features.length;
    const spread = ds.meta.features.findIndex((f) => f.name === 'spread_bps');
    for (let i = 0; i < ds.rows; i++) expect(ds.states[i * ds.dimension + F + spread]).toBe(1);
    for (const d of ds.labels.dir_10s ?? []) expect([-1, 0, 1]).toContain(d);
  }, 60_000);

  it('builds a dataset from the order_books samples and trades the box collected into SQLite', async () => {
    // The rows as the box's collector writes them: books sampled once a second (top 10 levels), every trade.
    const recording = await openEvents(BINANCE);
    const instrument = recording.instruments[0];
    if (instrument === undefined) throw new Error('no instrument');
    const db = join(dir, 'collected.db');
    const store = SqliteStore.open(db, {
      instruments: instrumentMap({
        [`binance:${instrument.symbol}`]: { tickSize: instrument.tickSize, lotSize: instrument.lotSize },
      }),
    });
    const rows: MarketEvent[] = [];
    const sampler = new BookSampler({ intervalUs: 1_000_000, levels: 10, onSample: (s) => rows.push(s) });
    for await (const e of recording.events()) {
      sampler.onEvent(e);
      if (e.kind === 'trade') rows.push(e);
    }
    store.writeEvents(rows);
    store.close();
    const out = join(dir, 'collected.arrow');
    const io = captured();
    expect(await datasetCommand(['--db', db, '--out', out, '--json'], io), io.err.join('')).toBe(0);
    const ds = readDataset(out);
    expect(ds.rows).toBeGreaterThan(250);
    expect(ds.meta.sources).toEqual([{ path: db, sha256: await sha256File(db) }]);
    expect(ds.meta.instruments.map((i) => `${i.venue} ${i.symbol} ${i.tickSize}`)).toEqual([
      `binance BTC/USDT ${instrument.tickSize}`,
    ]);
    // The sampled book is present at every decision, and trade flow comes from the trades table.
    const F = ds.meta.features.length;
    const spread = ds.meta.features.findIndex((f) => f.name === 'spread_bps');
    const flow = ds.meta.features.findIndex((f) => f.name === 'tfi_60s');
    for (let i = 0; i < ds.rows; i++) expect(ds.states[i * ds.dimension + F + spread]).toBe(1);
    expect(ds.states[(ds.rows - 1) * ds.dimension + F + flow]).toBe(1);
    expect(await datasetCommand(['--db', join(dir, 'none.db'), '--out', out], captured())).toBe(1);
    expect(await datasetCommand(['--db', db, '--data', BINANCE, '--out', out], captured())).toBe(2);
  }, 60_000);

  it('is dispatched by pc-trainer main and exits 2 on bad arguments', async () => {
    expect(await main(['dataset', '--help'])).toBe(0);
    const io = captured();
    expect(await datasetCommand(['--data', BINANCE], io)).toBe(2);
    expect(io.err.join('')).toMatch(/--out <file.arrow> is required/);
    const bad = captured();
    expect(
      await datasetCommand(['--data', BINANCE, '--out', join(dir, 'x.arrow'), '--interval', '1 second'], bad),
    ).toBe(2);
    expect(bad.err.join('')).toMatch(/--interval: invalid duration/);
    expect(await datasetCommand(['--data', BINANCE, '--out', 'x', '--horizons', '1s,soon'], captured())).toBe(2);
  });

  it('exits 1 naming the file when a recording cannot be read, or an instrument is not in it', async () => {
    const io = captured();
    const missing = join(dir, 'missing.gz');
    expect(await datasetCommand(['--data', missing, '--out', join(dir, 'y.arrow')], io)).toBe(1);
    expect(io.err.join('')).toContain(missing);
    const only = captured();
    const status = await datasetCommand(
      ['--data', BINANCE, '--out', join(dir, 'z.arrow'), '--only', 'kraken:BTC/USD'],
      only,
    );
    expect(status).toBe(1);
    expect(only.err.join('')).toMatch(/no data for kraken BTC\/USD/);
  }, 60_000);
});
