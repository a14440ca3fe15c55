/**
 * Soak benchmark of the pi-trader: the bundled recording replayed in a loop at the fastest pace
 * through the live path (replay server → WebSocket → Binance feed → bus → paper trader with risk
 * gate → SQLite checkpoints → dashboard), for `--minutes` (default 10).
 *
 * Decision latency, µs: from the WebSocket `message` event of the frame a decision was made on
 * (the feed stamps the frame's `localTs` there, one stamp per frame) to the order handed to the
 * simulated venue (`sent`) or refused by the risk gate (`refused`), reported separately. Time a
 * frame spends in the socket or in `ws` behind other frames, before its `message` event, is
 * queueing and is not counted. Also: resident memory every 5 s and its trend after warm-up, GC
 * pauses (count, longest, and how many slow decisions overlapped one), event-loop delay, load
 * average, and, as the named peer in the same run, the backtest engine (`runBacktest`, no
 * sockets, no risk, no storage) over the same recording.
 *
 * Breaker cooldown: at the fastest pace a 346 s loop of the recording plays in ~3 s, so the 30 s
 * cooldown of a halt (production default, config/risk_limits.yaml) would cover ten loops and the
 * recording's one real 9σ move would keep the symbol halted: the soak would measure refusals. The
 * soak therefore scales the cooldown with the pace: `--cooldown-ms` (default 300 ms at `--speed 0`,
 * ≈ 100× the recorded pace; 30 000 / speed otherwise), set through
 * `TICKERML__RISK__CIRCUIT_BREAKERS__COOLDOWN_MS` for this process only.
 *
 * Run (compiled code, no source condition):
 *   pnpm exec tsc -b examples/pi-trader && pnpm exec tsx examples/pi-trader/bench/soak.ts --minutes 10 [--speed 0] [--strategy market-maker] [--cooldown-ms 300] [--bus-delivery synchronous|microtask] [--json out.json]
 * Add `NODE_OPTIONS=--expose-gc` to force a full collection before each memory sample.
 * (`--speed 1` plays the recording at its recorded pace, as live data would arrive.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Delivery, loadConfig, type MarketEvent } from '@tickerml/core';
import { DecimalGrid, inferReplaySetup, loadFrames, replayIntoHandler } from '@tickerml/exchanges';
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
    'cooldown-ms': { type: 'string' },
    'bus-delivery': { type: 'string', default: 'synchronous' },
  },
});
const speed = Number(values.speed);
// See the header: the halt cooldown scaled with the replay pace (production default 30 s).
const cooldownMs = Number(values['cooldown-ms'] ?? (speed === 0 ? 300 : Math.round(30_000 / speed)));
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
const config = loadConfig(CONFIG, {
  env: {
    TICKERML__APP__LOGGING__DIR: join(dir, 'logs'),
    TICKERML__RISK__CIRCUIT_BREAKERS__COOLDOWN_MS: String(cooldownMs),
  },
});
if (config.risk.circuitBreakers.cooldownMs !== cooldownMs) throw new Error('the cooldown override did not apply');

/** Latencies of one outcome, µs, and the wall times (performance.now, ms) the slow ones ended at. */
class Samples {
  readonly us = new Float64Array(4_000_000);
  n = 0;
  /** Decisions slower than {@link SLOW_US}: [start, end] in performance.now ms. */
  readonly slow: { startMs: number; endMs: number; heldUs: number }[] = [];
  /** Latency from the event reaching the trader to the decision, µs. */
  readonly pathUs = new Float64Array(4_000_000);
  add(us: number, heldUs: number): void {
    if (this.n < this.us.length) {
      this.pathUs[this.n] = us - heldUs;
      this.us[this.n++] = us;
    }
    if (us > SLOW_US && this.slow.length < 100_000) {
      const endMs = performance.now();
      this.slow.push({ startMs: endMs - us / 1000, endMs, heldUs });
    }
  }
}
/** A decision slower than this (µs) is checked against the GC pauses. */
const SLOW_US = 1_000;
const sent = new Samples();
const refused = new Samples();
// GC pauses (main thread), from V8 through perf_hooks.
const gcPauses: { startMs: number; durationMs: number; kind: number }[] = [];
const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
    gcPauses.push({ startMs: e.startTime, durationMs: e.duration, kind });
  }
});
gcObserver.observe({ entryTypes: ['gc'] });
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
const loads: number[] = [];

