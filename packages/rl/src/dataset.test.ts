import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Level, MarketEvent } from '@tickerml/core';
import { Type as FlechetteType, tableFromIPC as flechetteFromIPC } from '@uwdata/flechette';
import { Type, tableFromIPC } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDatasetFromEvents, crossVenuesFor, type DatasetInstrumentSpec } from './dataset.js';
import { DatasetWriter, readDataset, sha256File } from './dataset-file.js';
import { ENCODER_VERSION, StateEncoder } from './encoder.js';
import { DatasetFormatError, DatasetInputError } from './errors.js';
import { LabelTracker, labelSpecs } from './labels.js';

const S = 1_000_000;
const dir = mkdtempSync(join(tmpdir(), 'rl-dataset-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BTC: DatasetInstrumentSpec = {
  venue: 'binance',
  symbol: 'BTC/USDT',
  tickSize: '0.01',
  base: 'BTC',
  quote: 'USDT',
};
const lv = (priceTicks: number, qtyLots: number): Level => ({ priceTicks, qtyLots });
const head = (localTs: number) => ({ venue: 'binance', symbol: 'BTC/USDT', exchTs: localTs, localTs });

/** A book whose mid walks 1001 → 1002 → 1001 → 1003 (2-tick spread), plus trades, until 10 s. */
function events(perturbAfterUs = Number.POSITIVE_INFINITY): MarketEvent[] {
  const book = (t: number, bid: number): MarketEvent => ({
    kind: 'book_snapshot',
    ...head(t),
    bids: [lv(bid, 3), lv(bid - 1, 2)],
    asks: [lv(bid + 2, 1), lv(bid + 3, 4)],
  });
  const trade = (t: number, price: number, qty: number, aggressor: 'buy' | 'sell'): MarketEvent => ({
    kind: 'trade',
    ...head(t),
    tradeId: String(t),
    priceTicks: price,
    qtyLots: qty,
    aggressor,
  });
  const list: MarketEvent[] = [
    book(0.5 * S, 1000),
    trade(0.7 * S, 1002, 2, 'buy'),
    book(2.5 * S, 1001),
    trade(3 * S, 1001, 1, 'sell'),
    book(4.2 * S, 1000),
    book(6 * S, 1002),
    trade(6.8 * S, 1004, 1, 'buy'),
    book(7.5 * S, 1003),
    trade(10 * S, 1004, 1, 'buy'),
  ];
  return list.map((e) =>
    e.localTs > perturbAfterUs && e.kind === 'book_snapshot' ? { ...e, bids: [lv(990, 9)], asks: [lv(995, 1)] } : e,
  );
}

const LABELS = { horizons: ['1s', '2s'], deadBandBps: 0.5, volatilityHorizon: '2s', spreadHorizon: '1s' };

async function build(name: string, list: MarketEvent[]) {
  return buildDatasetFromEvents({
    events: list,
    instruments: [BTC],
    sources: [{ path: 'synthetic', sha256: '0'.repeat(64) }],
    out: join(dir, name),
    intervalUs: S,
    labels: LABELS,
  });
}

describe('buildDatasetFromEvents', () => {
  it('samples every interval, ends labels at t1 = t0 + the longest horizon and drops rows running past the data', async () => {
    const summary = await build('walk.arrow', events());
    // Decisions at 1..10 s; t1 = t0 + 2 s ≤ 10 s keeps 1..8 s.
    expect(summary.rows).toBe(8);
    expect(summary.droppedAtEnd).toBe(2);
    const ds = readDataset(summary.path);
    expect(Array.from(ds.t0)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((s) => s * S));
    expect(Array.from(ds.t1)).toEqual([3, 4, 5, 6, 7, 8, 9, 10].map((s) => s * S));
    expect(ds.meta.dataRange).toEqual({ fromUs: 1 * S, toUs: 10 * S });
    expect(ds.meta.intervalUs).toBe(S);
    expect(ds.meta.encoderVersion).toBe(ENCODER_VERSION);
    expect(ds.sha256).toBe(await sha256File(summary.path));
    expect(ds.sha256).toBe(summary.sha256);
  });

  it('labels direction with the dead band, volatility and time-weighted spread (hand-computed)', async () => {
    const ds = readDataset((await build('labels.arrow', events())).path);
    const dir1 = ds.labels.dir_1s as Int8Array;
    const dir2 = ds.labels.dir_2s as Int8Array;
    const vol = ds.labels.vol_2s as Float32Array;
    const spread = ds.labels.spread_1s as Float32Array;
    // mid: 1001 from 0.5 s, 1002 from 2.5 s, 1001 from 4.2 s, 1003 from 6 s, 1004 from 7.5 s.
    expect(Array.from(dir1)).toEqual([0, 1, 0, -1, 1, 0, 1, 0]);
    expect(Array.from(dir2)).toEqual([1, 1, -1, 1, 1, 1, 1, 0]);
    const bps = (a: number, b: number) => 1e4 * Math.log(b / a);
    expect(vol[0]).toBeCloseTo(Math.abs(bps(1001, 1002)), 3); // (1, 3]
    expect(vol[3]).toBeCloseTo(Math.hypot(bps(1002, 1001), bps(1001, 1003)), 3); // (4, 6]: 4.2 s and 6 s
    expect(vol[7]).toBe(0); // (8, 10]: no mid change
    const sp = (mid: number) => 2e4 / mid;
    expect(spread[0]).toBeCloseTo(sp(1001), 3);
    expect(spread[1]).toBeCloseTo(0.5 * sp(1001) + 0.5 * sp(1002), 3); // [2, 3]: the change at 2.5 s
    expect(spread[3]).toBeCloseTo(0.2 * sp(1002) + 0.8 * sp(1001), 3); // [4, 5]
  });

  it('builds each row from the events with localTs ≤ t0 only (no look-ahead)', async () => {
    const clean = readDataset((await build('clean.arrow', events())).path);
    const changed = readDataset((await build('changed.arrow', events(6.5 * S))).path);
    const D = clean.dimension;
    for (let i = 0; i < clean.rows; i++) {
      const t0 = clean.t0[i] as number;
      const a = new Uint32Array(clean.states.slice(i * D, (i + 1) * D).buffer);
      const b = new Uint32Array(changed.states.slice(i * D, (i + 1) * D).buffer);
      if (t0 <= 6.5 * S) expect(Array.from(b), `row at ${t0}`).toEqual(Array.from(a));
      if ((clean.t1[i] as number) <= 6.5 * S) expect(changed.labels.vol_2s?.[i]).toBe(clean.labels.vol_2s?.[i]);
    }
    // The change after 6.5 s does reach the labels of earlier rows and the features of later ones.
    expect(changed.labels.vol_2s?.[5]).not.toBe(clean.labels.vol_2s?.[5]); // (6, 8] holds 7.5 s
    const row8 = (ds: typeof clean) => Array.from(ds.states.slice(7 * D, 8 * D)); // t0 = 8 s sees 7.5 s
    expect(row8(changed)).not.toEqual(row8(clean));
  });

  it('equals, bit for bit, an encoder fed the same events and asked at each t0', async () => {
    const ds = readDataset((await build('direct.arrow', events())).path);
    const encoder = new StateEncoder({
      venue: 'binance',
      symbol: 'BTC/USDT',
      tickSize: 0.01,
      crossVenues: [{ venue: 'binance' }],
    });
    expect(ds.meta.features.map((f) => f.name)).toEqual(encoder.features.map((f) => f.name));
    const list = events();
    let next = 0;
    for (let i = 0; i < ds.rows; i++) {
      const t0 = ds.t0[i] as number;
      while (next < list.length && (list[next] as MarketEvent).localTs <= t0)
        encoder.onEvent(list[next++] as MarketEvent);
      const v = encoder.encode(t0, { positionFraction: 0, cashFraction: 1 });
      const row = ds.states.slice(i * ds.dimension, (i + 1) * ds.dimension);
      expect(Array.from(new Uint32Array(row.buffer))).toEqual(Array.from(new Uint32Array(v.buffer)));
    }
  });

  it('drops a decision whose label window crosses a gap in the book', async () => {
    const list = events();
    list.splice(5, 0, { kind: 'gap_detected', ...head(5.5 * S), reason: 'test' });
    const summary = await build('gap.arrow', list);
    const ds = readDataset(summary.path);
    // 5.5 s to the snapshot at 6 s is absent: windows (4, 6], (5, 7] cross it; t0 = 6 does not.
    expect(Array.from(ds.t0)).toEqual([1, 2, 3, 6, 7, 8].map((s) => s * S));
    expect(summary.droppedAbsent).toBe(2);
  });

  it('takes no decision in a hole of the data, and drops rows whose labels would reach into it', async () => {
    const hour = 3_600 * S;
    const later = events().map((e) => ({ ...e, localTs: e.localTs + hour, exchTs: e.exchTs + hour }));
    const summary = await build('hole.arrow', [...events(), ...later]);
    const ds = readDataset(summary.path);
    // 1..8 s and 3601..3608 s; 9 and 10 s would label across the hole, 3609 and 3610 s past the end.
    expect(Array.from(ds.t0)).toEqual(
      [1, 2, 3, 4, 5, 6, 7, 8].flatMap((s) => [s * S]).concat([1, 2, 3, 4, 5, 6, 7, 8].map((s) => s * S + hour)),
    );
    expect(summary.droppedAbsent).toBe(2);
    expect(summary.droppedAtEnd).toBe(2);
  });

  it('treats a book without events for maxGapUs as absent while other instruments go on', async () => {
    const eth: DatasetInstrumentSpec = {
      venue: 'binance',
      symbol: 'ETH/USDT',
      tickSize: '0.01',
      base: 'ETH',
      quote: 'USDT',
    };
    const ethBook = (t: number): MarketEvent => ({
      kind: 'book_snapshot',
      venue: 'binance',
      symbol: 'ETH/USDT',
      exchTs: t,
      localTs: t,
      bids: [lv(500 + (t % 3), 1)],
      asks: [lv(510, 1)],
    });
    // BTC's book events stop at 7.5 s (its trade at 10 s does not refresh it); ETH's go on every second to 120 s.
    const merged = [...events(), ...Array.from({ length: 120 }, (_, i) => ethBook((i + 1) * S + 1))].sort(
      (a, b) => a.localTs - b.localTs,
    );
    const summary = await buildDatasetFromEvents({
      events: merged,
      instruments: [BTC, eth],
      sources: [],
      out: join(dir, 'stale.arrow'),
      intervalUs: S,
      labels: LABELS,
      maxGapUs: 20 * S,
    });
    const ds = readDataset(summary.path);
    const btcRows = Array.from(ds.t0).filter((_, i) => ds.instrument[i] === 0);
    const ethRows = Array.from(ds.t0).filter((_, i) => ds.instrument[i] === 1);
    // BTC is absent from 27.5 s (7.5 + 20): no decision from 28 s, and 26 s and 27 s label across it.
    expect(btcRows[btcRows.length - 1]).toBe(25 * S);
    expect(ethRows[ethRows.length - 1]).toBe(118 * S);
    expect(ds.meta.instruments.map((i) => i.symbol)).toEqual(['BTC/USDT', 'ETH/USDT']);
  });

  it('refuses an instrument that is not in the input', async () => {
    await expect(
      buildDatasetFromEvents({
        events: events(),
        instruments: [BTC],
        sources: [],
        out: join(dir, 'none.arrow'),
        only: [{ venue: 'kraken', symbol: 'BTC/USD' }],
      }),
    ).rejects.toThrow(DatasetInputError);
  });
});

describe('dataset files', () => {
  it('are Arrow IPC files with the contract types and metadata a pandas user sees', async () => {
    const summary = await build('schema.arrow', events());
    const table = tableFromIPC(readFileSync(summary.path));
    const type = (name: string) => table.schema.fields.find((f) => f.name === name)?.type;
    expect(type('t0')?.typeId).toBe(Type.Int);
    expect(type('t0')).toMatchObject({ bitWidth: 64, isSigned: true });
    expect(type('venue')?.typeId).toBe(Type.Utf8);
    expect(type('symbol')?.typeId).toBe(Type.Utf8);
    expect(type('obi_1')?.typeId).toBe(Type.Float);
    expect(type('obi_1')).toMatchObject({ precision: 1 }); // single
    expect(type('obi_1__mask')).toMatchObject({ bitWidth: 8, isSigned: false });
    expect(type('dir_1s')).toMatchObject({ bitWidth: 8, isSigned: true });
    expect(type('vol_2s')?.typeId).toBe(Type.Float);
    expect(table.numRows).toBe(8);
    const md = table.schema.metadata;
    expect(md.get('tickerml.kind')).toBe('dataset');
    for (const key of ['encoder_version', 'features', 'labels', 'interval_us', 'sources', 'data_range'])
      expect(() => JSON.parse(md.get(`tickerml.${key}`) ?? ''), key).not.toThrow();
    const features = JSON.parse(md.get('tickerml.features') ?? '[]') as {
      name: string;
      unit: string;
      window: string;
    }[];
    expect(features[0]).toMatchObject({ name: 'obi_1', unit: 'ratio in [-1, 1]' });
    expect(JSON.parse(md.get('tickerml.sources') ?? '')).toEqual([{ path: 'synthetic', sha256: '0'.repeat(64) }]);
    expect(table.getChild('venue')?.get(0)).toBe('binance');
    expect(table.getChild('t0')?.get(0)).toBe(1_000_000n);
  });

  it('stream rows in record batches of 8,192 and read back the same values', async () => {
    const features = new StateEncoder({ venue: 'v', symbol: 'A/B' }).features;
    const labels = labelSpecs({ horizons: ['1s'], deadBandBps: 0, volatilityHorizon: '1s', spreadHorizon: '1s' });
    const path = join(dir, 'batches.arrow');
    const writer = new DatasetWriter(path, features, labels);
    const n = 20_000;
    const state = new Float32Array(2 * features.length);
    for (let i = 0; i < n; i++) {
      state[0] = i / 7;
      state[features.length] = i % 2;
      writer.append(i, i + 5, 'v', 'A/B', state, [(i % 3) - 1, i / 3, 2]);
    }
    await writer.finish({ encoderVersion: ENCODER_VERSION, intervalUs: 1, sources: [], instruments: [] });
    const table = tableFromIPC(readFileSync(path));
    expect(table.batches.length).toBe(3);
    expect(table.numRows).toBe(n);
    expect(table.getChild('obi_1')?.get(19_999)).toBe(Math.fround(19_999 / 7));
    expect(table.getChild('dir_1s')?.get(4)).toBe(0);
  });

  it('read the same with an Arrow implementation independent of apache-arrow (flechette)', async () => {
    const summary = await build('flechette.arrow', events());
    const ours = readDataset(summary.path);
    const table = flechetteFromIPC(readFileSync(summary.path), { useBigInt: true });
    expect(table.numRows).toBe(ours.rows);
    const field = (name: string) => table.schema.fields.find((f) => f.name === name)?.type;
    expect(field('t0')).toMatchObject({ typeId: FlechetteType.Int, bitWidth: 64, signed: true });
    expect(field('symbol')).toMatchObject({ typeId: FlechetteType.Utf8 });
    expect(field('obi_5')).toMatchObject({ typeId: FlechetteType.Float, precision: 1 });
    expect(field('obi_5__mask')).toMatchObject({ typeId: FlechetteType.Int, bitWidth: 8, signed: false });
    expect(field('dir_2s')).toMatchObject({ typeId: FlechetteType.Int, bitWidth: 8, signed: true });
    expect(table.schema.metadata?.get('tickerml.kind')).toBe('dataset');
    expect(JSON.parse(table.schema.metadata?.get('tickerml.data_range') ?? '')).toEqual(ours.meta.dataRange);
    expect(Array.from(table.getChild('t0').toArray() as ArrayLike<bigint>, Number)).toEqual(Array.from(ours.t0));
    expect(Array.from(table.getChild('venue').toArray() as ArrayLike<string>)).toEqual(
      new Array(ours.rows).fill('binance'),
    );
    const F = ours.meta.features.length;
    ours.meta.features.forEach((f, k) => {
      const values = Float32Array.from(table.getChild(f.name).toArray() as ArrayLike<number>);
      const masks = Array.from(table.getChild(`${f.name}__mask`).toArray() as ArrayLike<number>);
      for (let i = 0; i < ours.rows; i++) {
        expect(Object.is(values[i], ours.states[i * ours.dimension + k]), `${f.name}[${i}]`).toBe(true);
        expect(masks[i]).toBe(ours.states[i * ours.dimension + F + k]);
      }
    });
    for (const l of ours.meta.labels)
      expect(Array.from(table.getChild(l.name).toArray() as ArrayLike<number>)).toEqual(
        Array.from(ours.labels[l.name] ?? []),
      );
  });

  it('refuse what is not a dataset with a typed error', () => {
    const path = join(dir, 'notes.txt');
    writeFileSync(path, 'not arrow');
    expect(() => readDataset(path)).toThrow(DatasetFormatError);
    expect(() => readDataset(join(dir, 'missing.arrow'))).toThrow(/no such file/);
  });
});

describe('labels', () => {
  it('put a move inside the dead band in the flat class', () => {
    const specs = labelSpecs({ horizons: ['1s'], deadBandBps: 0.5, volatilityHorizon: '1s', spreadHorizon: '1s' });
    const out = new Float64Array(specs.length);
    const up = new LabelTracker(specs);
    up.record(0, 10_000, 1);
    up.record(0.5 * S, 10_000.4, 1); // +0.4 bps
    up.labels(0, 10_000, 1, out);
    expect(out[0]).toBe(0);
    const more = new LabelTracker(specs);
    more.record(0, 10_000, 1);
    more.record(S, 10_000.6, 1); // +0.6 bps, exactly at t0 + 1 s: inside the horizon
    more.labels(0, 10_000, 1, out);
    expect(out[0]).toBe(1);
  });

  it('refuse unparsable horizons and duplicate names', () => {
    expect(() =>
      labelSpecs({ horizons: ['ten'], deadBandBps: 0, volatilityHorizon: '1s', spreadHorizon: '1s' }),
    ).toThrow(/horizons\[0\]/);
    expect(() =>
      labelSpecs({ horizons: ['1s', '1s'], deadBandBps: 0, volatilityHorizon: '1s', spreadHorizon: '1s' }),
    ).toThrow(/distinct/);
  });

  it('give every instrument the same cross-venue columns', () => {
    const all: DatasetInstrumentSpec[] = [
      BTC,
      { venue: 'kraken', symbol: 'BTC/USD', tickSize: '0.1', base: 'BTC', quote: 'USD' },
      { venue: 'kraken', symbol: 'ETH/USD', tickSize: '0.01', base: 'ETH', quote: 'USD' },
    ];
    expect(crossVenuesFor(BTC, all)).toEqual([
      { venue: 'binance' },
      { venue: 'kraken', symbol: 'BTC/USD', tickSize: 0.1 },
    ]);
    expect(crossVenuesFor(all[2] as DatasetInstrumentSpec, all)).toEqual([{ venue: 'binance' }, { venue: 'kraken' }]);
  });
});
