/**
 * What collection costs on top of trading, and the disk it grows, on the four bundled recordings.
 *
 * 1. Cost per event, in one process, alternating, `--reps` times each (CPU time of the process,
 *    user + system, from `process.cpuUsage`):
 *    - `trading`: the backtest kernel (`runBacktest`: simulated venue, obi-momentum on Binance
 *      BTC/USDT) over the merged events of the four recordings: the peer;
 *    - `trading+rows`: the same run with every event also handed to `MarketCollector` (books
 *      sampled every 1 s at 20 levels, trades, 1-minute bars, the StateEncoder's vector of Binance
 *      BTC/USDT every 1 s) writing to a fresh SQLite file, as the pi-trader does;
 *    - `raw`: the recorder writing every raw frame of the same recordings (one gzip member per
 *      second of frames, as the pi-trader's recorder flushes), to a fresh directory.
 *    - `parse`: every venue's frames through its real handler (what the feeds do before the bus),
 *      the rest of the box's work per event, for scale.
 *    Collection per event = (trading+rows − trading) + raw, over the events of the run.
 * 2. Disk per hour per venue: each recording alone through the recorder (raw) and through the
 *    collector into its own SQLite file (rows; features only for the traded Binance BTC/USDT),
 *    bytes ÷ the recording's span of `localTs` × 3600.
 * 3. The recorder's gzip at levels 1, 3 and 6 (its default) on its one-second members of the same
 *    frames: CPU per frame and bytes, for what a lower level would save.
 *
 * Run: node --conditions=@tickerml/source --import tsx examples/pi-trader/bench/collect.ts [--reps 5] [--json out.json]
 */
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { MarketEvent } from '@tickerml/core';
import {
  encodeFrame,
  inferReplaySetup,
  loadEvents,
  loadFrames,
  type RawFrame,
  type RecordedInstrument,
  Recorder,
  replayIntoHandler,
} from '@tickerml/exchanges';
import { createBaseline, runBacktest, TradableInstrument } from '@tickerml/execution';
import { crossVenuesFor, MASK_SUFFIX, StateEncoder } from '@tickerml/rl';
import { type InstrumentIncrements, MarketCollector, SqliteStore } from '@tickerml/storage';
import { DEMO_INSTRUMENT, DEMO_RECORDINGS } from '../src/demo.js';

const { values } = parseArgs({ options: { reps: { type: 'string', default: '5' }, json: { type: 'string' } } });
const reps = Number(values.reps);
const dir = mkdtempSync(join(tmpdir(), 'collect-bench-'));

// --- inputs: events and raw frames of the four recordings
interface VenueInput {
  readonly venue: string;
  readonly events: readonly MarketEvent[];
  readonly frames: readonly RawFrame[];
  readonly instruments: readonly RecordedInstrument[];
}
const inputs: VenueInput[] = [];
for (const rec of DEMO_RECORDINGS) {
  const loaded = await loadEvents(rec.file.pathname);
  const { frames } = await loadFrames(rec.file.pathname);
  // The events of one recording carry its venue id (`binance` for the Binance.US-protocol sample).
  inputs.push({ venue: rec.venue, events: loaded.events, frames, instruments: loaded.instruments });
}
const instruments = inputs.flatMap((i) => i.instruments);
const lookup = (venue: string, symbol: string): InstrumentIncrements | undefined =>
  instruments.find((i) => i.venue === venue && i.symbol === symbol);
// Merged by localTs (stable), as the pi-trader's bus sees four feeds; never going back for the kernel.
const merged = inputs.flatMap((i) => i.events).sort((a, b) => a.localTs - b.localTs);
const frames = inputs.flatMap((i) => i.frames.map((f) => ({ venue: i.venue, f })));
const btcSpec = instruments.find((i) => i.venue === 'binance' && i.symbol === 'BTC/USDT');
if (btcSpec === undefined) throw new Error('no Binance BTC/USDT in the bundled recording');
const btc = { ...DEMO_INSTRUMENT, tickSize: btcSpec.tickSize, lotSize: btcSpec.lotSize };
const firstBook = merged.find((e) => e.venue === 'binance' && e.kind === 'book_snapshot');
const refPriceTicks =
  firstBook?.kind === 'book_snapshot'
    ? Math.round(((firstBook.bids[0]?.priceTicks ?? 0) + (firstBook.asks[0]?.priceTicks ?? 0)) / 2)
    : 0;

function specs(all: readonly RecordedInstrument[]) {
  return all.map((i) => ({ venue: i.venue, symbol: i.symbol, tickSize: i.tickSize, base: i.base, quote: i.quote }));
}

