/**
 * Venue adapters benchmark: each venue's real recording served by the replay kit (in a child
 * process, so only the client's CPU is counted) into the adapter as fast as the socket goes.
 * Reports frames/s (wall) and CPU µs per frame (process.cpuUsage of the client process), median
 * and spread of N runs after a discarded warm-up, and the same for ccxt pro's watchOrderBook on
 * the same Binance depth stream, run for run interleaved with ours.
 *
 *   npx tsx --conditions=@tickerml/source packages/exchanges/bench/adapters.ts [--runs 5] [--repeat 10] [--venues depth,kraken] [--json]
 */
import { type ChildProcess, fork } from 'node:child_process';
import os from 'node:os';
import ccxt from 'ccxt';
import { DecimalGrid } from '../src/common/decimal.js';
import type { Feed, FeedClient } from '../src/connection/feed-client.js';
import { binanceUsFeed } from '../src/venues/binance/websocket/client.js';
import type { BinanceHandler } from '../src/venues/binance/websocket/handler.js';
import { coinbaseFeed } from '../src/venues/coinbase/websocket/client.js';
import { krakenFeed } from '../src/venues/kraken/websocket/client.js';
import { kucoinFeed } from '../src/venues/kucoin/websocket/client.js';

const FIXTURES = new URL('../test/fixtures/', import.meta.url).pathname;
const CHILD = new URL('./replay-child.ts', import.meta.url).pathname;
const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1] ?? 5) || 5;
/** Times the Binance depth recording is played over one connection per run (`--repeat`). */
const REPEAT = args.includes('--repeat') ? Number(args[args.indexOf('--repeat') + 1]) || 10 : 10;
const BINANCE = 'binance/hftbacktest_spot_btcusdt_20240808.gz';
/** `--venues kraken,coinbase`: only those whole-recording rows (and no Binance depth duel unless `depth` is named). */
const ONLY = args.includes('--venues') ? (args[args.indexOf('--venues') + 1] ?? '').split(',') : undefined;

interface Child {
  readonly proc: ChildProcess;
  readonly wsUrl: string;
  readonly httpUrl: string;
  readonly tapeFrames: number;
  /** `u` of the last Binance depth frame on the tape (-1 when none). */
  readonly lastU: number;
  readonly finished: Promise<number>;
  /** With `--stall-after`: resolves with the frames left on the tape once it stopped. */
  readonly stalled: Promise<number>;
}

async function startChild(fixture: string, flags: string[]): Promise<Child> {
  const proc = fork(CHILD, [`${FIXTURES}${fixture}`, ...flags], { execArgv: ['--import', 'tsx'] });
  let resolveFinished!: (n: number) => void;
  const finished = new Promise<number>((r) => (resolveFinished = r));
  let resolveStalled!: (n: number) => void;
  const stalled = new Promise<number>((r) => (resolveStalled = r));
  const ready = await new Promise<{ wsUrl: string; httpUrl: string; frames: number; lastU: number }>(
    (resolve, reject) => {
      proc.on(
        'message',
        (m: {
          ready?: boolean;
          finished?: boolean;
          stalled?: boolean;
          remaining?: number;
          framesSent?: number;
          wsUrl: string;
          httpUrl: string;
          frames: number;
          lastU: number;
        }) => {
          if (m.ready) resolve(m);
          if (m.stalled) resolveStalled(m.remaining ?? 0);
          if (m.finished) resolveFinished(m.framesSent ?? 0);
        },
      );
      proc.once('exit', (code) => reject(new Error(`replay child exited with ${code}`)));
    },
  );
  return {
    proc,
    wsUrl: ready.wsUrl,
    httpUrl: ready.httpUrl,
    tapeFrames: ready.frames,
    lastU: ready.lastU,
    finished,
    stalled,
  };
}

async function stopChild(child: Child): Promise<void> {
  const exited = new Promise<void>((r) => child.proc.once('exit', () => r()));
  child.proc.send('stop');
  await exited;
}

/** Polls every millisecond (a timer, so waiting burns no CPU that would be billed to the client). */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise<void>((r) => setTimeout(r, 1));
}

interface Sample {
  readonly frames: number;
  readonly wallMs: number;
  readonly cpuUs: number;
}

