/**
 * Venue adapters benchmark: each venue's real recording served by the replay kit (in a child
 * process, so only the client's CPU is counted) into the adapter as fast as the socket goes.
 * Ours and ccxt each run in a client process of their own, forked once and kept for all their
 * runs, so neither's garbage collection or heap growth is billed to the other.
 * Reports frames/s (wall) and CPU µs per frame (process.cpuUsage of the client process), median
 * and spread of N runs after a discarded warm-up, and the same for ccxt pro's watchOrderBook on
 * the same Binance depth stream and on the Kraken, Coinbase and KuCoin recordings, run for run
 * interleaved with ours. Where a peer says which books to compare, its final books must equal ours.
 *
 *   npx tsx --conditions=@tickerml/source packages/exchanges/bench/adapters.ts [--runs 5] [--repeat 10] [--venues depth,kraken,coinbase,kucoin] [--json]
 */
import { type ChildProcess, fork } from 'node:child_process';
import os from 'node:os';
import { LiveClock, SeededRandom } from '@tickerml/core';
import type { SyncBook } from '../src/common/book.js';
import { DecimalGrid } from '../src/common/decimal.js';
import type { Feed, FeedClient } from '../src/connection/feed-client.js';
import { loadFrames } from '../src/replay/load.js';
import { inferReplaySetup } from '../src/replay/venues.js';
import { binanceUsFeed } from '../src/venues/binance/websocket/client.js';
import type { BinanceHandler } from '../src/venues/binance/websocket/handler.js';
import { coinbaseFeed } from '../src/venues/coinbase/websocket/client.js';
import { krakenFeed } from '../src/venues/kraken/websocket/client.js';
import { toKucoinSymbol } from '../src/venues/kucoin/common/parse.js';
import { kucoinFeed } from '../src/venues/kucoin/websocket/client.js';
import type { KucoinHandler } from '../src/venues/kucoin/websocket/handler.js';

/** The bench's one clock and jitter source, handed to every feed it starts. */
const clock = new LiveClock();
const jitter = new SeededRandom(1).fork('bench-reconnect-jitter');
const timing = { clock, random: () => jitter.next() };

const FIXTURES = new URL('../test/fixtures/', import.meta.url).pathname;
const CHILD = new URL('./replay-child.ts', import.meta.url).pathname;
const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1] ?? 5) || 5;
/** Times the Binance depth recording is played over one connection per run (`--repeat`). */
const REPEAT = args.includes('--repeat') ? Number(args[args.indexOf('--repeat') + 1]) || 10 : 10;
const BINANCE = 'binance/hftbacktest_spot_btcusdt_20240808.gz';
/** `--venues kraken,coinbase`: only those whole-recording rows (and no Binance depth duel unless `depth` is named). */
const ONLY = args.includes('--venues') ? (args[args.indexOf('--venues') + 1] ?? '').split(',') : undefined;
/** Set in the processes the benchmark forks for each client (`--client ours|ccxt`); unset in the parent. */
const CLIENT = args.includes('--client') ? args[args.indexOf('--client') + 1] : undefined;
/**
 * ccxt, imported only where it runs: loading it puts ~45 MB of live objects in the heap, and in
 * our client's process every garbage collection would then walk them too (measured: 26 instead
 * of 18 µs per Binance depth frame). A TickerML process loads ccxt only to fetch instrument
 * metadata it has no cache for.
 */
const ccxt: unknown = CLIENT === 'ours' ? undefined : (await import('ccxt')).default;

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

/** The end of a child's tape as it happens: frames sent (-1 until the child says) and when (`performance.now()`). */
function tapeEnd(child: Child): { readonly sent: number; readonly endedMs: number } {
  const end = { sent: -1, endedMs: 0 };
  void child.finished.then((n) => {
    end.sent = n;
    end.endedMs = performance.now();
  });
  return end;
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
  watchOrderBookForSymbols(symbols: string[], limit?: number | undefined): Promise<unknown>;
  setMarkets(markets: object[]): unknown;
  safeCurrencyCode(currencyId: string): string;
  /** Markets by unified symbol (after `setMarkets` or `loadMarkets`). */
  readonly markets: Record<string, { readonly id: string }>;
  /** The books watchOrderBook keeps, by unified symbol; levels are `[price, amount, ...]`. */
  readonly orderbooks: Record<
    string,
    { readonly bids: number[][]; readonly asks: number[][]; readonly nonce: number | undefined }
  >;
  close(): Promise<void>;
}

