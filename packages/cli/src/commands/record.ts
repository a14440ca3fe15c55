/**
 * `tickerml record`: records live market data from a venue into TickerML recording files
 * (every raw frame and REST response, before parsing; format in docs/recording.md), for
 * `tickerml replay` and backtests later. Needs internet, or a replay server given by URL.
 *
 * @module
 */
import { LiveClock, SeededRandom } from '@tickerml/core';
import {
  BOOK_VENUES,
  type BookVenue,
  DecimalGrid,
  gridFor,
  isBookVenue,
  loadInstruments,
  Recorder,
  RecordingBaseError,
  recordingFeed,
} from '@tickerml/exchanges';
import { flagArgs, UsageError } from '../args.js';
import type { CommandIo } from './migrate.js';

const processIo: CommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Usage text of `tickerml record`. */
export const RECORD_USAGE = `Usage: tickerml record --venue <venue> --symbols <A/B,C/D> [options]

Records every WebSocket frame and REST snapshot of a venue's order books and trades, stamped
with the local receive time before parsing, into <out>/<venue>-<YYYY-MM-DD>-<n>.tmrec.gz
(rotated daily, crash-safe). Check the result with "tickerml replay <file>".

Options:
  --venue <v>            ${BOOK_VENUES.join(', ')}
  --symbols <list>       canonical symbols, comma-separated, e.g. BTC/USDT,ETH/USDT
  --out <dir>            output directory (default data/raw)
  --duration <seconds>   stop after this long (default: until Ctrl-C)
  --max-frames <n>       stop after this many frames
  --depth <n>            Kraken book depth: 10, 25, 100, 500 or 1000 (default 10)
  --grid <S=tick/lot>    tick and lot size of a symbol, e.g. BTC/USD=0.1/0.00000001 (repeatable);
                         without it they come from the venue through ccxt, or the cache
  --cache-dir <dir>      instrument metadata cache (default .cache/tickerml)
  --ws-url <url>         WebSocket endpoint override (a replay server, a testnet)
  --rest-url <url>       REST endpoint override
  -h, --help             show this help

Exit status: 0 recorded and closed cleanly, 1 errors (bad arguments, no metadata, disk).
`;

interface RecordArgs {
  readonly venue: BookVenue;
  readonly symbols: readonly string[];
  readonly out: string;
  readonly durationS: number | undefined;
  readonly maxFrames: number | undefined;
  readonly depth: number | undefined;
  readonly grids: ReadonlyMap<string, { tick: string; lot: string }>;
  readonly cacheDir: string;
  readonly wsUrl: string | undefined;
  readonly restUrl: string | undefined;
}

