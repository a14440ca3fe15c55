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
 *
 * Two throughput units are printed: `EventsPerCpuSec` counts our events (a whole BookDelta
 * message, a trade, a snapshot); `LevelUpdatesAndTradesPerCpuSec` counts hftbacktest's unit (one
 * per depth level change, snapshot levels included, and one per trade), for a like-for-like
 * comparison with its published figures.
 */
import { fileURLToPath } from 'node:url';
import type { MarketEvent } from '@tickerml/core';
import { TestClock } from '@tickerml/core';
import { inferReplaySetup, loadFrames, makeHandler, snapshotSymbolOf } from '@tickerml/exchanges';
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
  VenueBook,
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
 * Feed work: the book and the features on it. `book`: `l2book` keeps microstructure's L2Book;
 * `venuebook` keeps the same book class the simulated venue uses (the like-for-like baseline);
 * a `VenueBook` passed in is the venue's own book, which the engine already keeps up to date.
 * Returns a checksum so nothing is optimised away.
 */
function feedSink(book: 'l2book' | 'venuebook' | VenueBook): { sink: Sink; check: () => number } {
  const l2 = book === 'l2book' ? new L2Book() : undefined;
  const vb = book === 'venuebook' ? new VenueBook() : undefined;
  const view: L2BookView = l2 ?? vb ?? (book as VenueBook);
  const top = new TopOfBookFeatures();
  const depth = new DepthImbalance(10);
  const vwap = new RollingVwap(60_000_000);
  let acc = 0;
  return {
    sink: (e) => {
      if (l2 !== undefined) {
        if (e.kind === 'book_delta') l2.applyDelta(e);
        else if (e.kind === 'book_snapshot') l2.applySnapshot(e.bids, e.asks);
      } else if (vb !== undefined && (e.kind === 'book_delta' || e.kind === 'book_snapshot')) {
        if (e.kind === 'book_snapshot') {
          vb.bids.clear();
          vb.asks.clear();
        }
        for (let i = 0; i < e.bids.length; i++) {
          const l = e.bids[i] as { priceTicks: number; qtyLots: number };
          vb.bids.set(l.priceTicks, l.qtyLots);
        }
        for (let i = 0; i < e.asks.length; i++) {
          const l = e.asks[i] as { priceTicks: number; qtyLots: number };
          vb.asks.set(l.priceTicks, l.qtyLots);
        }
      }
      if (e.kind === 'trade') acc += vwap.onTrade(e.localTs, e.priceTicks, e.qtyLots) * 1e-12;
      else if (e.kind === 'book_delta' || e.kind === 'book_snapshot') {
        top.update(view);
        acc += depth.update(view) || 0;
      }
    },
    check: () => acc,
  };
}

/**
 * hftbacktest's unit: its normalized rows are one per depth level change (snapshot levels
 * included) and one per trade, where our event is a whole message (a BookDelta of ~37 levels).
 */
function levelUpdatesAndTrades(e: MarketEvent): number {
  if (e.kind === 'book_delta' || e.kind === 'book_snapshot') return e.bids.length + e.asks.length;
  return e.kind === 'trade' ? 1 : 0;
}

// One sample repetition gives this many events; repeat to reach the target.
let unitsPerRep = 0;
const perRep = replay(1, (e) => {
  unitsPerRep += levelUpdatesAndTrades(e);
});
const reps = Math.ceil(TARGET_EVENTS / perRep);

/** CPU time of this process (user + system), milliseconds: less sensitive than wall time to other load on a shared machine. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function runFeed(
  reps: number,
  book: 'l2book' | 'venuebook',
): { events: number; ms: number; cpu: number; check: number } {
  const f = feedSink(book);
  const c0 = cpuMs();
  const t0 = performance.now();
  const events = replay(reps, f.sink);
  return { events, ms: performance.now() - t0, cpu: cpuMs() - c0, check: f.check() };
}

function runFull(reps: number): { events: number; ms: number; cpu: number; check: number; fills: number } {
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
  const c0 = cpuMs();
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
  return { events, ms: performance.now() - t0, cpu: cpuMs() - c0, check: f.check(), fills: portfolio.fills.length };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const modes = ['feedL2Book', 'feedVenueBook', 'full'] as const;
/**
 * `--modes a,b` measures only some modes (e.g. to run the slow raw modes as parallel processes on
 * a shared machine); the feature checksum is then compared only between the modes measured.
 */
