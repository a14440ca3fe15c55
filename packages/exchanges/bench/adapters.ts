/**
 * Venue adapters benchmark: each venue's real recording served by the replay kit (in a child
 * process, so only the client's CPU is counted) into the adapter as fast as the socket goes.
 * Reports frames/s (wall) and CPU µs per frame (process.cpuUsage of the client process), median
 * of N runs, and the same for ccxt pro's watchOrderBook on the same Binance depth stream.
 *
 *   pnpm tsx packages/exchanges/bench/adapters.ts [--runs 5] [--json]
 */
import { type ChildProcess, fork } from 'node:child_process';
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

interface Child {
  readonly proc: ChildProcess;
  readonly wsUrl: string;
  readonly httpUrl: string;
  readonly tapeFrames: number;
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
  const ready = await new Promise<{ wsUrl: string; httpUrl: string; frames: number }>((resolve, reject) => {
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
      }) => {
        if (m.ready) resolve(m);
        if (m.stalled) resolveStalled(m.remaining ?? 0);
        if (m.finished) resolveFinished(m.framesSent ?? 0);
      },
    );
    proc.once('exit', (code) => reject(new Error(`replay child exited with ${code}`)));
  });
  return { proc, wsUrl: ready.wsUrl, httpUrl: ready.httpUrl, tapeFrames: ready.frames, finished, stalled };
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

/** Every depth frame's `u`, in order: both clients are done when their book reaches the last. */
async function depthUpdateIds(): Promise<number[]> {
  const { loadFrames } = await import('../src/testkit/load.js');
  const { frames } = await loadFrames(`${FIXTURES}binance/hftbacktest_spot_btcusdt_20240808.gz`);
  const ids: number[] = [];
  for (const f of frames) {
    const m = /"u":(\d+)/.exec(f.data);
    if (f.data.includes('depthUpdate') && m) ids.push(Number(m[1]));
  }
  return ids;
}

/**
 * Steady state: the tape stops after 300 frames; when the client has had time to take them and its
 * snapshot (300 ms, a benchmark may wait), the clock starts and the tape resumes; done when the
 * book reaches the last `u`. Connecting and the REST snapshot are left out; the frames counted are
 * the ones left on the tape.
 */
async function measureSteady(child: Child, start: () => void, current: () => number | undefined): Promise<Sample> {
  start();
  const remaining = await child.stalled;
  await new Promise<void>((r) => setTimeout(r, 300));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  child.proc.send('resume');
  await until(() => current() === lastU);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { frames: remaining, wallMs, cpuUs: cpu.user + cpu.system };
}