/** Runs one measured pass: `start()` begins consuming, `done()` says everything was applied. */
async function measure(frames: number, start: () => void | Promise<void>, done: () => boolean): Promise<Sample> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await start();
  await until(done);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { frames, wallMs, cpuUs: cpu.user + cpu.system };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** The part of a ccxt pro exchange the benchmark uses. */
interface CcxtPro {
  readonly urls: { api: Record<string, string | Record<string, string>> };
  loadHttpProxyAgent(): Promise<void>;
  loadMarkets(): Promise<unknown>;
  watchOrderBook(symbol: string, limit?: number | undefined): Promise<{ nonce: number }>;
  setMarkets(markets: object[]): unknown;
  close(): Promise<void>;
}

/** ccxt pro's binanceus with every API URL pointed at the replay child, markets loaded. */
async function ccxtPointedAt(child: Child): Promise<CcxtPro> {
  const pro = (ccxt as unknown as { pro: Record<string, new (config: object) => CcxtPro> }).pro;
  const Ctor = pro.binanceus;
  if (Ctor === undefined) throw new Error('ccxt.pro.binanceus is missing');
  const ex = new Ctor({});
  const api = ex.urls.api;
  for (const [k, v] of Object.entries(api)) {
    if (typeof v === 'object') for (const w of Object.keys(v)) v[w] = `${child.wsUrl}/ws`;
    else api[k] = `${child.httpUrl}/api/v3`;
  }
  await ex.loadHttpProxyAgent(); // ccxt refuses ws:// URLs until its agent is loaded
  await ex.loadMarkets();
  return ex;
}

interface Result {
  readonly frames: number;
  readonly runs: number;
  /** Median wall frames/s (bounded by the replay server, which shares the 2 cores). */
  readonly framesPerSec: number;
  /** Median client CPU µs per frame, and the lowest and highest run. */
  readonly cpuUsPerFrame: number;
  readonly cpuUsMin: number;
  readonly cpuUsMax: number;
  /** 1e6 / median CPU µs per frame: what one core could take. */
  readonly perCoreFramesPerSec: number;
}
const results: Record<string, Result> = {};
function record(name: string, samples: Sample[]): void {
  const perFrame = samples.map((s) => s.cpuUs / s.frames);
  const cpu = median(perFrame);
  results[name] = {
    frames: samples[0]?.frames ?? 0,
    runs: samples.length,
    framesPerSec: Math.round(median(samples.map((s) => (s.frames / s.wallMs) * 1000))),
    cpuUsPerFrame: Number(cpu.toFixed(2)),
    cpuUsMin: Number(Math.min(...perFrame).toFixed(2)),
    cpuUsMax: Number(Math.max(...perFrame).toFixed(2)),
    perCoreFramesPerSec: Math.round(1e6 / cpu),
  };
}

const grid = new DecimalGrid('BTC/USDT', '0.01', '0.00000001');

// 1. Binance depth stream: TickerML adapter vs ccxt pro watchOrderBook, same frames, same server.
// Each run is a new connection, the 1000-level REST snapshot and the recording's depth frames
// REPEAT times over (ids moved on so the stream stays contiguous); one warm-up run of each is
// discarded, then the two clients alternate run by run so load on the shared machine hits both.
if (ONLY === undefined || ONLY.includes('depth')) {
  const flags = ['--bare', '--depth-only', '--repeat', String(REPEAT)];
  const oursRun = async (): Promise<Sample> => {
    const child = await startChild(BINANCE, flags);
    let feed: FeedClient | undefined;
    const s = await measure(
      child.tapeFrames,
      () => {
        feed = binanceUsFeed({ instruments: [grid], emit: () => {}, urls: { ws: child.wsUrl, rest: child.httpUrl } });
        feed.start();
      },
      () => (feed?.handler as BinanceHandler | undefined)?.lastUpdateId('BTC/USDT') === child.lastU,
    );
    feed?.stop();
    await stopChild(child);
    return s;
  };
  const ccxtRun = async (): Promise<Sample> => {
    const child = await startChild(BINANCE, flags);
    const ex = await ccxtPointedAt(child); // markets loaded, not timed: our adapter gets its grid up front too
    let nonce = 0;
    let stop = false;
    const s = await measure(
      child.tapeFrames,
      () => {
        void (async () => {
          while (!stop) nonce = (await ex.watchOrderBook('BTC/USDT')).nonce;
        })().catch(() => {});
      },
      () => nonce === child.lastU,
    );
    stop = true;
    await ex.close();
    await stopChild(child);
    return s;
  };
  await oursRun(); // warm-up, discarded
  await ccxtRun();
  const ours: Sample[] = [];
  const theirs: Sample[] = [];
  for (let run = 0; run < RUNS; run++) {
    ours.push(await oursRun());
    theirs.push(await ccxtRun());
  }
  record('binanceus depth, whole run (TickerML adapter)', ours);
  record('binanceus depth, whole run (ccxt pro watchOrderBook)', theirs);
}

