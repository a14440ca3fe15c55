/**
 * Runs the replay kit in its own process so the benchmark's CPU figures are the client's only.
 * Usage (forked by adapters.ts): replay-child.ts <recording> [--bare] [--depth-only] [--stall-after N]
 *   --bare          serve Binance payloads without the combined-stream envelope (what ccxt expects)
 *   --depth-only    keep only Binance depth frames and REST bodies
 *   --stall-after N stop the tape after N frames until the parent sends 'resume' (steady-state runs)
 *   --repeat N      with --depth-only: play the depth frames N times over, each copy's U/u/E moved on
 *                   past the previous copy's, so one connection sees one contiguous, N times longer stream
 * Protocol over IPC: sends {ready, wsUrl, httpUrl, frames, lastU}, then {finished, framesSent}; exits on 'stop'.
 */

import type { RawFrame } from '../src/readers/raw-frame.js';
import { loadFrames } from '../src/replay/load.js';
import { ReplayServer } from '../src/testkit/index.js';

const [file, ...flags] = process.argv.slice(2);
if (file === undefined || process.send === undefined)
  throw new Error('usage: forked with <recording> [--bare] [--depth-only]');
let { frames } = await loadFrames(file);
if (flags.includes('--depth-only'))
  frames = frames.filter((f) => f.kind === 'http' || f.data.includes('"depthUpdate"'));
if (flags.includes('--bare')) {
  frames = frames.map(
    (f): RawFrame =>
      f.kind === 'recv' && f.data.startsWith('{"stream"') ? { ...f, data: JSON.stringify(JSON.parse(f.data).data) } : f,
  );
}
const repeat = flags.includes('--repeat') ? Number(flags[flags.indexOf('--repeat') + 1]) : 1;
if (repeat > 1) frames = repeated(frames, repeat);

/** The depth frames `times` over (REST bodies once, first): copy k has U/u + k·span, E + k·duration. */
function repeated(tape: RawFrame[], times: number): RawFrame[] {
  const depth = tape.filter((f) => f.kind === 'recv');
  const num = (f: RawFrame | undefined, key: string) => Number(new RegExp(`"${key}":(\\d+)`).exec(f?.data ?? '')?.[1]);
  const idSpan = num(depth[depth.length - 1], 'u') - num(depth[0], 'U') + 1;
  const msSpan = num(depth[depth.length - 1], 'E') - num(depth[0], 'E') + 100;
  const tsSpan = (depth[depth.length - 1]?.localTs ?? 0) - (depth[0]?.localTs ?? 0) + 100_000;
  if (!(idSpan > 0 && msSpan > 0)) throw new Error('--repeat needs Binance depth frames (--depth-only)');
  const out = tape.filter((f) => f.kind === 'http');
  for (let k = 0; k < times; k++)
    for (const f of depth)
      out.push({
        ...f,
        localTs: f.localTs + k * tsSpan,
        data: f.data.replace(
          /"(E|U|u)":(\d+)/g,
          (_, key: string, v: string) => `"${key}":${Number(v) + k * (key === 'E' ? msSpan : idSpan)}`,
        ),
      });
  return out;
}

const minimalExchangeInfo = JSON.stringify({
  timezone: 'UTC',
  serverTime: 1723161253937,
  rateLimits: [],
  exchangeFilters: [],
  symbols: [
    {
      symbol: 'BTCUSDT',
      status: 'TRADING',
      baseAsset: 'BTC',
      baseAssetPrecision: 8,
      quoteAsset: 'USDT',
      quotePrecision: 8,
      quoteAssetPrecision: 8,
      orderTypes: ['LIMIT', 'MARKET'],
      icebergAllowed: true,
      ocoAllowed: true,
      isSpotTradingAllowed: true,
      isMarginTradingAllowed: false,
      filters: [
        { filterType: 'PRICE_FILTER', minPrice: '0.01', maxPrice: '1000000.00', tickSize: '0.01' },
        { filterType: 'LOT_SIZE', minQty: '0.00000001', maxQty: '9000.00', stepSize: '0.00000001' },
      ],
      permissions: ['SPOT'],
    },
  ],
});
frames.unshift({
  kind: 'http',
  localTs: frames[0]?.localTs ?? 0,
  url: '/api/v3/exchangeInfo',
  data: minimalExchangeInfo,
});
const server = await ReplayServer.start({ frames });
// The `u` of the last depth frame on the tape: a client is done when its book gets there.
let lastU = -1;
for (const f of frames)
  if (f.kind === 'recv' && f.data.includes('"depthUpdate"')) lastU = Number(/"u":(\d+)/.exec(f.data)?.[1]);
process.send({ ready: true, wsUrl: server.wsUrl, httpUrl: server.httpUrl, frames: server.tapeLength, lastU });
void server.finished.then(() => process.send?.({ finished: true, framesSent: server.framesSent }));
const stallAt = flags.includes('--stall-after') ? Number(flags[flags.indexOf('--stall-after') + 1]) : -1;
if (stallAt >= 0) {
  const watch = () => {
    if (server.position >= stallAt) {
      server.stall();
      process.send?.({ stalled: true, position: server.position, remaining: server.tapeLength - server.position });
    } else setImmediate(watch);
  };
  watch();
}
process.on('message', async (m) => {
  if (m === 'resume') server.resume();
  if (m === 'stop') {
    await server.close();
    process.exit(0);
  }
});
// The parent went away (crash, timeout): do not linger.
process.on('disconnect', () => process.exit(0));
