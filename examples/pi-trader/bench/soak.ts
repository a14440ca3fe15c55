/**
 * Soak benchmark of the pi-trader: the bundled recording replayed in a loop at the fastest pace
 * through the live path (replay server → WebSocket → Binance feed → bus → paper trader with risk
 * gate → SQLite checkpoints → dashboard), for `--minutes` (default 10).
 *
 * Measures decision latency (frame received → order submitted, µs: the feed stamps `localTs`
 * on receipt, the risk gate reports the order as it goes out), resident memory every 5 s and
 * its trend after warm-up, and, as the named peer in the same run, the backtest engine
 * (`runBacktest`, no sockets, no risk, no storage) over the same recording: events per second
 * of the whole live path against the bare kernel.
 *
 * Run (compiled code, no source condition):
 *   pnpm exec tsc -b examples/pi-trader && pnpm exec tsx examples/pi-trader/bench/soak.ts --minutes 10 [--speed 0] [--strategy market-maker] [--json out.json]
 * Add `NODE_OPTIONS=--expose-gc` to force a full collection before each memory sample.
 * (`--speed 1` plays the recording at its recorded pace, as live data would arrive.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig, type MarketEvent } from '@tickerml/core';
import { DecimalGrid } from '@tickerml/exchanges';
import { inferReplaySetup, loadFrames, replayIntoHandler } from '@tickerml/exchanges/testkit';
import { createBaseline, runBacktest, TradableInstrument } from '@tickerml/execution';
// The compiled app (run `tsc -b examples/pi-trader` first): memory is measured on what `pnpm pi-trader` runs.
import { startPiTrader } from '../dist/app.js';
import { parseCliArgs } from '../dist/args.js';
import { DEMO_INSTRUMENT, DEMO_RECORDING } from '../dist/demo.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    strategy: { type: 'string', default: 'market-maker' },
    json: { type: 'string' },
    warmup: { type: 'string', default: '60' },
    speed: { type: 'string', default: '0' },
  },
});
const seconds = Number(values.minutes) * 60;
const warmupS = Math.min(Number(values.warmup), seconds / 2);
const CONFIG = fileURLToPath(new URL('../../../config', import.meta.url));

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

// --- the peer: the backtest kernel over the same recording, same strategy
const { frames } = await loadFrames(DEMO_RECORDING.pathname);
const setup = {
  ...inferReplaySetup('binance', frames),
  grids: [new DecimalGrid(DEMO_INSTRUMENT.symbol, DEMO_INSTRUMENT.tickSize, DEMO_INSTRUMENT.lotSize)],
};
const events: MarketEvent[] = [];
replayIntoHandler(setup, frames, (e) => events.push(e));
let last = Number.NEGATIVE_INFINITY;
// The live driver steps a late-stamped event at the later time; the peer gets the same input.
const ordered = events.map((e) => {
  if (e.localTs < last) return { ...e, localTs: last };
  last = e.localTs;
  return e;
});
const btc = new TradableInstrument(DEMO_INSTRUMENT);
const peerRuns: number[] = [];
for (let i = 0; i < 5; i++) {
  const t0 = performance.now();
  runBacktest({
    events: ordered,
    settings: { seed: 42, venues: [{ venue: 'binance', instruments: [DEMO_INSTRUMENT], balances: { USDT: '10000' } }] },
    strategy: createBaseline(values.strategy, [{ instrument: btc, refPriceTicks: 6_183_763 }], {
      orderNotional: '500',
    }),
  });
  peerRuns.push(((performance.now() - t0) / ordered.length) * 1000);
}
peerRuns.sort((a, b) => a - b);
const peerUsPerEvent = peerRuns[2] as number;

// --- the pi-trader, fastest pace
const dir = mkdtempSync(join(tmpdir(), 'pi-soak-'));
const cli = parseCliArgs([
  '--config',
  CONFIG,
  '--port',
  '0',
  '--metrics-port',
  '0',
  '--db',
  join(dir, 'soak.sqlite'),
  '--speed',
  values.speed,
  '--status-every',
  '0',
  '--strategy',
  values.strategy,
]);
if (cli === 'help') throw new Error('unreachable');
const config = loadConfig(CONFIG, { env: { TICKERML__APP__LOGGING__DIR: join(dir, 'logs') } });
const latencies = new Float64Array(2_000_000);
let n = 0;
const app = await startPiTrader({
  args: cli,
  config,
  print: () => {},
  onDecisionLatencyUs: (us) => {
    if (n < latencies.length) latencies[n++] = us;
  },
});
const t0 = performance.now();
// With `node --expose-gc` each sample first forces a full collection: RSS and heap then show the
// live set (retention), not how lazily V8 collects.
const forceGc = (globalThis as { gc?: () => void }).gc;
const rss: { s: number; mb: number; heapMb: number; externalMb: number; events: number }[] = [];
await new Promise<void>((resolve) => {
  const timer = setInterval(() => {
    const s = (performance.now() - t0) / 1000;
    forceGc?.();
    const mem = process.memoryUsage();
    rss.push({
      s,
      mb: mem.rss / 2 ** 20,
      heapMb: mem.heapUsed / 2 ** 20,
      externalMb: (mem.external + mem.arrayBuffers) / 2 ** 20,
      events: app.counts.events,
    });
    const lastSample = rss[rss.length - 1];
    process.stderr.write(
      `${s.toFixed(0)} s  events ${lastSample?.events}  decisions ${n}  rss ${lastSample?.mb.toFixed(0)} MB  heap ${lastSample?.heapMb.toFixed(0)} MB  external ${lastSample?.externalMb.toFixed(0)} MB\n`,
    );
    if (s >= seconds) {
      clearInterval(timer);
      resolve();
    }
  }, 5_000);
});
const wallS = (performance.now() - t0) / 1000;
// Holds the event loop open while the log worker drains during stop().
const guard = setTimeout(() => process.exit(1), 60_000);
const summary = await app.stop('bench');
clearTimeout(guard);
process.stderr.write('\n');
rmSync(dir, { recursive: true, force: true });

const sorted = latencies.slice(0, n).sort();
const after = rss.filter((r) => r.s >= warmupS);
// Least-squares slope of RSS over time after warm-up, MB per minute.
const mx = after.reduce((a, r) => a + r.s, 0) / after.length;
const my = after.reduce((a, r) => a + r.mb, 0) / after.length;
const slope =
  (after.reduce((a, r) => a + (r.s - mx) * (r.mb - my), 0) / after.reduce((a, r) => a + (r.s - mx) ** 2, 0)) * 60;
const result = {
  minutes: seconds / 60,
  gcBeforeEachSample: forceGc !== undefined,
  heapMb: {
    afterWarmup: after[0]?.heapMb,
    last: rss[rss.length - 1]?.heapMb,
    max: Math.max(...rss.map((r) => r.heapMb)),
  },
  speed: Number(values.speed),
  strategy: values.strategy,
  events: summary.events,
  eventsPerSecond: Math.round(summary.events / wallS),
  piTraderUsPerEvent: (wallS * 1e6) / summary.events,
  peer: { name: 'runBacktest (bare kernel, same recording and strategy, median of 5)', usPerEvent: peerUsPerEvent },
  decisions: n,
  decisionLatencyUs: {
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  },
  rssMb: {
    first: rss[0]?.mb,
    afterWarmup: after[0]?.mb,
    last: rss[rss.length - 1]?.mb,
    max: Math.max(...rss.map((r) => r.mb)),
    slopeMbPerMinuteAfterWarmup: slope,
  },
  orders: summary.ordersSent,
  ordersRefusedByRisk: summary.ordersRejected,
  refusedByRule: summary.refusedByRule,
  fills: summary.fills,
  node: process.version,
  cpus: (await import('node:os')).cpus().length,
};
console.log(JSON.stringify(result, null, 2));
if (values.json !== undefined) writeFileSync(values.json, JSON.stringify({ ...result, rss }, null, 2));
