/**
 * Cost per event of updating every feature, and heap growth over one million events, on the real
 * Binance BTCUSDT recording (depth diffs and trades merged by localTs).
 */
import { DepthImbalance, TopOfBookFeatures } from '../src/features/book-features.js';
import { CrossVenueSpread } from '../src/features/cross-venue.js';
import { type OhlcvBar, OhlcvBarBuilder } from '../src/features/ohlcv.js';
import { QueuePositionEstimate } from '../src/features/queue-position.js';
import { RealizedVolatility, RollingVwap, TradeFlowImbalance } from '../src/features/windows.js';
import { L2Book } from '../src/l2-book.js';
import type { LevelsInput } from '../src/types.js';
import { type BinanceDepthDiff, type RecordedTrade, readBinance } from '../test/recordings.js';

type StreamEvent = { readonly ts: number; readonly delta?: BinanceDepthDiff; readonly trade?: RecordedTrade };

interface Stream {
  readonly snapshot: LevelsInput;
  readonly events: readonly StreamEvent[];
  readonly durationUs: number;
}

function loadStream(): Stream {
  const rec = readBinance();
  const events: StreamEvent[] = [];
  for (const d of rec.diffs) if (d.lastUpdateId > rec.snapshot.lastUpdateId) events.push({ ts: d.localTsUs, delta: d });
  const firstTs = events[0]?.ts ?? 0;
  for (const t of rec.trades) if (t.localTsUs >= firstTs) events.push({ ts: t.localTsUs, trade: t });
  events.sort((a, b) => a.ts - b.ts); // stable: ties keep book-before-trade order
  const durationUs = (events.at(-1)?.ts ?? 0) - firstTs + 1;
  return { snapshot: rec.snapshot, events, durationUs };
}

/** Every feature of the package, wired the way a strategy would use them. */
class AllFeatures {
  readonly tob = new TopOfBookFeatures();
  readonly obi = new DepthImbalance(10, 'linear');
  readonly tfi = new TradeFlowImbalance(10_000_000);
  readonly vwap = new RollingVwap(60_000_000);
  readonly vol = new RealizedVolatility(60_000_000);
  // Venue B is a synthetic copy of the same book 5 bp richer: the spread arithmetic costs the
  // same whatever the quotes are, and the recordings of other venues are from other days.
  readonly xs = new CrossVenueSpread(
    { venue: 'binance', tickSize: 0.01, takerFeeBps: 10 },
    { venue: 'other', tickSize: 0.01, takerFeeBps: 10 },
    () => {
      this.opportunities++;
    },
  );
  readonly bars = new OhlcvBarBuilder(1_000_000, (bar: OhlcvBar) => {
    this.lastBarClose = bar.closeTicks;
  });
  queue: QueuePositionEstimate | undefined;
  opportunities = 0;
  lastBarClose = 0;
  vwapDeviationBps = 0;
  sink = 0;

  onBook(book: L2Book, ts: number): void {
    const tob = this.tob.update(book);
    this.obi.update(book);
    this.vol.onPrice(ts, tob.midTicks);
    this.vwap.advance(ts);
    this.vwapDeviationBps = this.vwap.deviationBps(tob.midTicks);
    this.tfi.advance(ts);
    this.bars.closeUntil(ts);
    const bid = book.bestBid();
    const ask = book.bestAsk();
    this.xs.update(0, ts, bid, ask);
    this.xs.update(1, ts, bid + (((bid * 5) / 1e4) | 0), ask + (((ask * 5) / 1e4) | 0));
    if (this.queue === undefined) this.queue = new QueuePositionEstimate('bid', bid, book.bestBidQty());
    else this.queue.onLevel(this.queue.priceTicks, book.qtyAt('bid', this.queue.priceTicks));
    this.sink += tob.micropriceTicks + this.obi.value;
  }

