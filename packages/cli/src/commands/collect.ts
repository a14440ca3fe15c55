/**
 * `tickerml collect`: the long-running consumer that persists what a pi-trader running with
 * `--bus kafka` publishes, so collection can run on another box: the book and trade topics →
 * `order_books` (sampled), `trades` and `ohlcv` in SQLite or PostgreSQL, as switched in
 * config.yaml's `collect:` section. Feature rows are the pi-trader's own (they carry its
 * position), so this command writes none.
 *
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BaseError, loadConfig, type MarketEvent, type TickerMLConfig } from '@tickerml/core';
import {
  type CollectorStats,
  collectSettings,
  type InstrumentIncrements,
  MarketCollector,
  openStore,
  type RowSink,
} from '@tickerml/storage';
import type { KafkaBus, KafkaSubscription } from '@tickerml/streaming';
import { flagArgs, UsageError } from '../args.js';

/** Where `tickerml collect` prints, the environment it reads, and how a caller stops it. */
export interface CollectCommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Environment for `TICKERML__*` configuration overrides. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Aborting it stops the consumer (the command also stops on SIGINT and SIGTERM). */
  readonly signal?: AbortSignal;
}

const processIo: CollectCommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Usage text of `tickerml collect`. */
export const COLLECT_USAGE = `Usage: tickerml collect [options]

Consumes the book and trade topics of kafka_config.yaml and persists them like the pi-trader
does on its own bus: sampled books into order_books, every trade into trades, 1-minute bars
into ohlcv (config.yaml collect: switches each; features are written by the pi-trader). Runs
until Ctrl-C (or --duration), then writes what it holds and exits.

Options:
  --config <dir>            configuration directory (default: config)
  --db <target>             a SQLite path or a postgres:// URL (default: config.yaml storage)
  --group <id>              consumer group prefix; one group per topic, <id>.book and <id>.trades
                            (default: tickerml-collect)
  --from-beginning          with no committed offset, start at the oldest message
  --brokers <h:p,h:p>       brokers (default: kafka_config.yaml, TICKERML__KAFKA__BROKERS)
  --grid <v:S=tick/lot>     tick and lot size of an instrument, e.g. binance:BTC/USDT=0.01/0.00001
                            (repeatable); others come from --instruments-cache
  --instruments-cache <dir> the venues' instrument metadata cache (default: .cache/tickerml)
  --duration <s>            stop after this many seconds
  --status-every <s>        print a status line this often (default 10; 0: never)
  -h, --help                show this help

Rows of an instrument with no known tick size are not written (counted, and said once).
Exit status: 0 stopped and everything written, 1 broker or database unreachable or rows left
unwritten, 2 bad arguments.
`;

/** The parsed command line of `tickerml collect`. */
export interface CollectArgs {
  readonly configDir: string;
  readonly db: string | undefined;
  readonly group: string;
  readonly fromBeginning: boolean;
  readonly brokers: readonly string[] | undefined;
  /** `venue` → `symbol` → increments. */
  readonly grids: ReadonlyMap<string, ReadonlyMap<string, InstrumentIncrements>>;
  readonly instrumentsCache: string;
  readonly durationS: number | undefined;
  readonly statusEveryS: number;
}

function positive(flag: string, text: string, allowZero = false): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0))
    throw new UsageError(
      `${flag} must be a ${allowZero ? 'non-negative' : 'positive'} number of seconds, was '${text}'`,
    );
  return v;
}

/**
 * Parses the arguments after `collect`.
 * @throws {UsageError} naming the flag for an unknown flag or a bad value.
 */
export function parseCollectArgs(args: readonly string[]): CollectArgs | 'help' {
  let configDir = 'config';
  let db: string | undefined;
  let group = 'tickerml-collect';
  let fromBeginning = false;
  let brokers: string[] | undefined;
  const grids = new Map<string, Map<string, InstrumentIncrements>>();
  let instrumentsCache = join('.cache', 'tickerml');
  let durationS: number | undefined;
  let statusEveryS = 10;
  for (const { arg, flag, value } of flagArgs(args)) {
    switch (flag) {
      case '-h':
      case '--help':
        return 'help';
      case '--config':
        configDir = value();
        break;
      case '--db':
        db = value();
        break;
      case '--group':
        group = value();
        if (!/^[A-Za-z0-9._-]+$/.test(group))
          throw new UsageError(`--group must be letters, digits, '.', '_' or '-', was '${group}'`);
        break;
      case '--from-beginning':
        fromBeginning = true;
        break;
      case '--brokers':
        brokers = value()
          .split(',')
          .map((b) => b.trim())
          .filter((b) => b !== '');
        if (brokers.length === 0) throw new UsageError('--brokers needs at least one host:port');
        break;
      case '--grid': {
        const g = value();
        const m = /^([a-z0-9_.-]+):([^=]+)=(\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)$/i.exec(g);
        if (m === null)
          throw new UsageError(
            `--grid must look like binance:BTC/USDT=0.01/0.00001 (venue:symbol=tick/lot), was '${g}'`,
          );
        const [, venue, symbol, tickSize, lotSize] = m as unknown as [string, string, string, string, string];
        let symbols = grids.get(venue);
        if (symbols === undefined) {
          symbols = new Map();
          grids.set(venue, symbols);
        }
        symbols.set(symbol, { tickSize, lotSize });
        break;
      }
      case '--instruments-cache':
        instrumentsCache = value();
        break;
      case '--duration':
        durationS = positive(flag, value());
        break;
      case '--status-every':
        statusEveryS = positive(flag, value(), true);
        break;
      default:
        throw new UsageError(`unknown option '${arg}'`);
    }
  }
  return { configDir, db, group, fromBeginning, brokers, grids, instrumentsCache, durationS, statusEveryS };
}

