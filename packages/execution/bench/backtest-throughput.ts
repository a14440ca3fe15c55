/**
 * Backtest throughput: feed only (parse, books, features) against the full backtest (the same
 * feed plus the simulated venue with its queue, latency, fee and impact models, the engine and
 * a market-making strategy), over the real Binance BTCUSDT recording repeated end to end.
 *
 * Run (a few minutes for 10 M events; alternates the two modes, then prints medians):
 *   npx tsx --conditions=@tickerml/source packages/execution/bench/backtest-throughput.ts [--events 10000000] [--runs 3] [--input raw|events]
 *
 * Parse = the exchanges package's real Binance handler on the recorded frames (JSON, sequence
 * sync, exact decimal → ticks/lots); books = microstructure's L2Book in feed-only mode, the
 * venue's own book (an L2BookView) in the full backtest, which keeps one book per symbol;
 * features = top-of-book, 10-level depth imbalance and a 60 s rolling VWAP, updated on every
 * event. The two modes must produce the same feature checksum (checked).
 */
import { fileURLToPath } from 'node:url';
import type { MarketEvent } from '@tickerml/core';
import { TestClock } from '@tickerml/core';
import { inferReplaySetup, loadFrames, makeHandler, snapshotSymbolOf } from '@tickerml/exchanges/testkit';
import { DepthImbalance, L2Book, type L2BookView, RollingVwap, TopOfBookFeatures } from '@tickerml/microstructure';
import {
  Engine,
  makerTakerFees,
  Portfolio,
  powerProbQueue,
  rangeLatency,
  SimulatedVenueBuilder,
  TradableInstrument,
  touchMarketMaker,
} from '../src/index.js';

const SAMPLE = fileURLToPath(
  new URL('../../exchanges/test/fixtures/binance/hftbacktest_spot_btcusdt_20240808.gz', import.meta.url),
);

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const TARGET_EVENTS = arg('--events', 10_000_000);
const RUNS = arg('--runs', 3);
/**
 * `raw` (default): every repetition parses the recorded frames again. `events`: the frames are
 * parsed once and the normalized events replayed (timestamps shifted in place each repetition),
 * which measures books + features against books + features + the simulated venue and engine.
 */
const INPUT = process.argv.includes('--input') ? process.argv[process.argv.indexOf('--input') + 1] : 'raw';
if (INPUT !== 'raw' && INPUT !== 'events') throw new Error(`--input must be raw or events, was ${INPUT}`);

const { frames } = await loadFrames(SAMPLE);
const setup = inferReplaySetup('binance', frames);
const ordered = frames
  .map((f, i) => [f, i] as const)
  .sort((a, b) => a[0].localTs - b[0].localTs || a[1] - b[1])
  .map(([f]) => f);
const first = (ordered[0] as { localTs: number }).localTs;
const spanUs = (ordered[ordered.length - 1] as { localTs: number }).localTs - first + 1_000_000;
const firstGrid = setup.grids[0];
if (firstGrid === undefined) throw new Error('no instrument in the sample');
const grid: { symbol: string; tickSize: string; lotSize: string } = firstGrid;

type Sink = (e: MarketEvent) => void;

/**
 * Replays the recording `reps` times through a fresh handler each time, shifted by `rep × span`,
 * calling `sink` for each event. Handler-made timestamps (localTs, snapshot exchTs) already carry
 * the shift; venue stamps from the data (`E`, `T`) are shifted here, in place (no allocation).
 */
function replay(reps: number, sink: Sink): number {
  return INPUT === 'raw' ? replayRaw(reps, sink) : replayEvents(reps, sink);
}

let parsedOnce: MarketEvent[] | undefined;
function replayEvents(reps: number, sink: Sink): number {
  if (parsedOnce === undefined) {
    const list: MarketEvent[] = [];
    replayRaw(1, (e) => list.push(e));
    parsedOnce = list;
  }
  const list = parsedOnce as Array<{ localTs: number; exchTs: number }>;
  // Back to the recording's own times, then one span later per repetition.
  const base = (list[0] as { localTs: number }).localTs;
  const start = first;
  const back = base - start;
  for (const e of list) {
    e.localTs -= back;
    e.exchTs -= back;
  }
  let count = 0;
  for (let rep = 0; rep < reps; rep++) {
    if (rep > 0) {
      for (let i = 0; i < list.length; i++) {
        const e = list[i] as { localTs: number; exchTs: number };
        e.localTs += spanUs;
        e.exchTs += spanUs;
      }
    }
    for (let i = 0; i < list.length; i++) sink(list[i] as unknown as MarketEvent);
    count += list.length;
  }
  return count;
}

function replayRaw(reps: number, sink: Sink): number {
  let count = 0;
  let lastTs = Number.NEGATIVE_INFINITY;
  for (let rep = 0; rep < reps; rep++) {
    const off = rep * spanUs;
    const handler = makeHandler(setup, {
      emit: (e) => {
        const m = e as { localTs: number; exchTs: number };
        if (off > 0 && m.exchTs < m.localTs - off / 2) m.exchTs += off;
        // Diffs buffered until the snapshot are applied when it arrives.
        if (m.localTs < lastTs) m.localTs = lastTs;
        else lastTs = m.localTs;
        count++;
        sink(e);
      },
      requestSnapshot: () => {},
    });
    for (const f of ordered) {
      if (f.kind === 'recv') handler.onFrame(f.data, f.localTs + off);
      else if (f.kind === 'http' && f.url !== undefined) {
        const symbol = snapshotSymbolOf('binance', f.url);
        if (symbol !== undefined) handler.onRestSnapshot(symbol, f.data, f.localTs + off);
      }
    }
  }
  return count;
}