function positive(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number, was "${text}"`);
  return n;
}

function parseArgs(args: readonly string[]): RecordArgs | 'help' {
  let venue: string | undefined;
  let symbols: string[] = [];
  let out = 'data/raw';
  let durationS: number | undefined;
  let maxFrames: number | undefined;
  let depth: number | undefined;
  const grids = new Map<string, { tick: string; lot: string }>();
  let cacheDir = '.cache/tickerml';
  let wsUrl: string | undefined;
  let restUrl: string | undefined;
  for (const { arg, flag, value } of flagArgs(args)) {
    switch (flag) {
      case '-h':
      case '--help':
        return 'help';
      case '--venue':
        venue = value();
        break;
      case '--symbols':
        symbols = value()
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
        break;
      case '--out':
        out = value();
        break;
      case '--duration':
        durationS = positive(flag, value());
        break;
      case '--max-frames':
        maxFrames = positive(flag, value());
        break;
      case '--depth':
        depth = positive(flag, value());
        break;
      case '--grid': {
        const g = value();
        const m = /^([^=]+)=([0-9.]+)\/([0-9.]+)$/.exec(g);
        if (m === null) throw new UsageError(`--grid must look like BTC/USD=0.1/0.00000001, was "${g}"`);
        grids.set(m[1] as string, { tick: m[2] as string, lot: m[3] as string });
        break;
      }
      case '--cache-dir':
        cacheDir = value();
        break;
      case '--ws-url':
        wsUrl = value();
        break;
      case '--rest-url':
        restUrl = value();
        break;
      default:
        throw new UsageError(`unknown option ${arg}`);
    }
  }
  if (!isBookVenue(venue))
    throw new UsageError(`--venue must be one of ${BOOK_VENUES.join(', ')}, was "${venue ?? ''}"`);
  if (symbols.length === 0) throw new UsageError('--symbols is required, e.g. --symbols BTC/USDT');
  for (const s of symbols)
    if (!/^[A-Z0-9]+\/[A-Z0-9]+$/.test(s)) throw new UsageError(`symbols are canonical BASE/QUOTE, was "${s}"`);
  return { venue, symbols, out, durationS, maxFrames, depth, grids, cacheDir, wsUrl, restUrl };
}

async function gridsFor(args: RecordArgs, io: CommandIo): Promise<DecimalGrid[]> {
  const missing = args.symbols.filter((s) => !args.grids.has(s));
  const loaded = missing.length > 0 ? await loadInstruments(args.venue, { cacheDir: args.cacheDir }) : undefined;
  if (loaded?.source === 'cache')
    io.stderr(
      `tickerml record: ${args.venue} unreachable for metadata, using the cache (${loaded.networkError ?? ''})\n`,
    );
  return args.symbols.map((s) => {
    const g = args.grids.get(s);
    if (g !== undefined) return new DecimalGrid(s, g.tick, g.lot);
    return gridFor(loaded as NonNullable<typeof loaded>, s);
  });
}

/**
 * The `record` command: parses `args`, records until the duration, the frame budget or a
 * signal, and returns the exit status.
 * @example
 * ```ts
 * process.exitCode = await recordCommand(['--venue', 'kraken', '--symbols', 'BTC/USD', '--duration', '3600']);
 * ```
 */
export async function recordCommand(args: readonly string[], io: CommandIo = processIo): Promise<number> {
  let parsed: RecordArgs | 'help';
  try {
    parsed = parseArgs(args);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`tickerml record: ${err.message}\n\n${RECORD_USAGE}`);
      return 1;
    }
    throw err;
  }
  if (parsed === 'help') {
    io.stdout(RECORD_USAGE);
    return 0;
  }
  const a = parsed;
  // The command's one clock: the recorder's stamps and the feed's timers read the same time.
  const clock = new LiveClock();
  let recorder: Recorder;
  let grids: DecimalGrid[];
  try {
    grids = await gridsFor(a, io);
    recorder = new Recorder({ dir: a.out, venue: a.venue, clock });
  } catch (err) {
    if (err instanceof RecordingBaseError || (err instanceof Error && 'shortMessage' in err)) {
      io.stderr(`tickerml record: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  let framesBefore = 0;
  let stop: (reason: string) => void = () => {};
  const stopped = new Promise<string>((resolve) => {
    stop = resolve;
  });
  // Reconnect jitter seeded per process, so recorders started together do not retry in step.
  const random = new SeededRandom(process.pid).fork('record-reconnect-jitter');
  const feed = recordingFeed({
    venue: a.venue,
    grids,
    recorder,
    clock,
    random: () => random.next(),
    ...(a.depth !== undefined ? { depth: a.depth } : {}),
    urls: { ...(a.wsUrl ? { ws: a.wsUrl } : {}), ...(a.restUrl ? { rest: a.restUrl } : {}) },
    emit: () => {
      if (a.maxFrames !== undefined && recorder.framesRecorded >= a.maxFrames) stop(`${a.maxFrames} frames recorded`);
    },
  });
  const onSignal = (signal: string) => stop(`${signal} received`);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const timers: ReturnType<typeof setTimeout>[] = [];
  if (a.durationS !== undefined) timers.push(setTimeout(() => stop(`${a.durationS} s elapsed`), a.durationS * 1000));
  // Idle feeds still reach the disk every second; frame budgets are checked as frames arrive.
  const flusher = setInterval(() => {
    try {
      recorder.flush();
    } catch (err) {
      stop(`disk error: ${(err as Error).message}`);
    }
    if (a.maxFrames !== undefined && recorder.framesRecorded >= a.maxFrames) stop(`${a.maxFrames} frames recorded`);
    if (recorder.framesRecorded !== framesBefore) {
      framesBefore = recorder.framesRecorded;
      io.stderr(`\rrecorded ${framesBefore} frames`);
    }
  }, 1000);
  const budget = setInterval(() => {
    if (a.maxFrames !== undefined && recorder.framesRecorded >= a.maxFrames) stop(`${a.maxFrames} frames recorded`);
  }, 20);
  feed.start();
  const reason = await stopped;
  feed.stop();
  clock.dispose();
  clearInterval(flusher);
  clearInterval(budget);
  for (const t of timers) clearTimeout(t);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  try {
    recorder.close();
  } catch (err) {
    io.stderr(`\ntickerml record: ${(err as Error).message}\n`);
    return 1;
  }
  io.stdout(`${recorder.framesRecorded} frames recorded (${reason}) in ${recorder.files.join(', ') || 'no file'}\n`);
  return reason.startsWith('disk error') ? 1 : 0;
}