/** Tick and lot sizes: `--grid` first, then `<cache>/<venue>.instruments.json` (read once per venue). */
function instrumentLookup(args: CollectArgs): (venue: string, symbol: string) => InstrumentIncrements | undefined {
  const cached = new Map<string, Map<string, InstrumentIncrements>>();
  const fromCache = (venue: string): Map<string, InstrumentIncrements> => {
    let symbols = cached.get(venue);
    if (symbols !== undefined) return symbols;
    symbols = new Map();
    cached.set(venue, symbols);
    const file = join(args.instrumentsCache, `${venue}.instruments.json`);
    if (!/^[a-z0-9_.-]+$/i.test(venue) || !existsSync(file)) return symbols;
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as { instruments?: unknown };
      if (Array.isArray(parsed.instruments))
        for (const i of parsed.instruments as { symbol?: unknown; tickSize?: unknown; lotSize?: unknown }[])
          if (typeof i.symbol === 'string' && typeof i.tickSize === 'string' && typeof i.lotSize === 'string')
            symbols.set(i.symbol, { tickSize: i.tickSize, lotSize: i.lotSize });
    } catch {
      // An unreadable cache is the same as none: the collector names each unknown instrument once.
    }
    return symbols;
  };
  return (venue, symbol) => args.grids.get(venue)?.get(symbol) ?? fromCache(venue).get(symbol);
}