// 2. Every venue's whole recording through its adapter (books, trades, everything else parsed and skipped).
const VENUES: [string, string, (c: Child) => { feed: Feed; received: () => number }][] = [
  [
    'binanceus',
    'binance/hftbacktest_spot_btcusdt_20240808.gz',
    (c) => {
      const f = binanceUsFeed({ instruments: [grid], emit: () => {}, urls: { ws: c.wsUrl, rest: c.httpUrl } });
      return { feed: f, received: () => f.connection.framesReceived };
    },
  ],
  [
    'kraken',
    'kraken/crossbook_kraken_btcusd_sample.cbcap',
    (c) => {
      const f = krakenFeed({
        instruments: [new DecimalGrid('BTC/USD', '0.1', '0.00000001')],
        depth: 25,
        emit: () => {},
        urls: { ws: c.wsUrl },
      });
      return { feed: f, received: () => f.connection.framesReceived };
    },
  ],
  [
    'coinbase',
    'coinbase/cryptofeed_COINBASE_advtrade.jsonl.gz',
    (c) => {
      const g = coinbaseFeed({
        instruments: [
          new DecimalGrid('BTC/USD', '0.01', '0.00000001'),
          new DecimalGrid('ETH/USD', '0.01', '0.00000001'),
        ],
        productsPerConnection: 2,
        emit: () => {},
        urls: { ws: c.wsUrl },
      });
      return { feed: g, received: () => g.feeds.reduce((n, x) => n + x.connection.framesReceived, 0) };
    },
  ],
  [
    'kucoin',
    'kucoin/cryptofeed_KUCOIN.jsonl.gz',
    (c) => {
      const f = kucoinFeed({
        instruments: [
          new DecimalGrid('BCHSV/USDT', '0.001', '0.00000000001'),
          new DecimalGrid('SNX/BTC', '0.00000001', '0.00000001'),
        ],
        emit: () => {},
        urls: { rest: c.httpUrl },
      });
      return { feed: f, received: () => f.connection.framesReceived };
    },
  ],
];
/**
 * ccxt pro's kraken on the replay child's WebSocket (`urls.api.ws.publicV2`), with the one market
 * set by hand: the replay kit serves no Kraken REST markets, and watchOrderBook needs none else.
 */
function ccxtKraken(child: Child): CcxtPro {
  const pro = (ccxt as unknown as { pro: Record<string, new (config: object) => CcxtPro> }).pro;
  const Ctor = pro.kraken;
  if (Ctor === undefined) throw new Error('ccxt.pro.kraken is missing');
  const ex = new Ctor({});
  (ex.urls.api.ws as Record<string, string>).publicV2 = `${child.wsUrl}/v2`;
  ex.setMarkets([
    {
      id: 'XBTUSD',
      symbol: 'BTC/USD',
      base: 'BTC',
      quote: 'USD',
      baseId: 'XBT',
      quoteId: 'ZUSD',
      type: 'spot',
      spot: true,
      active: true,
      precision: { price: 0.1, amount: 1e-8 },
      limits: {},
      info: { wsname: 'XBT/USD' },
    },
  ]);
  return ex;
}

/**
 * One ccxt run over a whole recording: done once the tape has ended and watchOrderBook has not
 * resolved for 300 ms (ccxt says nothing per frame; the idle wait costs a few timer wake-ups).
 */
