/**
 * `tickerml replay <file>`: reads a recording, builds every book in it with the venue's real
 * handler and prints what it saw per venue and symbol, so users can check collected data.
 * `--through-server` plays the file through the replay kit into the live adapter instead;
 * `--inject` adds seeded faults there and checks they were all detected and healed.
 *
 * @module
 */
import {
  type BookVenue,
  canonicalSymbol,
  detectVenue,
  GridInference,
  isBookVenue,
  openRecording,
  type RawFrame,
  type Recording,
  RecordingBaseError,
  type RecordingFormat,
  type ReplaySetup,
  type replayIntoHandler,
  replayStreamIntoHandler,
} from '@tickerml/exchanges';
import { type FaultMatch, type FaultPlanSpec, parseFaultSpec, replayThroughServer } from '@tickerml/exchanges/testkit';
import { flagArgs, UsageError } from '../args.js';
import type { CommandIo } from './migrate.js';

const processIo: CommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Usage text of `tickerml replay`. */
export const REPLAY_USAGE = `Usage: tickerml replay <file> [<file>...] [options]

Several files (e.g. one day's parts) are replayed one after the other into the same books.
Reads a recording (TickerML .tmrec.gz, cryptofeed JSONL, hftbacktest raw, crossbook .cbcap; gzip
or not), builds every order book in it with the venue's own handler and prints, per venue and
symbol: frames, events by kind, snapshots, deltas, trades, gaps, resyncs, checksums matched and
mismatched, malformed frames, the final best bid and ask, and the levels per side.

Options:
  --format <f>         auto (default), tickerml, cryptofeed, hftbacktest or cbcap
  --through-server     play the file through the replay server into the live adapter
  --inject <spec>      seeded faults (implies --through-server), e.g.
                       drop=0.01,dup=0.01,reorder=0.01,corrupt=5,close=2,stale-snapshot=1
  --seed <n>           seed of the fault plan (default 1)
  --window <n>         with --through-server: frames the replay server holds at once (default
                       4096); the file is streamed, so memory stays bounded on a day-long file
  --unpaced-faults     apply the plan where drawn, not only where the adapter can see the
                       fault (a second fault on a book still resyncing, a Kraken update the
                       next checksum does not cover): shows what goes undetected
  --json               print the report as JSON
  --allow-partial      a file cut short (a crash mid-write) is not a finding
  -h, --help           show this help

Exit status: 0 the data is consistent, 2 gaps or checksum mismatches in the recording itself,
or a file cut short (unless --allow-partial),
1 errors (unreadable file, unknown format, bad arguments, an injected fault not detected, books
not equal to the clean run's).
`;

/** Per venue and symbol: what the replay saw and the final book. */
export interface SymbolReport {
  readonly venue: string;
  readonly symbol: string;
  readonly frames: number;
  /** Normalized events emitted, by kind. */
  readonly events: Readonly<Record<string, number>>;
  readonly snapshots: number;
  readonly deltas: number;
  readonly trades: number;
  readonly gaps: number;
  readonly resyncs: number;
  readonly checksumsMatched: number;
  readonly checksumsMismatched: number;
  readonly malformed: number;
  /** Updates already in the book (re-sent or duplicated), skipped. */
  readonly duplicates: number;
  /** Best bid as a decimal string, or null when the book is empty or not synchronised. */
  readonly bestBid: string | null;
  readonly bestAsk: string | null;
  readonly bidLevels: number;
  readonly askLevels: number;
  /** Whether the book ended synchronised. */
  readonly synced: boolean;
}

/** The whole report of one replay. */
export interface ReplayReport {
  /** The file replayed (the first one when several were given). */
  readonly file: string;
  /** Every file replayed, in order. */
  readonly files: readonly string[];
  readonly format: RecordingFormat;
  readonly venue: string;
  readonly path: 'direct' | 'server';
  /** Frames read from the file (all kinds). */
  readonly framesRead: number;
  /** Lines of the file that could not be read, with up to 5 samples. */
  readonly malformedLines: number;
  readonly malformedSamples: readonly { line: number; reason: string; sample: string }[];
  readonly truncatedTail: boolean;
  /** `connect` records in the recording: sockets the recorder saw open. */
  readonly connects: number;
  /** `disconnect` records: sockets the recorder saw close (with code and reason). */
  readonly disconnects: number;
  /** Frames not tied to a symbol (acks, heartbeats, status) and malformed ones among them. */
  readonly venueFrames: number;
  readonly venueMalformed: number;
  readonly symbols: readonly SymbolReport[];
  /** With `--inject`: each injected fault, in order, and the feed-health signal that accounts for it. */
  readonly faults?: readonly FaultRow[];
  /** With `--inject`: feed-health signals the adapter gave, by kind (matched to a fault or not). */
  readonly signals?: Readonly<Record<string, number>>;
  /** With `--inject`: whether every book equals the clean direct run's. */
  readonly booksMatchCleanRun?: boolean;
}

