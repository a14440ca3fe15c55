/**
 * Order-book benchmark on real recordings: our two L2 book candidates against ccxt's own
 * `OrderBook` (the class ccxt's Binance and Kraken WebSocket handlers use), applying the same
 * recorded deltas in the same process. Parsing is excluded for every contestant: each gets the
 * deltas pre-parsed into its own native form (ticks/lots for ours, float [price, amount] pairs
 * for ccxt, exactly what its handlers pass to `store`).
 *
 * Run: pnpm --filter @tickerml/microstructure bench
 */
import { arch, cpus } from 'node:os';
import { L2Book } from '../src/l2-book.js';
import { SortedL2Book } from '../src/sorted-l2-book.js';
import type { LevelInput, LevelsInput } from '../src/types.js';
import {
  BINANCE_PRICE_DECIMALS,
  BINANCE_QTY_DECIMALS,
  KRAKEN_PRICE_DECIMALS,
  KRAKEN_QTY_DECIMALS,
  readBinance,
  readKrakenBook,
} from '../test/recordings.js';
import { runFeatureBench } from './features.js';

interface CcxtSide {
  store(price: number, amount: number): void;
}
interface CcxtOrderBook {
  bids: CcxtSide;
  asks: CcxtSide;
  limit(): unknown;
  reset(snapshot: object): unknown;
}
type CcxtOrderBookClass = new (snapshot?: object, depth?: number) => CcxtOrderBook;

// ccxt's package exports map exposes only its entry; its ws OrderBook module sits beside it.
const ccxtEntry = import.meta.resolve('ccxt');
const { OrderBook } = (await import(new URL('./src/base/ws/OrderBook.js', ccxtEntry).href)) as {
  OrderBook: CcxtOrderBookClass;
};
const ccxtVersion = ((await import('ccxt')) as unknown as { version: string }).version;

interface Dataset {
  readonly name: string;
  readonly depth: number | undefined;
  readonly snapshot: LevelsInput;
  readonly deltas: readonly LevelsInput[];
  readonly snapshotFloat: { bids: [number, number][]; asks: [number, number][] };
  readonly deltasFloat: readonly { bids: [number, number][]; asks: [number, number][] }[];
  /** Level changes applied by one replay (snapshot levels + every delta level). */
  readonly levelUpdates: number;
}

function toFloat(levels: readonly LevelInput[], priceDecimals: number, qtyDecimals: number): [number, number][] {
  // What ccxt's handlers hand to `store`: parseFloat of the venue's text.
  return levels.map((l) => [l.priceTicks / 10 ** priceDecimals, l.qtyLots / 10 ** qtyDecimals]);
}

function dataset(
  name: string,
  depth: number | undefined,
  snapshot: LevelsInput,
  deltas: LevelsInput[],
  pd: number,
  qd: number,
): Dataset {
  let levelUpdates = snapshot.bids.length + snapshot.asks.length;
  for (const d of deltas) levelUpdates += d.bids.length + d.asks.length;
  return {
    name,
    depth,
    snapshot,
    deltas,
    snapshotFloat: { bids: toFloat(snapshot.bids, pd, qd), asks: toFloat(snapshot.asks, pd, qd) },
    deltasFloat: deltas.map((d) => ({ bids: toFloat(d.bids, pd, qd), asks: toFloat(d.asks, pd, qd) })),
    levelUpdates,
  };
}

export function loadDatasets(): Dataset[] {
  const bin = readBinance();
  const binDeltas = bin.diffs.filter((d) => d.lastUpdateId > bin.snapshot.lastUpdateId);
  const kr = readKrakenBook('kraken/crossbook_kraken_btcusd_sample.cbcap');
  const [krSnap, ...krUpdates] = kr;
  if (!krSnap || krSnap.type !== 'snapshot') throw new Error('Kraken sample must start with a snapshot');
  return [
    dataset(
      'Binance BTCUSDT depth@100ms (1000-level snapshot + diffs)',
      undefined,
      bin.snapshot,
      binDeltas,
      BINANCE_PRICE_DECIMALS,
      BINANCE_QTY_DECIMALS,
    ),
    dataset('Kraken BTC/USD v2 book depth 25', 25, krSnap, krUpdates, KRAKEN_PRICE_DECIMALS, KRAKEN_QTY_DECIMALS),
  ];
}

/**
 * A contestant builds its book once per dataset (as a live feed does), then each run re-applies
 * the snapshot and every delta, so construction (e.g. the tick array's 2 MB) is not timed.
 */
type Contestant = { readonly name: string; readonly prepare: (ds: Dataset) => (ds: Dataset) => number };