async function ccxtWholeRecording(
  fixture: string,
  make: (c: Child) => CcxtPro,
  symbols: string[],
  limit: number | undefined,
) {
  const child = await startChild(fixture, []);
  let sent = -1;
  void child.finished.then((n) => (sent = n));
  const ex = make(child);
  await ex.loadHttpProxyAgent();
  let lastResolvedMs = performance.now();
  let stop = false;
  const s = await measure(
    child.tapeFrames,
    () => {
      for (const symbol of symbols)
        void (async () => {
          while (!stop) {
            await ex.watchOrderBook(symbol, limit);
            lastResolvedMs = performance.now();
          }
        })().catch(() => {});
    },
    () => sent >= 0 && performance.now() - lastResolvedMs > 300,
  );
  stop = true;
  await ex.close();
  await stopChild(child);
  return { ...s, frames: sent, wallMs: s.wallMs - 300 };
}

/**
 * ccxt pro's coinbase (Advanced Trade) on the replay child's WebSocket (`urls.api.ws`), with the
 * two recorded markets set by hand; the kit plays the `level2` snapshot and updates over the socket.
 */
function ccxtCoinbase(child: Child): CcxtPro {
  const pro = (ccxt as unknown as { pro: Record<string, new (config: object) => CcxtPro> }).pro;
  const Ctor = pro.coinbase;
  if (Ctor === undefined) throw new Error('ccxt.pro.coinbase is missing');
  const ex = new Ctor({});
  ex.urls.api.ws = child.wsUrl;
  ex.setMarkets(
    ['BTC', 'ETH'].map((base) => ({
      id: `${base}-USD`,
      symbol: `${base}/USD`,
      base,
      quote: 'USD',
      baseId: base,
      quoteId: 'USD',
      type: 'spot',
      spot: true,
      active: true,
      precision: { price: 0.01, amount: 1e-8 },
      limits: {},
      info: {},
    })),
  );
  return ex;
}

const CCXT_PEERS: Record<string, { make: (c: Child) => CcxtPro; symbols: string[]; limit: number | undefined }> = {
  kraken: { make: ccxtKraken, symbols: ['BTC/USD'], limit: 25 },
  coinbase: { make: ccxtCoinbase, symbols: ['BTC/USD', 'ETH/USD'], limit: undefined },
};

for (const [venue, fixture, make] of VENUES) {
  if (ONLY !== undefined && !ONLY.includes(venue)) continue;
  const samples: Sample[] = [];
  const peer = CCXT_PEERS[venue];
  const theirs: Sample[] = [];
  for (let run = 0; run <= RUNS; run++) {
    const child = await startChild(fixture, []);
    let sent = -1;
    void child.finished.then((n) => (sent = n));
    let live: ReturnType<typeof make> | undefined;
    const s = await measure(
      child.tapeFrames,
      () => {
        live = make(child);
        live.feed.start();
      },
      () => sent >= 0 && (live?.received() ?? 0) >= sent,
    );
    if (run > 0) samples.push({ ...s, frames: sent }); // run 0 warms the JIT up
    live?.feed.stop();
    await stopChild(child);
    if (peer !== undefined) {
      const t = await ccxtWholeRecording(fixture, peer.make, peer.symbols, peer.limit);
      if (run > 0) theirs.push(t);
    }
  }
  record(`${venue} whole recording (TickerML adapter)`, samples);
  if (peer !== undefined) record(`${venue} whole recording (ccxt pro watchOrderBook)`, theirs);
}

if (args.includes('--json')) console.log(JSON.stringify(results, null, 2));
else {
  console.log(
    `node ${process.version}, ${RUNS} runs each after a discarded warm-up, median; replay server in a separate process; load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log('| stream | frames/run | wall frames/s | CPU µs/frame (min–max) | frames/s per core (1e6 / CPU µs) |');
  console.log('|---|---:|---:|---:|---:|');
  for (const [name, r] of Object.entries(results))
    console.log(
      `| ${name} | ${r.frames} | ${r.framesPerSec.toLocaleString('en-US')} | ${r.cpuUsPerFrame} (${r.cpuUsMin}–${r.cpuUsMax}) | ${r.perCoreFramesPerSec.toLocaleString('en-US')} |`,
    );
}
process.exit(0);