/** One injected fault and how the adapter reported it. */
export interface FaultRow {
  /** `drop`, `dup`, `reorder`, `corrupt`, `close`, `stale-snapshot` or `stall`. */
  readonly kind: string;
  /** Canonical symbol of the book hit, or `*` for faults on every book (`close`). */
  readonly symbol: string;
  /** Index of the frame in the server's tape it hit (-1 when not tied to a frame). */
  readonly tapeIndex: number;
  /** Recorded `localTs` of that frame, µs. */
  readonly localTs: number;
  readonly detail: string;
  /** The signal that accounts for it (`gap`, `duplicate-ignored`, ...), or null: undetected. */
  readonly detectedAs: string | null;
  /** Frames the adapter handled from the injection to that signal. */
  readonly afterFrames: number | null;
}

/** Parsed arguments of `tickerml replay`. */
export interface ReplayArgs {
  readonly files: readonly string[];
  readonly format: RecordingFormat | 'auto';
  readonly throughServer: boolean;
  readonly inject: FaultPlanSpec | undefined;
  readonly seed: number;
  readonly json: boolean;
  /** `--unpaced-faults`: apply the fault plan where drawn, even where the adapter cannot see it. */
  readonly unpacedFaults?: boolean;
  /** `--window`: frames the replay server holds at once. Defaults to 4,096. */
  readonly windowFrames?: number;
  /** `--allow-partial`: a truncated file is not a finding. */
  readonly allowPartial?: boolean;
}

const FORMATS = ['auto', 'tickerml', 'cryptofeed', 'hftbacktest', 'cbcap'] as const;