/** A book as prices and sizes (numbers), best first: what ours and ccxt's are compared on. */
interface Levels {
  readonly bids: [number, number][];
  readonly asks: [number, number][];
}

/** Our book of `grid.symbol` in venue units. */
function oursLevels(book: SyncBook | undefined, grid: DecimalGrid): Levels {
  const { bids, asks } = book?.toJSON() ?? { bids: [], asks: [] };
  const side = (levels: [number, number][]) =>
    levels.map(([p, q]): [number, number] => [Number(grid.ticksToPrice(p)), Number(grid.lotsToQty(q))]);
  return { bids: side(bids), asks: side(asks) };
}

/** ccxt's books by venue symbol (market id), read before `close()`. */
function ccxtLevels(ex: CcxtPro): Map<string, Levels> {
  const out = new Map<string, Levels>();
  for (const [symbol, market] of Object.entries(ex.markets)) {
    const book = ex.orderbooks[symbol];
    const side = (levels: number[][] | undefined) =>
      (levels ?? []).map((l): [number, number] => [l[0] as number, l[1] as number]);
    out.set(market.id, { bids: side(book?.bids), asks: side(book?.asks) });
  }
  return out;
}

/**
 * Checks that ccxt ended on our books, every level of every book, and sums them up
 * (`BCHSV-USDT 242.649 / 242.65, 120+301 levels`).
 * @throws {Error} naming the first book and level that differ.
 */
function sameBooks(venue: string, ours: Map<string, Levels>, theirs: Map<string, Levels>): string {
  const summary: string[] = [];
  for (const [symbol, mine] of ours) {
    const other = theirs.get(symbol);
    if (other === undefined) throw new Error(`${venue}: expected a ccxt book for ${symbol}, found none`);
    for (const side of ['bids', 'asks'] as const) {
      const a = mine[side];
      const b = other[side];
      for (let i = 0; i < Math.max(a.length, b.length); i++) {
        const x = a[i];
        const y = b[i];
        if (x?.[0] !== y?.[0] || x?.[1] !== y?.[1])
          throw new Error(
            `${venue} ${symbol} ${side}[${i}]: expected ccxt's book to equal ours (${a.length} levels), ours has ${JSON.stringify(x)}, ccxt ${JSON.stringify(y)} (${b.length} levels)`,
          );
      }
    }
    summary.push(
      `${symbol} ${mine.bids[0]?.[0]} / ${mine.asks[0]?.[0]}, ${mine.bids.length}+${mine.asks.length} levels`,
    );
  }
  return summary.join('; ');
}