const MODES = new Set(
  process.argv.includes('--modes') ? (process.argv[process.argv.indexOf('--modes') + 1] ?? '').split(',') : [...modes],
);
for (const m of MODES)
  if (!(modes as readonly string[]).includes(m)) throw new Error(`unknown mode ${m} (modes: ${modes.join(', ')})`);
const none = { events: 0, ms: Number.NaN, cpu: Number.NaN, check: Number.NaN, fills: 0 };
const wall: Record<(typeof modes)[number], number[]> = { feedL2Book: [], feedVenueBook: [], full: [] };
const cpu: Record<(typeof modes)[number], number[]> = { feedL2Book: [], feedVenueBook: [], full: [] };
let events = 0;
let fills = 0;
// Warm-up (JIT) on a few repetitions of each mode, not measured.
if (MODES.has('feedL2Book')) runFeed(Math.min(reps, 20), 'l2book');
if (MODES.has('feedVenueBook')) runFeed(Math.min(reps, 20), 'venuebook');
if (MODES.has('full')) runFull(Math.min(reps, 20));
for (let r = 0; r < RUNS; r++) {
  const a = MODES.has('feedL2Book') ? runFeed(reps, 'l2book') : none;
  const v = MODES.has('feedVenueBook') ? runFeed(reps, 'venuebook') : none;
  const b = MODES.has('full') ? runFull(reps) : none;
  const measured = [a, v, b].filter((x) => x !== none);
  const ref = measured[0] ?? none;
  if (measured.some((x) => x.events !== ref.events))
    throw new Error(`event counts differ: ${measured.map((x) => x.events).join(', ')}`);
  if (measured.some((x) => x.check !== ref.check)) throw new Error('feature checksums differ between the modes');
  events = ref.events;
  if (events !== perRep * reps) throw new Error(`expected ${perRep * reps} events, got ${events}`);
  fills = b.fills;
  console.error(`checksum ${ref.check}`);
  wall.feedL2Book.push(a.ms);
  wall.feedVenueBook.push(v.ms);
  wall.full.push(b.ms);
  cpu.feedL2Book.push(a.cpu);
  cpu.feedVenueBook.push(v.cpu);
  cpu.full.push(b.cpu);
  console.error(
    `run ${r + 1}: feed(L2Book) ${a.ms.toFixed(0)} ms cpu ${a.cpu.toFixed(0)}, feed(VenueBook) ${v.ms.toFixed(0)} ms cpu ${v.cpu.toFixed(0)}, full ${b.ms.toFixed(0)} ms cpu ${b.cpu.toFixed(0)} (${b.fills} fills)`,
  );
}
const out: Record<string, unknown> = {
  node: process.version,
  input: INPUT,
  events,
  /** hftbacktest's unit (one per level change, snapshot levels included, and one per trade). */
  levelUpdatesAndTrades: unitsPerRep * reps,
  repetitions: reps,
  runs: RUNS,
  fillsPerFullRun: fills,
};
for (const m of modes) {
  if (!MODES.has(m)) continue;
  out[`${m}MedianWallMs`] = Math.round(median(wall[m]));
  out[`${m}MedianCpuMs`] = Math.round(median(cpu[m]));
  out[`${m}EventsPerCpuSec`] = Math.round(events / (median(cpu[m]) / 1000));
  out[`${m}LevelUpdatesAndTradesPerCpuSec`] = Math.round((unitsPerRep * reps) / (median(cpu[m]) / 1000));
  out[`${m}WallMs`] = wall[m].map(Math.round);
  out[`${m}CpuMs`] = cpu[m].map(Math.round);
}
out.fullOverFeedVenueBookCpu = Number((median(cpu.full) / median(cpu.feedVenueBook)).toFixed(3));
out.fullOverFeedL2BookCpu = Number((median(cpu.full) / median(cpu.feedL2Book)).toFixed(3));
out.fullOverFeedVenueBookWall = Number((median(wall.full) / median(wall.feedVenueBook)).toFixed(3));
console.log(JSON.stringify(out, null, 2));