  onTrade(ts: number, t: RecordedTrade): void {
    this.tfi.onTrade(ts, t.qtyLots, t.aggressor);
    this.vwap.onTrade(ts, t.priceTicks, t.qtyLots);
    this.bars.onTrade(ts, t.priceTicks, t.qtyLots);
    this.queue?.onTrade(t.priceTicks, t.qtyLots);
  }
}

/** Replays `count` events (cycling through the recording with shifted timestamps). */
function replay(
  stream: Stream,
  count: number,
  features: AllFeatures | undefined,
  onMark?: (done: number) => void,
  markEvery = 0,
): number {
  const book = new L2Book();
  book.applySnapshot(stream.snapshot.bids, stream.snapshot.asks);
  let done = 0;
  let cycle = 0;
  let sink = 0;
  while (done < count) {
    const offset = cycle * stream.durationUs;
    const events = stream.events;
    for (let i = 0; i < events.length && done < count; i++, done++) {
      const ev = events[i] as StreamEvent;
      if (ev.delta !== undefined) {
        book.applyDelta(ev.delta);
        if (features !== undefined) features.onBook(book, ev.ts + offset);
        else sink += book.bestBid();
      } else if (ev.trade !== undefined && features !== undefined) {
        features.onTrade(ev.ts + offset, ev.trade);
      }
      if (markEvery > 0 && (done + 1) % markEvery === 0) onMark?.(done + 1);
    }
    // Each pass replays the recording again from its snapshot, later in time.
    cycle++;
    book.applySnapshot(stream.snapshot.bids, stream.snapshot.asks);
  }
  return sink + (features?.sink ?? 0);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;

export async function runFeatureBench(): Promise<void> {
  const stream = loadStream();
  const n = stream.events.length;
  const deltas = stream.events.filter((e) => e.delta).length;
  console.log(
    `## All features per event: Binance BTCUSDT, ${n} events per replay (${deltas} book diffs, ${n - deltas} trades)`,
  );
  // Warm up both paths, then time rounds of 200k events, interleaved.
  replay(stream, 200_000, undefined);
  replay(stream, 200_000, new AllFeatures());
  const bookOnly: number[] = [];
  const withFeatures: number[] = [];
  for (let r = 0; r < 5; r++) {
    let t = process.hrtime.bigint();
    replay(stream, 200_000, undefined);
    bookOnly.push(Number(process.hrtime.bigint() - t) / 200_000);
    t = process.hrtime.bigint();
    replay(stream, 200_000, new AllFeatures());
    withFeatures.push(Number(process.hrtime.bigint() - t) / 200_000);
  }
  const b = median(bookOnly);
  const f = median(withFeatures);
  console.log('| path | ns per event (median of 5 × 200k events) |');
  console.log('|---|---:|');
  console.log(`| book only (L2Book.applyDelta) | ${b.toFixed(0)} |`);
  console.log(`| book + every feature | ${f.toFixed(0)} |`);
  console.log(`| features alone (difference) | ${(f - b).toFixed(0)} |`);
  console.log('');

  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    console.log('(heap check skipped: run with node --expose-gc)');
    return;
  }
  console.log('## Heap over 1,000,000 events (book + every feature), after a forced GC at each mark');
  const features = new AllFeatures();
  const marks: [number, number][] = [];
  gc();
  const base = process.memoryUsage().heapUsed;
  replay(
    stream,
    1_000_000,
    features,
    (done) => {
      gc();
      marks.push([done, process.memoryUsage().heapUsed - base]);
    },
    200_000,
  );
  console.log('| events | heap used vs start |');
  console.log('|---:|---:|');
  for (const [done, delta] of marks)
    console.log(`| ${done.toLocaleString('en-US')} | ${(delta / 1024).toFixed(0)} KiB |`);
  const first = marks[0]?.[1] ?? 0;
  const last = marks.at(-1)?.[1] ?? 0;
  console.log(`\nGrowth from 200k to 1M events: ${((last - first) / 1024).toFixed(0)} KiB`);
}