/** ccxt pro's binanceus with every API URL pointed at the replay child, markets loaded. */
async function ccxtPointedAt(child: Child): Promise<CcxtPro> {
  const ex = ccxtPro('binanceus');
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
// REPEAT times over (ids moved on so the stream stays contiguous).
const DEPTH_FLAGS = ['--bare', '--depth-only', '--repeat', String(REPEAT)];

async function oursDepthRun(): Promise<Sample> {
  const child = await startChild(BINANCE, DEPTH_FLAGS);
  let feed: FeedClient | undefined;
  const s = await measure(
    child.tapeFrames,
    () => {
      feed = binanceUsFeed({
        ...timing,
        instruments: [grid],
        emit: () => {},
        urls: { ws: child.wsUrl, rest: child.httpUrl },
      });
      feed.start();
    },
    () => (feed?.handler as BinanceHandler | undefined)?.lastUpdateId('BTC/USDT') === child.lastU,
  );
  feed?.stop();
  await stopChild(child);
  return s;
}

async function ccxtDepthRun(): Promise<Sample> {
  const child = await startChild(BINANCE, DEPTH_FLAGS);
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
}

// 2. Every venue's whole recording through its adapter (books, trades, everything else parsed and skipped).
/** What one venue's adapter run gives the loop: its feed, frames received, and (for a peer check) its books. */
interface Live {
  readonly feed: Feed;
  readonly received: () => number;
  /** Final books by venue symbol, for venues whose ccxt peer is checked against them. */
  readonly books?: () => Map<string, Levels>;
  /**
   * Whether every book has synced (KuCoin: a REST snapshot can answer after the tape's last
   * frame, and until it does the book is not there to compare). Default: always.
   */
  readonly synced?: () => boolean;
}
const KUCOIN = 'kucoin/cryptofeed_KUCOIN.jsonl.gz';
const kucoinTape = ONLY === undefined || ONLY.includes('kucoin') ? await kucoinBooks() : undefined;

/**
 * The KuCoin books both clients follow: every book of the recording our grids can hold (8 of 9).
 * The replay kit sends every recorded topic to every socket, and ccxt keeps a book for each
 * `trade.l2update` it receives, watched or not; for a market it does not know, its snapshot
 * request fails and it drops the connection and reconnects. So ccxt gets a market for every
 * recorded book (built, as its `fetchMarkets` would, from the recorded `GET /api/v1/symbols`
 * body), and ours follows every book too, with grids inferred from the data as `tickerml replay`
 * does, except a book whose recorded snapshot our grid refuses (CAPP-BTC: 452,338,153.08 at the
 * 1e-8 lot its other sizes need is beyond the safe-integer range), which ccxt alone keeps.
 */
async function kucoinBooks(): Promise<{
  grids: DecimalGrid[];
  markets: object[];
  symbols: string[];
  left: string[];
  lastSequences: Map<string, number>;
}> {
  const { frames } = await loadFrames(`${FIXTURES}${KUCOIN}`);
  const inferred = inferReplaySetup('kucoin', frames).grids;
  const venueSymbols = new Set(inferred.map((g) => toKucoinSymbol(g.symbol)));
  const fits = (g: DecimalGrid) =>
    frames.every((f) => {
      if (f.kind !== 'http' || !(f.url ?? '').endsWith(`/orderbook/level2?symbol=${toKucoinSymbol(g.symbol)}`))
        return true;
      const { bids, asks } = (JSON.parse(f.data) as { data: { bids: string[][]; asks: string[][] } }).data;
      return [...bids, ...asks].every(
        ([p, q]) => !Number.isNaN(g.priceToTicksOrNaN(p as string)) && !Number.isNaN(g.qtyToLotsOrNaN(q as string)),
      );
    });
  const grids = inferred.filter(fits);
  const body = frames.find((f) => f.kind === 'http' && (f.url ?? '').endsWith('/api/v1/symbols'))?.data;
  if (body === undefined) throw new Error(`${KUCOIN}: expected a recorded /api/v1/symbols body, found none`);
  const recorded = (JSON.parse(body) as { data: Record<string, string>[] }).data;
  // Our client process follows the grids only, and has no ccxt to name markets with.
  const namer = ccxt === undefined ? undefined : ccxtPro('kucoin');
  const markets = recorded
    .filter((m) => namer !== undefined && venueSymbols.has(m.symbol as string))
    .map((m) => {
      const base = namer?.safeCurrencyCode(m.baseCurrency as string) as string;
      const quote = namer?.safeCurrencyCode(m.quoteCurrency as string) as string;
      return {
        id: m.symbol,
        symbol: `${base}/${quote}`,
        base,
        quote,
        baseId: m.baseCurrency,
        quoteId: m.quoteCurrency,
        type: 'spot',
        spot: true,
        active: true,
        precision: { price: Number(m.priceIncrement), amount: Number(m.baseIncrement) },
        limits: {},
        info: m,
      };
    });
  if (namer !== undefined && markets.length !== venueSymbols.size)
    throw new Error(
      `${KUCOIN}: expected a recorded market for each of ${venueSymbols.size} books, found ${markets.length}`,
    );
  const followed = new Set(grids.map((g) => toKucoinSymbol(g.symbol)));
  const watched = markets.filter((m) => followed.has(m.id as string));
  const lastSequenceById = new Map<string, number>();
  for (const f of frames)
    if (f.kind === 'recv' && f.data.includes('"subject":"trade.l2update"')) {
      const d = (JSON.parse(f.data) as { data: { symbol: string; sequenceEnd: number | string } }).data;
      lastSequenceById.set(d.symbol, Number(d.sequenceEnd));
    }
  return {
    grids,
    markets,
    symbols: watched.map((m) => m.symbol),
    left: [...venueSymbols].filter((s) => !followed.has(s)),
    lastSequences: new Map(watched.map((m) => [m.symbol, lastSequenceById.get(m.id as string) ?? -1])),
  };
}

const VENUES: [string, string, (c: Child) => Live][] = [
  [
    'binanceus',
    'binance/hftbacktest_spot_btcusdt_20240808.gz',
    (c) => {
      const f = binanceUsFeed({
        ...timing,
        instruments: [grid],
        emit: () => {},
        urls: { ws: c.wsUrl, rest: c.httpUrl },
      });
      return { feed: f, received: () => f.connection.framesReceived };
    },
  ],
  [
    'kraken',
    'kraken/crossbook_kraken_btcusd_sample.cbcap',
    (c) => {
      const f = krakenFeed({
        ...timing,
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
        ...timing,
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
    KUCOIN,
    (c) => {
      const grids = kucoinTape?.grids ?? [];
      const f = kucoinFeed({ ...timing, instruments: grids, emit: () => {}, urls: { rest: c.httpUrl } });
      const books = () => {
        const handler = f.handler as KucoinHandler | undefined;
        return new Map(grids.map((g) => [toKucoinSymbol(g.symbol), oursLevels(handler?.book(g.symbol), g)]));
      };
      const synced = () => grids.every((g) => (f.handler as KucoinHandler | undefined)?.book(g.symbol) !== undefined);
      return { feed: f, received: () => f.connection.framesReceived, books, synced };
    },
  ],
];
/** A fresh ccxt pro exchange by id. */
function ccxtPro(id: string): CcxtPro {
  if (ccxt === undefined) throw new Error('ccxt is not loaded in our client process');
  const pro = (ccxt as { pro: Record<string, new (config: object) => CcxtPro> }).pro;
  const Ctor = pro[id];
  if (Ctor === undefined) throw new Error(`ccxt.pro.${id} is missing`);
  return new Ctor({});
}

/**
 * ccxt pro's kraken on the replay child's WebSocket (`urls.api.ws.publicV2`), with the one market
 * set by hand: the replay kit serves no Kraken REST markets, and watchOrderBook needs none else.
 */
function ccxtKraken(child: Child): CcxtPro {
  const ex = ccxtPro('kraken');
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

/** A ccxt pro peer of one venue's whole-recording row. */
interface CcxtPeer {
  readonly make: (c: Child) => CcxtPro;
  /** Unified symbols whose books are watched. */
  readonly symbols: string[];
  readonly limit: number | undefined;
  /**
   * One `watchOrderBookForSymbols` loop (one subscribe) instead of a `watchOrderBook` loop per
   * symbol. KuCoin needs it: ccxt resets a book when its subscription is acknowledged, and the
   * replay kit, which sends every topic from the first subscribe on, has by then sent that book's
   * first updates, so a second symbol's snapshot sync can find its cache emptied and fail.
   */
  readonly together?: boolean;
  /** Compare ccxt's final books with ours (every level) after each run; throws if they differ. */
  readonly checkBooks?: boolean;
  /**
   * Last sequence number of each watched book on the tape (by unified symbol): the run is done
   * when ccxt's `nonce` of every one reaches it, instead of 300 ms without a resolve. KuCoin needs
   * it: its books wait for REST snapshots before ccxt resolves anything, so an idle wait can end
   * the run before the books are even synced.
   */
  readonly lastSequences?: ReadonlyMap<string, number>;
}

/**
 * One ccxt run over a whole recording: done once the tape has ended and watchOrderBook has not
 * resolved for 300 ms (ccxt says nothing per frame; the idle wait costs a few timer wake-ups).
 */
async function ccxtWholeRecording(
  fixture: string,
  { make, symbols, limit, together, lastSequences }: CcxtPeer,
): Promise<Sample & { books: Map<string, Levels> }> {
  const child = await startChild(fixture, []);
  const end = tapeEnd(child);
  const ex = make(child);
  await ex.loadHttpProxyAgent();
  let lastResolvedMs = performance.now();
  let stop = false;
  const s = await measure(
    child.tapeFrames,
    () => {
      for (const watched of together ? [symbols] : symbols.map((s) => [s]))
        void (async () => {
          while (!stop) {
            if (together) await ex.watchOrderBookForSymbols(watched, limit);
            else await ex.watchOrderBook(watched[0] as string, limit);
            lastResolvedMs = performance.now();
          }
        })().catch(() => {});
    },
    lastSequences === undefined
      ? () => end.sent >= 0 && performance.now() - lastResolvedMs > 300
      : () => {
          let synced = true;
          for (const [symbol, last] of lastSequences) if (ex.orderbooks[symbol]?.nonce !== last) synced = false;
          if (!synced && end.sent >= 0 && performance.now() - end.endedMs > 10_000)
            throw new Error(
              `${fixture}: expected ccxt's books at the tape's last sequences 10 s after it ended, found ${JSON.stringify(Object.fromEntries([...lastSequences.keys()].map((k) => [k, ex.orderbooks[k]?.nonce])))}`,
            );
          return synced;
        },
  );
  stop = true;
  const books = ccxtLevels(ex);
  await ex.close();
  await stopChild(child);
  return { ...s, frames: end.sent, wallMs: lastSequences === undefined ? s.wallMs - 300 : s.wallMs, books };
}

/**
 * ccxt pro's coinbase (Advanced Trade) on the replay child's WebSocket (`urls.api.ws`), with the
 * two recorded markets set by hand; the kit plays the `level2` snapshot and updates over the socket.
 */
function ccxtCoinbase(child: Child): CcxtPro {
  const ex = ccxtPro('coinbase');
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

/**
 * ccxt pro's kucoin with `urls.api.public` at the replay child: the `POST /api/v1/bullet-public`
 * token (whose answer names the child's socket) and the `GET /api/v1/market/orderbook/level2_100`
 * snapshots ccxt asks for without credentials, which the kit serves from its tracked book. The
 * recorded books' markets are set by hand (see {@link kucoinBooks}).
 */
function ccxtKucoin(child: Child): CcxtPro {
  const ex = ccxtPro('kucoin');
  ex.urls.api.public = child.httpUrl;
  ex.setMarkets(kucoinTape?.markets ?? []);
  return ex;
}

const CCXT_PEERS: Record<string, CcxtPeer> = {
  kraken: { make: ccxtKraken, symbols: ['BTC/USD'], limit: 25 },
  coinbase: { make: ccxtCoinbase, symbols: ['BTC/USD', 'ETH/USD'], limit: undefined },
  kucoin: {
    make: ccxtKucoin,
    symbols: kucoinTape?.symbols ?? [],
    limit: undefined,
    together: true,
    checkBooks: true,
    ...(kucoinTape === undefined ? {} : { lastSequences: kucoinTape.lastSequences }),
  },
};

/** One run of our adapter over a venue's whole recording, with its final books when the peer checks them. */
async function oursWholeRun(venue: string): Promise<Sample & { books?: Map<string, Levels> }> {
  const [, fixture, make] = VENUES.find(([v]) => v === venue) ?? [];
  if (fixture === undefined || make === undefined) throw new Error(`no recording for venue ${venue}`);
  const child = await startChild(fixture, []);
  const end = tapeEnd(child);
  let live: Live | undefined;
  const s = await measure(
    child.tapeFrames,
    () => {
      live = make(child);
      live.feed.start();
    },
    () => {
      if (!(end.sent >= 0 && (live?.received() ?? 0) >= end.sent)) return false;
      if (live?.synced?.() ?? true) return true;
      if (performance.now() - end.endedMs > 10_000)
        throw new Error(`${venue}: expected every book synced 10 s after the tape ended, some are not`);
      return false;
    },
  );
  const books = live?.books?.();
  live?.feed.stop();
  await stopChild(child);
  return { ...s, frames: end.sent, ...(books === undefined ? {} : { books }) };
}

/** One ccxt run over a venue's whole recording. */
async function ccxtWholeRun(venue: string): Promise<Sample & { books: Map<string, Levels> }> {
  const fixture = VENUES.find(([v]) => v === venue)?.[1];
  const peer = CCXT_PEERS[venue];
  if (fixture === undefined || peer === undefined) throw new Error(`no ccxt peer for venue ${venue}`);
  return ccxtWholeRecording(fixture, peer);
}

// Each client runs in a process of its own, kept for all its runs (its JIT stays warm), so the
// CPU billed to one is its own: in one shared process ccxt's garbage and heap growth were
// collected during our runs and ours during ccxt's. The parent only orchestrates: it asks the
// two clients for one run at a time, alternating, so load on the shared machine hits both.

/** A run asked of a client process. */
interface Task {
  readonly task: 'depth' | 'whole';
  readonly venue: string;
}
/** A client process's answer (books as entries: a Map does not cross IPC). */
interface Answer extends Sample {
  readonly books?: [string, Levels][];
  readonly error?: string;
}

/** A forked client process and the way to ask it for one run. */
interface ClientProcess {
  run(task: Task): Promise<Answer>;
  stop(): Promise<void>;
}

async function forkClient(kind: 'ours' | 'ccxt'): Promise<ClientProcess> {
  const proc = fork(new URL(import.meta.url).pathname, [...args, '--client', kind], {
    execArgv: ['--conditions=@tickerml/source', '--import', 'tsx'],
  });
  const exited = new Promise<never>((_, reject) =>
    proc.once('exit', (code) => reject(new Error(`${kind} client process exited with ${code}`))),
  );
  exited.catch(() => {});
  await Promise.race([new Promise<void>((r) => proc.once('message', () => r())), exited]);
  return {
    async run(task) {
      const answer = new Promise<Answer>((r) => proc.once('message', (m: Answer) => r(m)));
      proc.send(task);
      const a = await Promise.race([answer, exited]);
      if (a.error !== undefined) throw new Error(`${kind} client, ${task.task} ${task.venue}: ${a.error}`);
      return a;
    },
    async stop() {
      const gone = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.send('stop');
      await gone;
    },
  };
}

/** Per venue, the final books ours and ccxt agreed on (last run). */
const agreed: Record<string, string> = {};

async function orchestrate(): Promise<void> {
  const ours = await forkClient('ours');
  const theirs = await forkClient('ccxt');
  try {
    const pairs: [Task, string, boolean][] = [];
    if (ONLY === undefined || ONLY.includes('depth'))
      pairs.push([{ task: 'depth', venue: 'binanceus' }, 'binanceus depth, whole run', true]);
    for (const [venue] of VENUES)
      if (ONLY === undefined || ONLY.includes(venue))
        pairs.push([{ task: 'whole', venue }, `${venue} whole recording`, CCXT_PEERS[venue] !== undefined]);
    for (const [task, name, withPeer] of pairs) {
      const mine: Sample[] = [];
      const peer: Sample[] = [];
      // Run 0 of each warms its process's JIT up and is discarded.
      for (let run = 0; run <= RUNS; run++) {
        const a = await ours.run(task);
        if (run > 0) mine.push(a);
        if (!withPeer) continue;
        const b = await theirs.run(task);
        if (run > 0) peer.push(b);
        if (task.task === 'whole' && CCXT_PEERS[task.venue]?.checkBooks)
          agreed[task.venue] = sameBooks(task.venue, new Map(a.books ?? []), new Map(b.books ?? []));
      }
      record(`${name} (TickerML adapter)`, mine);
      if (withPeer) record(`${name} (ccxt pro watchOrderBook)`, peer);
    }
  } finally {
    await ours.stop();
    await theirs.stop();
  }
  report();
}

function report(): void {
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
    for (const [venue, books] of Object.entries(agreed))
      console.log(`\n${venue}: ccxt's final books equal ours, every level, in every run: ${books}`);
    if (kucoinTape !== undefined && kucoinTape.left.length > 0)
      console.log(
        `kucoin: books ccxt keeps and ours does not follow (grid cannot hold them): ${kucoinTape.left.join(', ')}`,
      );
  }
}

if (CLIENT === 'ours' || CLIENT === 'ccxt') {
  const send = process.send?.bind(process);
  if (send === undefined) throw new Error('--client is for the processes the benchmark forks itself');
  process.on('message', (t: Task | 'stop') => {
    if (t === 'stop') process.exit(0);
    const run =
      t.task === 'depth'
        ? CLIENT === 'ours'
          ? oursDepthRun()
          : ccxtDepthRun()
        : CLIENT === 'ours'
          ? oursWholeRun(t.venue)
          : ccxtWholeRun(t.venue);
    run.then(
      (r: Sample & { books?: Map<string, Levels> }) =>
        send({
          frames: r.frames,
          wallMs: r.wallMs,
          cpuUs: r.cpuUs,
          ...(r.books === undefined ? {} : { books: [...r.books] }),
        } satisfies Answer),
      (error: unknown) => send({ frames: 0, wallMs: 0, cpuUs: 0, error: String((error as Error)?.stack ?? error) }),
    );
  });
  send({ ready: true });
} else {
  await orchestrate();
  process.exit(0);
}