/**
 * Feed work: the book (unless the venue's book is passed in, which the engine already keeps up
 * to date) and the features on it. Returns a checksum so nothing is optimised away.
 */
function feedSink(venueBook?: L2BookView): { sink: Sink; check: () => number } {
  const own = venueBook === undefined ? new L2Book() : undefined;
  const book: L2BookView = venueBook ?? (own as L2Book);
  const top = new TopOfBookFeatures();
  const depth = new DepthImbalance(10);
  const vwap = new RollingVwap(60_000_000);
  let acc = 0;
  return {
    sink: (e) => {
      if (own !== undefined) {
        if (e.kind === 'book_delta') own.applyDelta(e);
        else if (e.kind === 'book_snapshot') own.applySnapshot(e.bids, e.asks);
      }
      if (e.kind === 'trade') acc += vwap.onTrade(e.localTs, e.priceTicks, e.qtyLots) * 1e-12;
      else if (e.kind === 'book_delta' || e.kind === 'book_snapshot') {
        top.update(book);
        acc += depth.update(book) || 0;
      }
    },
    check: () => acc,
  };
}

// One sample repetition gives this many events; repeat to reach the target.
const perRep = replay(1, () => {});
const reps = Math.ceil(TARGET_EVENTS / perRep);

function runFeed(): { events: number; ms: number; check: number } {
  const f = feedSink();
  const t0 = performance.now();
  const events = replay(reps, f.sink);
  return { events, ms: performance.now() - t0, check: f.check() };
}

function runFull(): { events: number; ms: number; check: number; fills: number } {
  const portfolio = new Portfolio();
  portfolio.openAccount('binance', { USDT: '1000000' });
  const instrument = new TradableInstrument({
    venue: 'binance',
    symbol: grid.symbol,
    base: 'BTC',
    quote: 'USDT',
    tickSize: grid.tickSize,
    lotSize: grid.lotSize,
  });
  portfolio.openPosition(instrument, { symbol: grid.symbol, qty: '10', entryPrice: '61837.63' });
  const venue = new SimulatedVenueBuilder('binance')
    .instruments([instrument])
    .queueModel(powerProbQueue(2))
    .latencyModel(rangeLatency({ minMs: 50, maxMs: 100, seed: 42 }))
    .feeModel(makerTakerFees({ maker: '0.001', taker: '0.001' }))
    .portfolio(portfolio)
    .build();
  const qtyLots = Number(instrument.toLots('0.03'));
  const strategy = touchMarketMaker({ venue: 'binance', symbol: grid.symbol, qtyLots, maxInventoryLots: 10 * qtyLots });
  const engine = new Engine({ venues: [venue], portfolio, strategy, clock: new TestClock(0), seed: 42 });
  const f = feedSink(venue.book(grid.symbol));
  const t0 = performance.now();
  const events = replay(reps, (e) => {
    engine.step(e);
    f.sink(e);
  });
  engine.finish();
  if (process.env.BENCH_DEBUG !== undefined) {
    const perRep = new Map<number, number>();
    for (const x of portfolio.fills)
      perRep.set(Math.floor((x.atUs - first) / spanUs), (perRep.get(Math.floor((x.atUs - first) / spanUs)) ?? 0) + 1);
    console.error(
      'fills per repetition',
      [...perRep],
      'open views',
      engine.context.openOrders(),
      'position',
      portfolio.position(instrument).qtyLots,
      'skew',
      venue.clockSkewUs,
      'closed',
      venue.closed().length,
    );
  }
  return { events, ms: performance.now() - t0, check: f.check(), fills: portfolio.fills.length };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const feedMs: number[] = [];
const fullMs: number[] = [];
let events = 0;
let fills = 0;
for (let r = 0; r < RUNS; r++) {
  const a = runFeed();
  const b = runFull();
  if (a.events !== b.events) throw new Error(`event counts differ: ${a.events} vs ${b.events}`);
  if (a.check !== b.check) throw new Error('feed results differ between the modes');
  events = a.events;
  fills = b.fills;
  feedMs.push(a.ms);
  fullMs.push(b.ms);
  console.error(`run ${r + 1}: feed ${a.ms.toFixed(0)} ms, full ${b.ms.toFixed(0)} ms (${b.fills} fills)`);
}
const feed = median(feedMs);
const full = median(fullMs);
console.log(
  JSON.stringify(
    {
      node: process.version,
      input: INPUT,
      events,
      repetitions: reps,
      runs: RUNS,
      feedOnlyMedianMs: Math.round(feed),
      fullBacktestMedianMs: Math.round(full),
      feedOnlyEventsPerSec: Math.round(events / (feed / 1000)),
      fullBacktestEventsPerSec: Math.round(events / (full / 1000)),
      fullOverFeed: Number((full / feed).toFixed(3)),
      fillsPerFullRun: fills,
      feedMs: feedMs.map(Math.round),
      fullMs: fullMs.map(Math.round),
    },
    null,
    2,
  ),
);