/** The store for the start line, never with a password: a SQLite path, or PostgreSQL's host and database. */
function describeTarget(target: string | { sqlitePath?: string; postgresUrl?: string | undefined }): string {
  const text = typeof target === 'string' ? target : (target.postgresUrl ?? target.sqlitePath ?? '');
  if (!/^postgres(ql)?:\/\//.test(text)) return text;
  try {
    const url = new URL(text);
    return `PostgreSQL ${url.host}${url.pathname}`;
  } catch {
    return 'PostgreSQL';
  }
}

/** What a run of {@link runCollect} did. */
export interface CollectReport {
  /** Rows of the book topic's collector (order_books) and of the trade topic's (trades, ohlcv). */
  readonly books: CollectorStats;
  readonly trades: CollectorStats;
  /** Messages taken from each topic. */
  readonly consumed: { readonly book: number; readonly trades: number };
  readonly reason: string;
}

/**
 * Runs the consumer until `io.signal` aborts, `--duration` passes, or SIGINT/SIGTERM; then
 * writes what it holds, closes the store and returns what it did. Each topic has a collector of
 * its own (the two topics are consumed side by side, not in one `localTs` order), sharing the
 * store; bars close 10 s after their minute so trades a little behind still join it.
 *
 * @throws {BaseError} subclasses when the store cannot be opened or the broker cannot be reached.
 * @example
 * ```ts
 * const controller = new AbortController();
 * const done = runCollect(parseCollectArgs(['--db', 'collect.sqlite']) as CollectArgs, { ...io, signal: controller.signal });
 * controller.abort();
 * const report = await done;
 * ```
 */
export async function runCollect(args: CollectArgs, io: CollectCommandIo): Promise<CollectReport> {
  const env = io.env ?? process.env;
  const config: TickerMLConfig = loadConfig(args.configDir, { env });
  const settings = collectSettings(config.app.collect);
  const target = args.db ?? { sqlitePath: config.app.storage.sqlitePath, postgresUrl: config.app.storage.postgresUrl };
  const store = await openStore(target);
  const sink: RowSink = store;
  const instruments = instrumentLookup(args);
  const onError = (error: unknown) =>
    io.stderr(`tickerml collect: ${error instanceof Error ? error.message : String(error)}\n`);
  const books = new MarketCollector({
    sink,
    instruments,
    orderBooks: settings.orderBooks,
    trades: false,
    ohlcv: false,
    onError,
  });
  const trades = new MarketCollector({
    sink,
    instruments,
    trades: settings.trades,
    ohlcv: settings.ohlcv ? { closeGraceUs: 10_000_000 } : false,
    onError,
  });
  const consumed = { book: 0, trades: 0 };
  let bus: KafkaBus<MarketEvent> | undefined;
  const subs: KafkaSubscription[] = [];
  const timers: NodeJS.Timeout[] = [];
  let stopSignal: (reason: string) => void = () => {};
  const stopped = new Promise<string>((resolve) => {
    stopSignal = resolve;
  });
  const onSigint = () => stopSignal('SIGINT');
  const onSigterm = () => stopSignal('SIGTERM');
  try {
    const { KafkaBus: Bus } = await import('@tickerml/streaming');
    bus = Bus.fromConfig<MarketEvent>(config.kafka, {
      clientId: `${config.kafka.clientId}-collect`,
      ...(args.brokers === undefined ? {} : { brokers: args.brokers }),
    });
    await bus.connect();
    const wanted: ['book' | 'trades', MarketCollector, boolean][] = [
      ['book', books, settings.orderBooks !== false],
      ['trades', trades, settings.trades || settings.ohlcv],
    ];
    for (const [kind, collector, on] of wanted) {
      if (!on) continue;
      subs.push(
        bus.subscribe(
          bus.topicName(kind === 'book' ? 'orderBooks' : 'trades'),
          (e) => {
            consumed[kind]++;
            collector.onEvent(e);
          },
          {
            groupId: `${args.group}.${kind}`,
            fromBeginning: args.fromBeginning,
            onError,
          },
        ),
      );
    }
    await Promise.all(subs.map((s) => s.ready));
    io.stdout(
      `tickerml collect: ${
        subs.length === 0
          ? 'nothing to collect (collect: switches everything off)'
          : `consuming ${wanted
              .filter((w) => w[2])
              .map((w) => w[0])
              .join(' and ')} from ${bus.brokers.join(',')}`
      } into ${describeTarget(target)}\n`,
    );
    timers.push(
      setInterval(() => {
        void books.flush();
        void trades.flush();
      }, 1_000),
    );
    if (args.statusEveryS > 0)
      timers.push(
        setInterval(() => {
          const b = books.stats().written;
          const t = trades.stats().written;
          io.stdout(
            `consumed ${consumed.book} book + ${consumed.trades} trade events; written order_books ${b.order_books}, trades ${t.trades}, ohlcv ${t.ohlcv}\n`,
          );
        }, args.statusEveryS * 1_000),
      );
    if (args.durationS !== undefined) timers.push(setTimeout(() => stopSignal('duration'), args.durationS * 1_000));
    io.signal?.addEventListener('abort', () => stopSignal('aborted'), { once: true });
    if (io.signal?.aborted) stopSignal('aborted');
    process.once('SIGINT', onSigint);
    process.once('SIGTERM', onSigterm);
    const reason = await stopped;
    return { books: books.stats(), trades: trades.stats(), consumed, reason };
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
    for (const t of timers) clearTimeout(t);
    for (const s of subs) await s.unsubscribe().catch(() => undefined);
    await bus?.close().catch(() => undefined);
    await books.close();
    await trades.close();
    await store.close();
  }
}

/**
 * Runs `tickerml collect ...` and returns the exit status.
 *
 * @returns 0 when stopped with every row written; 1 when the broker or the database cannot be
 *   reached, or rows were left unwritten; 2 on bad arguments.
 * @example
 * ```ts
 * process.exitCode = await collectCommand(['--db', 'postgresql://localhost/tickerml']);
 * ```
 */
export async function collectCommand(args: readonly string[], io: CollectCommandIo = processIo): Promise<number> {
  let parsed: CollectArgs | 'help';
  try {
    parsed = parseCollectArgs(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`tickerml collect: ${error.message}\n\n${COLLECT_USAGE}`);
    return 2;
  }
  if (parsed === 'help') {
    io.stdout(COLLECT_USAGE);
    return 0;
  }
  try {
    const report = await runCollect(parsed, io);
    const left = report.books.buffered + report.trades.buffered;
    const b = report.books.written;
    const t = report.trades.written;
    io.stdout(
      `tickerml collect: stopped (${report.reason}); written order_books ${b.order_books}, trades ${t.trades}, ohlcv ${t.ohlcv}${left > 0 ? `; ${left} rows NOT written` : ''}; ${report.trades.unknownInstrument + report.books.unknownInstrument} events of instruments without a tick size\n`,
    );
    return left > 0 ? 1 : 0;
  } catch (error) {
    if (!(error instanceof BaseError)) throw error;
    io.stderr(`tickerml collect: ${error.message}\n`);
    return 1;
  }
}