const app = await startPiTrader({
  args: cli,
  config,
  print: () => {},
  busDelivery: values['bus-delivery'] as Delivery,
  onDecisionLatencyUs: (us, outcome, heldUs) => (outcome === 'sent' ? sent : refused).add(us, heldUs),
});
const t0 = performance.now();
// Counted from the end of the warm-up: decisions and events per second are over the measured part.
let warm: { ms: number; events: number; involuntarySwitches: number } | undefined;
// With `node --expose-gc` each sample first forces a full collection: RSS and heap then show the
// live set (retention), not how lazily V8 collects.
const forceGc = (globalThis as { gc?: () => void }).gc;
const rss: { s: number; mb: number; heapMb: number; externalMb: number; events: number }[] = [];
await new Promise<void>((resolve) => {
  const timer = setInterval(() => {
    const s = (performance.now() - t0) / 1000;
    loads.push(loadavg()[0] as number);
    if (warm === undefined && s >= warmupS) {
      warm = {
        ms: performance.now(),
        events: app.counts.events,
        involuntarySwitches: process.resourceUsage().involuntaryContextSwitches,
      };
      // Latency percentiles cover the measured part only: drop what the warm-up recorded.
      sent.n = 0;
      refused.n = 0;
      sent.slow.length = 0;
      refused.slow.length = 0;
      gcPauses.length = 0;
      loopDelay.reset();
    }
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
      `${s.toFixed(0)} s  events ${lastSample?.events}  sent ${sent.n}  refused ${refused.n}  load ${loads[loads.length - 1]?.toFixed(2)}  rss ${lastSample?.mb.toFixed(0)} MB  heap ${lastSample?.heapMb.toFixed(0)} MB  external ${lastSample?.externalMb.toFixed(0)} MB\n`,
    );
    if (s >= seconds) {
      clearInterval(timer);
      resolve();
    }
  }, 5_000);
});
const endMs = performance.now();
const wallS = (endMs - t0) / 1000;
const measured = {
  s: warm === undefined ? wallS : (endMs - warm.ms) / 1000,
  events: app.counts.events - (warm?.events ?? 0),
};
gcObserver.disconnect();
loopDelay.disable();
// Holds the event loop open while the log worker drains during stop().
const guard = setTimeout(() => process.exit(1), 60_000);
const summary = await app.stop('bench');
clearTimeout(guard);
process.stderr.write('\n');
rmSync(dir, { recursive: true, force: true });

function latency(samples: Samples) {
  const sorted = samples.us.slice(0, samples.n).sort();
  const path = samples.pathUs.slice(0, samples.n).sort();
  // A slow decision "overlapped a GC" when a main-thread GC pause fell inside its interval.
  const overlapped = samples.slow.filter((d) =>
    gcPauses.some((g) => g.startMs < d.endMs && g.startMs + g.durationMs > d.startMs),
  ).length;
  return {
    count: samples.n,
    perSecond: Math.round((samples.n / measured.s) * 10) / 10,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    p999: quantile(sorted, 0.999),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    over1ms: samples.slow.length,
    over1msOverlappingGc: overlapped,
    // Of those, how many spent over 1 ms before reaching the trader (parse, or the feed / demo holding the event).
    over1msHeldOver1msBeforeTrader: samples.slow.filter((d) => d.heldUs > 1_000).length,
    // From the event reaching the trader (engine, strategy, risk) to the decision.
    traderPathUs: { p50: quantile(path, 0.5), p99: quantile(path, 0.99), max: path[path.length - 1] ?? Number.NaN },
  };
}
const byKind = new Map<number, { count: number; totalMs: number; maxMs: number }>();
for (const g of gcPauses) {
  const k = byKind.get(g.kind) ?? { count: 0, totalMs: 0, maxMs: 0 };
  k.count++;
  k.totalMs += g.durationMs;
  k.maxMs = Math.max(k.maxMs, g.durationMs);
  byKind.set(g.kind, k);
}
// perf_hooks GC kinds: 1 minor (scavenge), 2 major (mark-compact), 4 incremental marking, 8 weak callbacks.
const GC_KIND: Record<number, string> = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };
const sortedLoads = [...loads].sort((a, b) => a - b);
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
  speed,
  breakerCooldownMs: cooldownMs,
  busDelivery: values['bus-delivery'],
  strategy: values.strategy,
  loadAverage1m: {
    min: sortedLoads[0],
    median: sortedLoads[Math.floor(sortedLoads.length / 2)],
    max: sortedLoads[sortedLoads.length - 1],
  },
  events: summary.events,
  eventsPerSecond: Math.round(summary.events / wallS),
  piTraderUsPerEvent: (wallS * 1e6) / summary.events,
  peer: { name: 'runBacktest (bare kernel, same recording and strategy, median of 5)', usPerEvent: peerUsPerEvent },
  measuredAfterWarmupS: Math.round(measured.s),
  decisionLatencyUs: { sent: latency(sent), refused: latency(refused) },
  gcPausesAfterWarmup: Object.fromEntries(
    [...byKind].map(([k, v]) => [GC_KIND[k] ?? String(k), { ...v, totalMs: Math.round(v.totalMs) }]),
  ),
  // The OS taking the CPU away from the process (a shared machine): context switches it did not ask for.
  involuntaryContextSwitchesPerSecond: Math.round(
    (process.resourceUsage().involuntaryContextSwitches - (warm?.involuntarySwitches ?? 0)) / measured.s,
  ),
  eventLoopDelayMs: {
    p50: loopDelay.percentile(50) / 1e6,
    p99: loopDelay.percentile(99) / 1e6,
    max: loopDelay.max / 1e6,
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