/** A collector as the pi-trader builds it, into a fresh SQLite file; features for Binance BTC/USDT when present. */
function collectorInto(
  path: string,
  venues: readonly RecordedInstrument[],
): { collector: MarketCollector; store: SqliteStore } {
  const store = SqliteStore.open(path);
  const collector = new MarketCollector({
    sink: store,
    instruments: lookup,
    orderBooks: { intervalUs: 1_000_000, levels: 20 },
    features: { intervalUs: 1_000_000 },
  });
  if (venues.some((i) => i.venue === 'binance' && i.symbol === 'BTC/USDT')) {
    const all = specs(venues);
    const encoder = new StateEncoder({
      venue: 'binance',
      symbol: 'BTC/USDT',
      tickSize: Number(btcSpec?.tickSize),
      crossVenues: crossVenuesFor(all.find((s) => s.venue === 'binance') ?? (all[0] as (typeof all)[number]), all),
    });
    collector.addFeatures('binance', 'BTC/USDT', {
      version: `state-encoder-v${encoder.version}`,
      columns: [...encoder.features.map((f) => f.name), ...encoder.features.map((f) => `${f.name}${MASK_SUFFIX}`)],
      onEvent: (e) => encoder.onEvent(e),
      encode: (nowUs) => encoder.encode(nowUs, { positionFraction: 0, cashFraction: 1 }),
    });
  }
  return { collector, store };
}

const cpuUs = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

function trading(events: Iterable<MarketEvent>): void {
  runBacktest({
    events,
    settings: { seed: 42, venues: [{ venue: 'binance', instruments: [btc], balances: { USDT: '10000' } }] },
    strategy: createBaseline('obi-momentum', [{ instrument: new TradableInstrument(btc), refPriceTicks }], {
      orderNotional: '500',
    }),
  });
}

let run = 0;
async function tradingWithRows(): Promise<void> {
  const { collector, store } = collectorInto(join(dir, `rows-${run++}.sqlite`), instruments);
  // The same pass: each event reaches the kernel and then the collector, as on the pi-trader's bus.
  function* tee(): Generator<MarketEvent> {
    for (const e of merged) {
      yield e;
      collector.onEvent(e);
    }
  }
  trading(tee());
  await collector.close();
  store.close();
}

/** What the feeds do per frame before the bus: every venue's frames through its real handler (parsing, books, checks). */
function parse(): void {
  for (const input of inputs) {
    const setup = inferReplaySetup(input.venue as 'binance', input.frames);
    replayIntoHandler(setup, input.frames, () => {});
  }
}

function raw(target: string): void {
  const recorders = new Map<string, Recorder>();
  for (const { venue, f } of frames) {
    let r = recorders.get(venue);
    if (r === undefined) {
      r = new Recorder({ dir: target, venue, clock: { nowUs: () => f.localTs } });
      recorders.set(venue, r);
    }
    r.write(f);
  }
  for (const r of recorders.values()) r.close();
}

const loads: number[] = [];
const samples = { trading: [] as number[], tradingRows: [] as number[], raw: [] as number[], parse: [] as number[] };
// One warm-up of each, not counted.
trading(merged);
await tradingWithRows();
raw(join(dir, 'raw-warm'));
parse();
for (let i = 0; i < reps; i++) {
  loads.push(loadavg()[0] as number);
  let t = cpuUs();
  trading(merged);
  samples.trading.push(cpuUs() - t);
  t = cpuUs();
  await tradingWithRows();
  samples.tradingRows.push(cpuUs() - t);
  t = cpuUs();
  raw(join(dir, `raw-${i}`));
  samples.raw.push(cpuUs() - t);
  t = cpuUs();
  parse();
  samples.parse.push(cpuUs() - t);
}
const n = merged.length;
const stat = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)] as number, min: s[0] as number, max: s.at(-1) as number };
};
const perEvent = (xs: number[]) => {
  const s = stat(xs);
  return { median: s.median / n, min: s.min / n, max: s.max / n };
};
const rowsCost = samples.tradingRows.map((v, i) => v - (samples.trading[i] as number));
const collectCost = rowsCost.map((v, i) => v + (samples.raw[i] as number));

