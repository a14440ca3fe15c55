/**
 * Memory soak of the pi-trader (issue 19, "the long run"): the demo's four venues (Binance,
 * Coinbase, Kraken, KuCoin recordings, each through its replay server and live feed, in a loop)
 * at `--speed` × the recorded pace for `--minutes` of wall time, with the dashboard, metrics and
 * SQLite checkpoints on, sampling every `--sample-s` seconds: resident memory, heap used after a
 * forced full GC (the live set), event-loop delay (p50, p99, max since the last sample) and open
 * handles (`process.getActiveResourcesInfo()`).
 *
 * Pass/fail, after `--warmup-s` (default 60 s of wall time): the least-squares slope of heap
 * after GC is under `--max-slope-mb` (0.5 MB) per hour of recorded time, and RSS stays under
 * `--max-rss-mb` (300 MB) with the shipped heap cap (`--max-old-space-size=256`, as
 * `pnpm pi-trader` runs). Also counted: events, orders (and refusals by risk rule), fills, so a
 * run that trades nothing shows it. Not run in CI (the run is an hour).
 *
 * Run from the sources (no build needed):
 *   node --max-old-space-size=256 --expose-gc --conditions=@tickerml/source --import tsx \
 *     examples/pi-trader/bench/memory-soak.ts --minutes 60 --speed 10 [--strategy market-maker] [--json out.json]
 * `--speed 0` replays as fast as possible (recorded time is then not known: the slope is per hour
 * of wall time).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '@tickerml/core';
import { startPiTrader } from '../src/app.js';
import { parseCliArgs } from '../src/args.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '60' },
    speed: { type: 'string', default: '10' },
    'sample-s': { type: 'string', default: '10' },
    'warmup-s': { type: 'string', default: '60' },
    strategy: { type: 'string', default: 'market-maker' },
    'max-slope-mb': { type: 'string', default: '0.5' },
    'max-rss-mb': { type: 'string', default: '300' },
    json: { type: 'string' },
  },
});
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run node with --expose-gc: heap after GC is the measure');
const speed = Number(values.speed);
const seconds = Number(values.minutes) * 60;
const sampleS = Number(values['sample-s']);
const warmupS = Math.min(Number(values['warmup-s']), seconds / 2);
const CONFIG = fileURLToPath(new URL('../../../config', import.meta.url));

interface Sample {
  /** Wall seconds since start. */
  readonly t: number;
  readonly rssMb: number;
  readonly heapAfterGcMb: number;
  readonly loopP50Ms: number;
  readonly loopP99Ms: number;
  readonly loopMaxMs: number;
  readonly handles: number;
  readonly events: number;
  readonly orders: number;
  readonly fills: number;
}

/** Least-squares slope of y over x. */
function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return Number.NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
    den += ((xs[i] as number) - mx) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}

const dir = mkdtempSync(join(tmpdir(), 'pi-memory-soak-'));
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
const loadStart = loadavg();
const app = await startPiTrader({ args: cli, config, print: () => undefined });
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
const samples: Sample[] = [];
const t0 = performance.now();
const fillsNow = (): number => {
  try {
    return app.trader.fillsCount;
  } catch {
    return 0; // no book yet
  }
};
const sample = (): void => {
  gc();
  const m = process.memoryUsage();
  samples.push({
    t: (performance.now() - t0) / 1000,
    rssMb: m.rss / 2 ** 20,
    heapAfterGcMb: m.heapUsed / 2 ** 20,
    loopP50Ms: loop.percentile(50) / 1e6,
    loopP99Ms: loop.percentile(99) / 1e6,
    loopMaxMs: loop.max / 1e6,
    handles: process.getActiveResourcesInfo().length,
    events: app.counts.events,
    orders: app.counts.ordersSent,
    fills: fillsNow(),
  });
  loop.reset();
  const s = samples.at(-1) as Sample;
  console.error(
    `[${s.t.toFixed(0)} s] rss ${s.rssMb.toFixed(1)} MB, heap after GC ${s.heapAfterGcMb.toFixed(1)} MB, loop p99 ${s.loopP99Ms.toFixed(1)} ms, handles ${s.handles}, events ${s.events}, orders ${s.orders}, fills ${s.fills}`,
  );
};
await new Promise<void>((resolve) => {
  const timer = setInterval(() => {
    sample();
    if ((performance.now() - t0) / 1000 >= seconds) {
      clearInterval(timer);
      resolve();
    }
  }, sampleS * 1000);
});
const summary = await app.stop('soak done');
loop.disable();
const loadEnd = loadavg();
rmSync(dir, { recursive: true, force: true });

const steady = samples.filter((s) => s.t >= warmupS);
// Hours of recorded time per wall second: `speed`, or wall time at the fastest pace (unknown pace).
const perHour = speed > 0 ? speed : 1;
const heapSlopeMbPerRecordedHour = slope(
  steady.map((s) => (s.t * perHour) / 3600),
  steady.map((s) => s.heapAfterGcMb),
);
const maxRssMb = Math.max(...samples.map((s) => s.rssMb));
const result = {
  speed,
  wallSeconds: seconds,
  recordedHours: speed > 0 ? (seconds * speed) / 3600 : null,
  samples: samples.length,
  warmupS,
  heapSlopeMbPerRecordedHour,
  slopeUnit: speed > 0 ? 'MB per hour of recorded time' : 'MB per hour of wall time (speed 0)',
  heapAfterGcMb: { first: steady[0]?.heapAfterGcMb, last: steady.at(-1)?.heapAfterGcMb },
  maxRssMb,
  maxLoopDelayMs: Math.max(...samples.map((s) => s.loopMaxMs)),
  handles: { min: Math.min(...samples.map((s) => s.handles)), max: Math.max(...samples.map((s) => s.handles)) },
  events: summary.events,
  ordersSent: summary.ordersSent,
  ordersRefused: summary.ordersRejected,
  refusedByRule: summary.refusedByRule,
  fills: summary.fills,
  loadavg: { start: loadStart, end: loadEnd },
  pass: {
    heapSlope: heapSlopeMbPerRecordedHour < Number(values['max-slope-mb']),
    rss: maxRssMb < Number(values['max-rss-mb']),
    fills: summary.fills > 0,
  },
  series: samples,
};
const { series: _series, ...printed } = result;
console.log(JSON.stringify(printed, null, 2));
if (values.json !== undefined) writeFileSync(values.json, `${JSON.stringify(result, null, 2)}\n`);
process.exit(0);
