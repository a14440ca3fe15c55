/**
 * The state encoder's cost per event, against its peer: microstructure's `L2Book` applying the
 * same book events alone (what keeping the book costs without any feature). Events are parsed
 * once (the bundled Binance recording through `loadEvents`), then replayed from memory, the two
 * modes alternating, one warm-up pass each.
 *
 * Run:
 *   npx tsx --conditions=@tickerml/source packages/rl/bench/encoder.ts [--passes 20]
 *
 * `encoder` = `StateEncoder.onEvent` on every event plus a `DecisionSampler` at 1 s calling
 * `encode` into a reused buffer (so ~0.03 encodes per event on this recording). Prints ns per
 * event per pass (CPU time), median and min-max, and the load average.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MarketEvent } from '@tickerml/core';
import { loadEvents } from '@tickerml/exchanges';
import { L2Book } from '@tickerml/microstructure';
import { DecisionSampler, StateEncoder } from '../src/index.js';

const i = process.argv.indexOf('--passes');
const PASSES = i >= 0 ? Number(process.argv[i + 1]) : 20;
const FILE = fileURLToPath(
  new URL('../../../examples/pi-trader/recordings/binance/hftbacktest_spot_btcusdt_20240808.gz', import.meta.url),
);
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim();

const { events, instruments } = await loadEvents(FILE);
const instrument = instruments[0];
if (instrument === undefined) throw new Error('no instrument');

function bookPass(list: readonly MarketEvent[]): number {
  const book = new L2Book({ roiHalfWidthTicks: 16_384 });
  let synced = false;
  let check = 0;
  for (const e of list) {
    if (e.venue !== instrument?.venue || e.symbol !== instrument.symbol) continue;
    if (e.kind === 'book_snapshot') {
      book.applySnapshot(e.bids, e.asks);
      synced = true;
    } else if (e.kind === 'book_delta' && synced) book.applyDelta(e);
    check += book.bestBid();
  }
  return check;
}

function encoderPass(list: readonly MarketEvent[]): number {
  const encoder = new StateEncoder({ venue: instrument?.venue ?? '', symbol: instrument?.symbol ?? '' });
  const out = new Float32Array(encoder.dimension);
  const agent = { positionFraction: 0, cashFraction: 1 };
  let check = 0;
  const sampler = new DecisionSampler(1_000_000, (t0) => {
    encoder.encode(t0, agent, out);
    check += out[0] as number;
  });
  for (const e of list) {
    sampler.beforeEvent(e.localTs);
    encoder.onEvent(e);
  }
  return check;
}

const modes = { book: bookPass, encoder: encoderPass } as const;
const ns: Record<keyof typeof modes, number[]> = { book: [], encoder: [] };
console.log(`${events.length} events; node ${process.version}; load average before: ${loadavg()}`);
for (const run of [bookPass, encoderPass]) run(events); // warm-up
for (let p = 0; p < PASSES; p++) {
  for (const [name, run] of Object.entries(modes) as [keyof typeof modes, (l: readonly MarketEvent[]) => number][]) {
    const cpu0 = process.cpuUsage();
    run(events);
    const cpu = process.cpuUsage(cpu0);
    ns[name].push(((cpu.user + cpu.system) * 1000) / events.length);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;
for (const name of Object.keys(modes) as (keyof typeof modes)[]) {
  const xs = ns[name];
  console.log(
    `${name.padEnd(8)} median ${median(xs).toFixed(0)} ns/event (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)}, ${xs.length} passes)`,
  );
}
console.log(`encoder / book: ${(median(ns.encoder) / median(ns.book)).toFixed(2)}x`);
console.log(`load average after: ${loadavg()}`);