function parseArgs(args: readonly string[]): ReplayArgs | 'help' {
  const files: string[] = [];
  let format: RecordingFormat | 'auto' = 'auto';
  let throughServer = false;
  let inject: FaultPlanSpec | undefined;
  let seed = 1;
  let json = false;
  let unpacedFaults = false;
  let allowPartial = false;
  let windowFrames: number | undefined;
  for (const { arg, flag, value } of flagArgs(args)) {
    switch (flag) {
      case '-h':
      case '--help':
        return 'help';
      case '--format': {
        const f = value();
        if (!(FORMATS as readonly string[]).includes(f))
          throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, was "${f}"`);
        format = f as RecordingFormat | 'auto';
        break;
      }
      case '--through-server':
        throughServer = true;
        break;
      case '--inject':
        inject = parseFaultSpec(value());
        throughServer = true;
        break;
      case '--seed': {
        const s = value();
        const n = Number(s);
        if (!Number.isSafeInteger(n)) throw new UsageError(`--seed must be an integer, was "${s}"`);
        seed = n;
        break;
      }
      case '--window': {
        const s = value();
        const n = Number(s);
        if (!Number.isSafeInteger(n) || n < 2) throw new UsageError(`--window must be an integer >= 2, was "${s}"`);
        windowFrames = n;
        break;
      }
      case '--json':
        json = true;
        break;
      case '--unpaced-faults':
        unpacedFaults = true;
        break;
      case '--allow-partial':
        allowPartial = true;
        break;
      default:
        if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
        files.push(arg);
    }
  }
  if (files.length === 0) throw new UsageError('missing <file>');
  return {
    files,
    format,
    throughServer,
    inject,
    seed,
    json,
    unpacedFaults,
    allowPartial,
    ...(windowFrames !== undefined ? { windowFrames } : {}),
  };
}

/** Strips trailing fractional zeros: "61820.99000000" → "61820.99", "63005.0" → "63005". */
export function trimDecimal(text: string): string {
  if (!text.includes('.')) return text;
  return text.replace(/0+$/, '').replace(/\.$/, '');
}

/** Builds the per-symbol reports from a handler after a replay. */
function symbolReports(
  setup: ReplaySetup,
  handler: Pick<ReturnType<typeof replayIntoHandler>['handler'], 'book' | 'stats'>,
  eventCounts: ReadonlyMap<string, Record<string, number>>,
): { symbols: SymbolReport[]; venueFrames: number; venueMalformed: number } {
  const symbols: SymbolReport[] = [];
  let venueFrames = 0;
  let venueMalformed = 0;
  for (const [symbol, s] of handler.stats()) {
    if (symbol === '*') {
      venueFrames = s.frames;
      venueMalformed = s.malformed;
      continue;
    }
    const grid = setup.grids.find((g) => g.symbol === symbol);
    const book = handler.book(symbol);
    const bestBidTicks = book?.bestBidTicks() ?? Number.NEGATIVE_INFINITY;
    const bestAskTicks = book?.bestAskTicks() ?? Number.POSITIVE_INFINITY;
    symbols.push({
      venue: setup.venue,
      symbol,
      frames: s.frames,
      events: eventCounts.get(symbol) ?? {},
      snapshots: s.snapshots,
      deltas: s.deltas,
      trades: s.trades,
      gaps: s.gaps,
      resyncs: s.resyncs,
      checksumsMatched: s.checksumsMatched,
      checksumsMismatched: s.checksumsMismatched,
      malformed: s.malformed,
      duplicates: s.duplicates,
      bestBid:
        grid !== undefined && Number.isFinite(bestBidTicks) ? trimDecimal(grid.ticksToPrice(bestBidTicks)) : null,
      bestAsk:
        grid !== undefined && Number.isFinite(bestAskTicks) ? trimDecimal(grid.ticksToPrice(bestAskTicks)) : null,
      bidLevels: book?.levels('bid') ?? 0,
      askLevels: book?.levels('ask') ?? 0,
      synced: book !== undefined,
    });
  }
  symbols.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  return { symbols, venueFrames, venueMalformed };
}

/**
 * Runs a replay and returns the report and the exit status (see {@link REPLAY_USAGE}).
 * @throws {RecordingBaseError} subclasses when the file cannot be read or recognised.
 */
export async function runReplay(args: ReplayArgs, io: CommandIo): Promise<{ report: ReplayReport; exitCode: number }> {
  // Streamed, in passes over the files, so a day of recording never has to fit in memory.
  const recordings: Recording[] = [];
  for (const file of args.files) recordings.push(await openRecording(file, { format: args.format }));
  const first = recordings[0] as Recording;
  let venue: string | undefined = first.info.venue;
  if (venue === undefined) {
    const head: RawFrame[] = [];
    for await (const f of first.frames()) if (head.push(f) >= 50) break;
    venue = detectVenue(head);
  }
  if (!isBookVenue(venue)) {
    throw new UsageError(
      `no book handler for venue "${venue ?? 'unknown'}" in ${first.source}; replay builds books for binance, binanceus, coinbase, kraken and kucoin spot`,
    );
  }
  for (const r of recordings) {
    if (r.info.venue !== undefined && r.info.venue !== venue) {
      throw new UsageError(
        `${r.source} is a ${r.info.venue} recording, ${first.source} is ${venue}: replay one venue at a time`,
      );
    }
  }
  async function* allFrames(): AsyncGenerator<RawFrame> {
    for (const r of recordings) yield* r.frames();
  }
  const inference = new GridInference(venue);
  let connects = 0;
  let disconnects = 0;
  for await (const f of allFrames()) {
    inference.add(f);
    if (f.kind === 'connect') connects++;
    else if (f.kind === 'disconnect') disconnects++;
  }
  const setup = inference.setup();
  const direct = await replayStreamIntoHandler(setup, allFrames());
  const clean = symbolReports(setup, direct.handler, direct.eventCounts);
  const several = recordings.length > 1;
  const base = {
    file: first.source,
    files: recordings.map((r) => r.source),
    format: first.info.format,
    venue,
    framesRead: recordings.reduce((n, r) => n + r.stats.frames, 0),
    malformedLines: recordings.reduce((n, r) => n + r.stats.malformed, 0),
    malformedSamples: recordings
      .flatMap((r) =>
        r.stats.malformedSamples.map((m) => ({ ...m, sample: several ? `${r.source}: ${m.sample}` : m.sample })),
      )
      .slice(0, 5),
    truncatedTail: recordings.some((r) => r.stats.truncatedTail),
    connects,
    disconnects,
  };
  // A file cut short is a flaw of the recording too, unless the caller expects one.
  const recordingFlawed =
    clean.symbols.some((s) => s.gaps > 0 || s.checksumsMismatched > 0) ||
    (base.truncatedTail && args.allowPartial !== true);
  if (!args.throughServer) {
    const report: ReplayReport = { ...base, path: 'direct', ...clean };
    return { report, exitCode: recordingFlawed ? 2 : 0 };
  }
  // Streamed as well: the replay server holds a window of frames, not the recording.
  const served = await replayThroughServer(setup, allFrames(), {
    windowFrames: args.windowFrames ?? 4096,
    faults: args.inject,
    seed: args.seed,
    paceFaults: args.unpacedFaults !== true,
    mustSync: clean.symbols.filter((s) => s.synced).map((s) => s.symbol),
  });
  const viaServer = symbolReports(setup, served.feed, served.eventCounts);
  const sameBooks = sameFinalBooks(clean.symbols, viaServer.symbols);
  const report: ReplayReport = {
    ...base,
    path: 'server',
    ...viaServer,
    ...(args.inject !== undefined
      ? {
          faults: served.matches.map((m) => faultRow(setup.venue, m)),
          signals: countBy(served.detections.map((d) => d.kind)),
          booksMatchCleanRun: sameBooks,
        }
      : { booksMatchCleanRun: sameBooks }),
  };
  const undetected = report.faults?.filter((f) => f.detectedAs === null) ?? [];
  if (!sameBooks) {
    const differing = viaServer.symbols
      .filter((s) => {
        const c = clean.symbols.find((x) => x.symbol === s.symbol);
        return (
          c === undefined ||
          c.bestBid !== s.bestBid ||
          c.bestAsk !== s.bestAsk ||
          c.bidLevels !== s.bidLevels ||
          c.askLevels !== s.askLevels ||
          c.synced !== s.synced
        );
      })
      .map((s) => `${s.symbol}${s.synced ? '' : ' (still resyncing when the recording ended)'}`);
    io.stderr(
      `tickerml replay: the books built through the server differ from the direct replay of the file: ${differing.join(', ')}\n`,
    );
  }
  if (undetected.length > 0) {
    const list = undetected.map((f) => `${f.kind} on ${f.symbol} at tape frame ${f.tapeIndex}`).join(', ');
    io.stderr(`tickerml replay: ${undetected.length} injected fault(s) not detected by the adapter: ${list}\n`);
  }
  if (!sameBooks || undetected.length > 0) return { report, exitCode: 1 };
  return { report, exitCode: recordingFlawed ? 2 : 0 };
}

function sameFinalBooks(a: readonly SymbolReport[], b: readonly SymbolReport[]): boolean {
  const key = (s: SymbolReport) => `${s.symbol} ${s.bestBid} ${s.bestAsk} ${s.bidLevels} ${s.askLevels} ${s.synced}`;
  return a.map(key).join('\n') === b.map(key).join('\n');
}

function faultRow(venue: BookVenue, m: FaultMatch): FaultRow {
  const f = m.fault;
  return {
    kind: f.kind,
    symbol: f.venueSymbol === undefined ? '*' : canonicalSymbol(venue, f.venueSymbol),
    tapeIndex: f.tapeIndex,
    localTs: f.localTs,
    detail: f.detail,
    detectedAs: m.detectedAs?.kind ?? null,
    afterFrames: m.afterFrames ?? null,
  };
}

function countBy(keys: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** Human-readable report. */
export function formatReplayReport(r: ReplayReport): string {
  const lines: string[] = [];
  lines.push(
    `${r.files.join(', ')}: ${r.format} recording of ${r.venue}, ${r.framesRead} frames read (${r.path === 'direct' ? 'direct replay' : 'through the replay server'})`,
  );
  if (r.truncatedTail)
    lines.push(
      `  truncated: the file is cut short (it ends inside a record, or its gzip stream before its end); ${r.framesRead} good frames read`,
    );
  if (r.malformedLines > 0 || r.truncatedTail) {
    lines.push(`  malformed lines skipped: ${r.malformedLines}${r.truncatedTail ? ' (file ends mid-record)' : ''}`);
    for (const s of r.malformedSamples) lines.push(`    line ${s.line}: ${s.reason}: ${s.sample}`);
  }
  lines.push(`  frames not tied to a symbol: ${r.venueFrames}, malformed: ${r.venueMalformed}`);
  lines.push(`  connections opened / closed while recording: ${r.connects} / ${r.disconnects}`);
  for (const s of r.symbols) {
    lines.push('');
    lines.push(`${s.venue} ${s.symbol}${s.synced ? '' : '  (book not synchronised at the end)'}`);
    const kinds = Object.entries(s.events)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    const rows: [string, string][] = [
      ['frames', String(s.frames)],
      ['events', kinds === '' ? '-' : kinds],
      ['snapshots / deltas / trades', `${s.snapshots} / ${s.deltas} / ${s.trades}`],
      ['gaps detected / resyncs', `${s.gaps} / ${s.resyncs}`],
      ['checksums matched / mismatched', `${s.checksumsMatched} / ${s.checksumsMismatched}`],
      ['malformed frames skipped', String(s.malformed)],
      ['duplicates skipped', String(s.duplicates)],
      ['best bid / best ask', `${s.bestBid ?? '-'} / ${s.bestAsk ?? '-'}`],
      ['levels bid / ask', `${s.bidLevels} / ${s.askLevels}`],
    ];
    for (const [k, v] of rows) lines.push(`  ${pad(k, 32)}${v}`);
  }
  if (r.faults !== undefined) lines.push('', ...formatFaultTable(r.faults, r.signals ?? {}));
  if (r.booksMatchCleanRun !== undefined)
    lines.push(`final books equal the direct replay's: ${r.booksMatchCleanRun ? 'yes' : 'NO'}`);
  return `${lines.join('\n')}\n`;
}

/** The per-fault table: injected → detected as what, after how many frames, then totals. */
function formatFaultTable(faults: readonly FaultRow[], signals: Readonly<Record<string, number>>): string[] {
  const lines = ['faults injected → detected'];
  const head = ['#', 'fault', 'book', 'tape frame', 'detected as', 'after frames'];
  const rows = faults.map((f, i) => [
    String(i + 1),
    f.kind,
    f.symbol,
    f.tapeIndex < 0 ? '-' : String(f.tapeIndex),
    f.detectedAs ?? 'NOT DETECTED',
    f.afterFrames === null ? '-' : String(f.afterFrames),
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] as string).length)));
  for (const row of [head, ...rows])
    lines.push(
      `  ${row
        .map((cell, c) => pad(cell, (widths[c] as number) + 2))
        .join('')
        .trimEnd()}`,
    );
  const injected = countBy(faults.map((f) => f.kind));
  const detected = faults.filter((f) => f.detectedAs !== null).length;
  const list = (counts: Readonly<Record<string, number>>) =>
    Object.entries(counts)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || 'none';
  lines.push(`faults injected: ${faults.length} (${list(injected)})`);
  lines.push(`faults detected: ${detected}, not detected: ${faults.length - detected}`);
  lines.push(`feed-health signals: ${list(signals)}`);
  return lines;
}

/**
 * The `replay` command: parses `args`, runs, prints, and returns the exit status.
 * @example
 * ```ts
 * process.exitCode = await replayCommand(['test/fixtures/kraken/crossbook_kraken_btcusd_l2.cbcap', '--json']);
 * ```
 */
export async function replayCommand(args: readonly string[], io: CommandIo = processIo): Promise<number> {
  let parsed: ReplayArgs | 'help';
  try {
    parsed = parseArgs(args);
  } catch (err) {
    if (err instanceof UsageError || err instanceof RecordingBaseError) {
      io.stderr(`tickerml replay: ${err.message}\n\n${REPLAY_USAGE}`);
      return 1;
    }
    throw err;
  }
  if (parsed === 'help') {
    io.stdout(REPLAY_USAGE);
    return 0;
  }
  try {
    const { report, exitCode } = await runReplay(parsed, io);
    io.stdout(parsed.json ? `${JSON.stringify(report, null, 2)}\n` : formatReplayReport(report));
    return exitCode;
  } catch (err) {
    if (err instanceof UsageError || err instanceof RecordingBaseError) {
      io.stderr(`tickerml replay: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