// One function per contestant, so each call site stays monomorphic, as in a real program that
// uses one book class.
function prepareL2Book(ds: Dataset): (ds: Dataset) => number {
  const book = new SortedL2Book(ds.depth === undefined ? {} : { maxDepth: ds.depth });
  return (d) => {
    book.applySnapshot(d.snapshot.bids, d.snapshot.asks);
    const deltas = d.deltas;
    for (let i = 0; i < deltas.length; i++) book.applyDelta(deltas[i] as LevelsInput);
    return book.bestBid();
  };
}

function prepareTickArray(ds: Dataset): (ds: Dataset) => number {
  const book = new L2Book(ds.depth === undefined ? {} : { maxDepth: ds.depth });
  return (d) => {
    book.applySnapshot(d.snapshot.bids, d.snapshot.asks);
    const deltas = d.deltas;
    for (let i = 0; i < deltas.length; i++) book.applyDelta(deltas[i] as LevelsInput);
    return book.bestBid();
  };
}

function prepareCcxt(ds: Dataset): (ds: Dataset) => number {
  const book = new OrderBook({}, ds.depth);
  return (d) => {
    book.reset({});
    for (const [p, q] of d.snapshotFloat.bids) book.bids.store(p, q);
    for (const [p, q] of d.snapshotFloat.asks) book.asks.store(p, q);
    book.limit();
    for (const delta of d.deltasFloat) {
      for (const [p, q] of delta.bids) book.bids.store(p, q);
      for (const [p, q] of delta.asks) book.asks.store(p, q);
      if (d.depth !== undefined) book.limit();
    }
    return (book.bids as unknown as number[][])[0]?.[0] ?? 0;
  };
}

const ccxtName = `ccxt ${ccxtVersion} OrderBook`;
const contestants: Contestant[] = [
  { name: 'SortedL2Book (sorted typed arrays)', prepare: prepareL2Book },
  { name: 'L2Book (tick-indexed ROI)', prepare: prepareTickArray },
  { name: ccxtName, prepare: prepareCcxt },
];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] as number;
};

/**
 * Level updates per second for each contestant: `rounds` rounds of ~`roundMs` each, contestants
 * interleaved within a round so they share the same machine conditions. Reports the median rate
 * and the median of the per-round ratios to ccxt (robust to a shared, noisy CPU).
 */
function measure(ds: Dataset, rounds: number, roundMs: number): Map<string, { rate: number; ratio: number }> {
  const samples = new Map<string, number[]>(contestants.map((c) => [c.name, []]));
  const ratios = new Map<string, number[]>(contestants.map((c) => [c.name, []]));
  let sink = 0;
  const runs = contestants.map((c) => c.prepare(ds));
  for (const run of runs) for (let i = 0; i < 5; i++) sink += run(ds); // warm up
  for (let r = 0; r < rounds; r++) {
    const roundRates = new Map<string, number>();
    for (const [k, c] of contestants.entries()) {
      const run = runs[k] as (ds: Dataset) => number;
      let reps = 0;
      const start = process.hrtime.bigint();
      let elapsed = 0;
      do {
        sink += run(ds);
        reps++;
        elapsed = Number(process.hrtime.bigint() - start) / 1e9;
      } while (elapsed * 1000 < roundMs);
      const rate = (reps * ds.levelUpdates) / elapsed;
      samples.get(c.name)?.push(rate);
      roundRates.set(c.name, rate);
    }
    const ccxtRate = roundRates.get(ccxtName) as number;
    for (const [name, rate] of roundRates) ratios.get(name)?.push(rate / ccxtRate);
  }
  if (sink === 42) console.log('');
  return new Map([...samples].map(([k, v]) => [k, { rate: median(v), ratio: median(ratios.get(k) ?? []) }]));
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

console.log(`# Order books and features benchmark`);
console.log(
  `node ${process.version}, ${arch()}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ccxt ${ccxtVersion}\n`,
);
const datasets = loadDatasets();
for (const ds of datasets) {
  const results = measure(ds, 15, 80);
  console.log(`## ${ds.name}: ${ds.deltas.length} messages, ${fmt(ds.levelUpdates)} level updates per replay`);
  console.log('| contestant | level updates/s (median of 15 rounds) | × ccxt (median of per-round ratios) |');
  console.log('|---|---:|---:|');
  for (const [name, { rate, ratio }] of results) console.log(`| ${name} | ${fmt(rate)} | ${ratio.toFixed(2)} |`);
  console.log('');
}
await runFeatureBench();