/** The part of a ccxt pro exchange the benchmark uses. */
interface CcxtPro {
  readonly urls: { api: Record<string, string | Record<string, string>> };
  loadHttpProxyAgent(): Promise<void>;
  loadMarkets(): Promise<unknown>;
  watchOrderBook(symbol: string): Promise<{ nonce: number }>;
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

const results: Record<
  string,
  { framesPerSec: number; cpuUsPerFrame: number; perCoreFramesPerSec: number; frames: number; runs: number }
> = {};
function record(name: string, samples: Sample[]): void {
  results[name] = {
    frames: samples[0]?.frames ?? 0,
    runs: samples.length,
    framesPerSec: Math.round(median(samples.map((s) => (s.frames / s.wallMs) * 1000))),
    cpuUsPerFrame: Number(median(samples.map((s) => s.cpuUs / s.frames)).toFixed(2)),
    perCoreFramesPerSec: Math.round(1e6 / median(samples.map((s) => s.cpuUs / s.frames))),
  };
}

const grid = new DecimalGrid('BTC/USDT', '0.01', '0.00000001');
const ids = await depthUpdateIds();
const lastU = ids[ids.length - 1] as number;
if (ids.length === 0) throw new Error('no depth frames in the Binance recording');

// 1. Binance depth stream: TickerML adapter vs ccxt pro watchOrderBook, same frames, same server.
{
  const ours: Sample[] = [];
  const theirs: Sample[] = [];
  for (let run = 0; run < RUNS; run++) {
    let child = await startChild('binance/hftbacktest_spot_btcusdt_20240808.gz', ['--bare', '--depth-only']);
    let feed: FeedClient | undefined;
    ours.push(
      await measure(
        child.tapeFrames,
        () => {
          feed = binanceUsFeed({ instruments: [grid], emit: () => {}, urls: { ws: child.wsUrl, rest: child.httpUrl } });
          feed.start();
        },
        () => (feed?.handler as BinanceHandler | undefined)?.lastUpdateId('BTC/USDT') === lastU,
      ),
    );
    feed?.stop();
    await stopChild(child);

    child = await startChild('binance/hftbacktest_spot_btcusdt_20240808.gz', ['--bare', '--depth-only']);
    const ex = await ccxtPointedAt(child); // markets loaded, not timed: our adapter gets its grid up front too
    let nonce = 0;
    let stop = false;
    theirs.push(
      await measure(
        child.tapeFrames,
        () => {
          void (async () => {
            while (!stop) {
              const ob = await ex.watchOrderBook('BTC/USDT');
              nonce = ob.nonce;
            }
          })().catch(() => {});
        },
        () => nonce === lastU,
      ),
    );
    stop = true;
    await ex.close();
    await stopChild(child);
  }
  // steady state: sync on the first 300 frames, then measure the remaining ~3,150
  const oursSteady: Sample[] = [];
  const theirsSteady: Sample[] = [];
  for (let run = 0; run < RUNS; run++) {
    {
      const child = await startChild('binance/hftbacktest_spot_btcusdt_20240808.gz', [
        '--bare',
        '--depth-only',
        '--stall-after',
        '300',
      ]);
      const feed = binanceUsFeed({
        instruments: [grid],
        emit: () => {},
        urls: { ws: child.wsUrl, rest: child.httpUrl },
      });
      const handler = feed.handler as BinanceHandler;
      const at = () => (handler.book('BTC/USDT') ? handler.lastUpdateId('BTC/USDT') : undefined);
      oursSteady.push(await measureSteady(child, () => feed.start(), at));
      feed.stop();
      await stopChild(child);
    }
    {
      const child = await startChild('binance/hftbacktest_spot_btcusdt_20240808.gz', [
        '--bare',
        '--depth-only',
        '--stall-after',
        '300',
      ]);
      const ex = await ccxtPointedAt(child);
      let nonce: number | undefined;
      let stop = false;
      const loop = () => {
        void (async () => {
          while (!stop) nonce = (await ex.watchOrderBook('BTC/USDT')).nonce;
        })().catch(() => {});
      };
      theirsSteady.push(await measureSteady(child, loop, () => nonce));
      stop = true;
      await ex.close();
      await stopChild(child);
    }
  }
  record('binanceus depth, steady state (TickerML adapter)', oursSteady);
  record('binanceus depth, steady state (ccxt pro watchOrderBook)', theirsSteady);
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
for (const [venue, fixture, make] of VENUES) {
  const samples: Sample[] = [];
  for (let run = 0; run < RUNS; run++) {
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
    samples.push({ ...s, frames: sent });
    live?.feed.stop();
    await stopChild(child);
  }
  record(`${venue} whole recording (TickerML adapter)`, samples);
}

if (args.includes('--json')) console.log(JSON.stringify(results, null, 2));
else {
  console.log(`node ${process.version}, ${RUNS} runs each, median; replay server in a separate process`);
  console.log('| stream | frames | wall frames/s | CPU µs/frame | frames/s per core (1e6 / CPU µs) |');
  console.log('|---|---:|---:|---:|---:|');
  for (const [name, r] of Object.entries(results))
    console.log(
      `| ${name} | ${r.frames} | ${r.framesPerSec.toLocaleString('en-US')} | ${r.cpuUsPerFrame} | ${r.perCoreFramesPerSec.toLocaleString('en-US')} |`,
    );
}
process.exit(0);