// --- disk per hour per venue
const disk: {
  venue: string;
  spanS: number;
  rawBytes: number;
  rowBytes: number;
  rawPerHour: number;
  rowsPerHour: number;
  rows: Record<string, number>;
}[] = [];
for (const input of inputs) {
  const spanS = ((input.events.at(-1)?.localTs ?? 0) - (input.events[0]?.localTs ?? 0)) / 1e6;
  const rawDir = join(dir, `disk-raw-${input.venue}`);
  const recorder = new Recorder({ dir: rawDir, venue: input.venue, clock: { nowUs: () => 0 } });
  for (const f of input.frames) recorder.write(f);
  recorder.close();
  const rawBytes = readdirSync(rawDir).reduce((a, f) => a + statSync(join(rawDir, f)).size, 0);
  const path = join(dir, `disk-rows-${input.venue}.sqlite`);
  const { collector, store } = collectorInto(path, input.instruments);
  for (const e of input.events) collector.onEvent(e);
  await collector.close();
  const rows = {
    order_books: store.count('order_books'),
    trades: store.count('trades'),
    ohlcv: store.count('ohlcv'),
    features: store.count('features'),
  };
  store.transaction((d) => d.pragma('wal_checkpoint(TRUNCATE)'));
  store.close();
  // An empty database with the schema is the baseline: only what the rows add counts.
  const empty = SqliteStore.open(join(dir, `empty-${input.venue}.sqlite`));
  empty.close();
  const rowBytes = statSync(path).size - statSync(join(dir, `empty-${input.venue}.sqlite`)).size;
  disk.push({
    venue: input.venue,
    spanS,
    rawBytes,
    rowBytes,
    rawPerHour: (rawBytes / spanS) * 3600,
    rowsPerHour: (rowBytes / spanS) * 3600,
    rows,
  });
}

// --- what a lower gzip level would save the recorder: its one-second members, each level once after a warm-up
const members: string[] = [];
for (const input of inputs) {
  let lines: string[] = [];
  let start = input.frames[0]?.localTs ?? 0;
  let bytes = 0;
  for (const f of input.frames) {
    if (f.localTs - start >= 1_000_000 || bytes >= 1 << 20) {
      members.push(`${lines.join('\n')}\n`);
      lines = [];
      start = f.localTs;
      bytes = 0;
    }
    const line = encodeFrame(f);
    lines.push(line);
    bytes += line.length + 1;
  }
  members.push(`${lines.join('\n')}\n`);
}
const gzipLevels: { level: number; usPerFrame: number; bytes: number }[] = [];
for (const pass of [0, 1])
  for (const level of [1, 3, 6]) {
    const t = cpuUs();
    let bytes = 0;
    for (const m of members) bytes += gzipSync(m, { level }).length;
    if (pass === 1) gzipLevels.push({ level, usPerFrame: (cpuUs() - t) / frames.length, bytes });
  }

const result = {
  events: n,
  frames: frames.length,
  reps,
  loadavg: { start: loads[0], end: loadavg()[0], each: loads },
  cpuUsPerEvent: {
    trading: perEvent(samples.trading),
    tradingWithRows: perEvent(samples.tradingRows),
    rows: perEvent(rowsCost),
    raw: perEvent(samples.raw),
    collection: perEvent(collectCost),
    feedParsing: perEvent(samples.parse),
  },
  collectionOverTrading: stat(collectCost.map((c, i) => c / (samples.trading[i] as number))),
  // Against what the box does per event without collection: the feeds' parsing plus the trading kernel.
  collectionOverParsingAndTrading: stat(
    collectCost.map((c, i) => c / ((samples.trading[i] as number) + (samples.parse[i] as number))),
  ),
  disk,
  gzipLevels,
};
const f2 = (x: number) => x.toFixed(2);
console.log(
  `events ${n} (four recordings merged), raw frames ${frames.length}, ${reps} reps, load ${loads.map(f2).join(' ')}`,
);
for (const [k, v] of Object.entries(result.cpuUsPerEvent))
  console.log(`${k.padEnd(16)} ${f2(v.median)} us/event CPU (min ${f2(v.min)}, max ${f2(v.max)})`);
const r = result.collectionOverTrading;
console.log(`collection / trading: median ${f2(r.median)}x (min ${f2(r.min)}, max ${f2(r.max)})`);
const p = result.collectionOverParsingAndTrading;
console.log(`collection / (feed parsing + trading): median ${f2(p.median)}x (min ${f2(p.min)}, max ${f2(p.max)})`);
for (const d of disk)
  console.log(
    `${d.venue.padEnd(9)} span ${d.spanS.toFixed(1)} s: raw ${(d.rawPerHour / 1e6).toFixed(1)} MB/h (${d.rawBytes} B), rows ${(d.rowsPerHour / 1e6).toFixed(1)} MB/h (${d.rowBytes} B; ${JSON.stringify(d.rows)})`,
  );
for (const g of gzipLevels)
  console.log(
    `gzip level ${g.level}: ${f2(g.usPerFrame)} us/frame CPU, ${g.bytes} bytes for every frame of the four recordings`,
  );
if (values.json !== undefined) writeFileSync(values.json, JSON.stringify(result, null, 2));
rmSync(dir, { recursive: true, force: true });
