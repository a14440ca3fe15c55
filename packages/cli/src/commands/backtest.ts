/**
 * `tickerml backtest`: runs a baseline strategy over recordings through the simulated venues
 * (queue, latency, fee and impact models) and prints the report summary.
 *
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BaseError, defaultConfig, loadConfig, type MarketEvent, type TickerMLConfig } from '@tickerml/core';
import { loadEvents, type RecordedInstrument, RecordingBaseError, RecordingVenueError } from '@tickerml/exchanges';
import {
  type ArbitrageStats,
  arbitrageSurvivesCosts,
  BASELINE_STRATEGIES,
  type BacktestReport,
  type BaselineMarket,
  createBaseline,
  decimalToAtoms,
  type ExecutionFile,
  equityToCsv,
  fillsToCsv,
  type InstrumentSpec,
  loadExecutionFile,
  reportToHtml,
  reportToJson,
  runBacktest,
  TradableInstrument,
  type VenueSettings,
  venueSettingsFromFile,
} from '@tickerml/execution';
import { UsageError } from '../args.js';
import type { CommandIo } from './migrate.js';

const processIo: CommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Usage text of `tickerml backtest`. */
export const BACKTEST_USAGE = `Usage: tickerml backtest --data <recording...> --strategy <name> [options]

Runs a baseline strategy over recordings (any format "tickerml replay" reads) through simulated
venues with queue, latency, fee and market-impact models, and prints the report summary.

Options:
  --data <files...>    one or more recordings; several are merged by local receive time
  --strategy <name>    ${BASELINE_STRATEGIES.join(', ')}
  --config <dir>       configuration directory: config.yaml (seed, starting balance, venue
                       latency_ms) and execution.yaml (fees, queue model, impact, balances,
                       opening positions per venue); defaults when absent
  --instruments <dir>  instrument cache of "tickerml record" (<dir>/<venue>.instruments.json) for
                       tick, lot and minimums where the recording has no exchange-info answer
                       (default .cache/tickerml); instruments found in neither are inferred from
                       the data and the report warns
  --seed <n>           seed of every latency draw and of the strategy (overrides the config)
  --notional <amount>  quote value of each order (default 1000)
  --out <dir>          also write report.json, fills.csv, equity.csv and report.html there
  --json               print the report summary as JSON
  --allow-partial      use the good part of a recording that was cut short (by default a
                       truncated file is an error naming it and its last good frame)
  -h, --help           show this help

Exit status: 0 done, 1 bad arguments, unreadable or truncated data, or invalid configuration.
`;

/** Parsed arguments of `tickerml backtest`. */
export interface BacktestArgs {
  readonly data: readonly string[];
  readonly strategy: string;
  readonly configDir: string | undefined;
  /** Instrument cache directory (`<dir>/<venue>.instruments.json`). */
  readonly instrumentsDir: string;
  readonly seed: number | undefined;
  readonly notional: string;
  readonly outDir: string | undefined;
  readonly json: boolean;
  /** Use the good frames of a truncated recording instead of failing. */
  readonly allowPartial: boolean;
}

function parseArgs(args: readonly string[]): BacktestArgs | 'help' {
  const data: string[] = [];
  let strategy: string | undefined;
  let configDir: string | undefined;
  let instrumentsDir = '.cache/tickerml';
  let seed: number | undefined;
  let notional = '1000';
  let outDir: string | undefined;
  let json = false;
  let allowPartial = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const value = (): string => {
      const next = args[++i];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    switch (arg) {
      case '-h':
      case '--help':
        return 'help';
      case '--data':
        data.push(value());
        while (i + 1 < args.length && !(args[i + 1] as string).startsWith('--')) data.push(args[++i] as string);
        break;
      case '--strategy':
        strategy = value();
        break;
      case '--config':
        configDir = value();
        break;
      case '--instruments':
        instrumentsDir = value();
        break;
      case '--seed': {
        const text = value();
        if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(Number(text)))
          throw new UsageError(`--seed must be an integer, was '${text}'`);
        seed = Number(text);
        break;
      }
      case '--notional':
        notional = value();
        if (!/^\d+(\.\d+)?$/.test(notional) || Number(notional) <= 0)
          throw new UsageError(`--notional must be a positive decimal, was '${notional}'`);
        break;
      case '--out':
        outDir = value();
        break;
      case '--json':
        json = true;
        break;
      case '--allow-partial':
        allowPartial = true;
        break;
      default:
        throw new UsageError(`unknown argument '${arg}'`);
    }
  }
  if (data.length === 0) throw new UsageError('--data needs at least one recording');
  if (strategy === undefined) throw new UsageError(`--strategy is required (${BASELINE_STRATEGIES.join(', ')})`);
  if (!(BASELINE_STRATEGIES as readonly string[]).includes(strategy))
    throw new UsageError(`unknown strategy '${strategy}' (known: ${BASELINE_STRATEGIES.join(', ')})`);
  return { data, strategy, configDir, instrumentsDir, seed, notional, outDir, json, allowPartial };
}

/** The recordings turned into events (in `localTs` order), with the instruments their data is on. */
interface LoadedRecordings {
  readonly events: readonly MarketEvent[];
  readonly instruments: readonly RecordedInstrument[];
  readonly warnings: readonly string[];
}

async function loadRecordings(
  files: readonly string[],
  cacheDir: string,
  allowPartial: boolean,
): Promise<LoadedRecordings> {
  try {
    // A recording cut short is an error unless asked for: a report over part of a file looks whole.
    return await loadEvents(files, { instrumentCacheDir: cacheDir, partial: allowPartial ? 'accept' : 'error' });
  } catch (err) {
    if (err instanceof RecordingVenueError) throw new UsageError(`${err.shortMessage}; backtest reads book recordings`);
    throw err;
  }
}

/** Settings per venue: execution.yaml, then config.yaml latency and starting balance, then defaults. */
function settingsFor(
  venue: string,
  instruments: InstrumentSpec[],
  file: ExecutionFile,
  app: TickerMLConfig,
): VenueSettings {
  const base = venueSettingsFromFile(file, venue, instruments);
  const appVenue = (app.app.venues as Record<string, { latencyMs?: { min: number; max: number } } | undefined>)[venue];
  const balances: Record<string, string> = {};
  for (const i of instruments) balances[i.quote] = app.app.trading.startingBalance;
  return {
    ...base,
    instruments,
    ...(base.latency === undefined && appVenue?.latencyMs !== undefined
      ? { latency: { kind: 'range', minMs: appVenue.latencyMs.min, maxMs: appVenue.latencyMs.max } }
      : {}),
    balances: base.balances ?? balances,
  };
}

function progressBar(total: number, io: CommandIo): (done: number) => void {
  return (done) => {
    const frac = total === 0 ? 1 : Math.min(1, done / total);
    const width = 30;
    const full = Math.round(frac * width);
    io.stderr(
      `\r[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${(frac * 100).toFixed(0).padStart(3)}% ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} events`,
    );
  };
}

/** Text summary of a report. */
export function formatBacktestSummary(report: BacktestReport): string {
  const s = report.summary;
  const num = (x: number, digits = 4) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
  const lines = [
    `strategy         ${s.strategy}`,
    `events           ${s.events}`,
    `fills            ${s.fills} (maker ${s.makerFills}, taker ${s.takerFills})`,
    `equity           ${s.initialEquity} -> ${s.finalEquity}`,
    `net P&L          ${s.netPnl} (realised ${s.realizedPnl}, unrealised ${s.unrealizedPnl})`,
    `fees             ${s.fees}`,
    `funding          ${s.funding}`,
    `turnover         ${num(s.turnover)}`,
    s.sharpeWarning === null
      ? `sharpe           ${num(s.sharpe, 2)} (annualised from ${s.sharpeSamples} samples, ${num(s.sharpePerSample, 4)} per sample)`
      : `sharpe           ${num(s.sharpePerSample, 4)} per sample over ${s.sharpeSamples} samples (warning: ${s.sharpeWarning})`,
    `sortino          ${s.sharpeWarning === null ? num(s.sortino, 2) : 'n/a (not annualised)'}`,
    `hit rate         ${num(s.hitRate * 100, 1)} % of moving samples`,
    `max drawdown     ${num(s.maxDrawdown * 100, 4)} % (${s.maxDrawdownAmount})`,
    `toxic fill rate  ${num(s.toxicFillRate * 100, 1)} %`,
    ...s.markouts.map(
      (m) =>
        `markout +${m.horizonS}s`.padEnd(17) +
        `${num(m.meanBps, 3)} bp mean over ${m.count} fills, adverse ${num(m.adverseShare * 100, 1)} %`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * Runs a backtest from parsed arguments.
 * @throws BaseError subclasses for invalid configuration or data; RecordingBaseError for unreadable recordings.
 */
export async function runBacktestCommand(
  args: BacktestArgs,
  io: CommandIo,
  isTty: boolean,
): Promise<
  BacktestReport & {
    readonly arbitrage?: ArbitrageStats & { readonly survivesCosts: boolean };
    /** Instruments inferred from the data, metadata the data contradicts (from `readEvents`). */
    readonly warnings: readonly string[];
  }
> {
  const app = args.configDir === undefined ? defaultConfig() : loadConfig(args.configDir);
  const file: ExecutionFile = args.configDir === undefined ? { venues: {} } : loadExecutionFile(args.configDir);
  const loaded = await loadRecordings(args.data, args.instrumentsDir, args.allowPartial);
  const byVenue = new Map<string, InstrumentSpec[]>();
  for (const i of loaded.instruments) {
    const list = byVenue.get(i.venue) ?? [];
    if (!list.some((x) => x.symbol === i.symbol))
      list.push({
        venue: i.venue,
        symbol: i.symbol,
        base: i.base,
        quote: i.quote,
        tickSize: i.tickSize,
        lotSize: i.lotSize,
        minQtyLots: i.minQtyLots,
        minNotional: i.minNotional,
      });
    byVenue.set(i.venue, list);
  }
  const venues = [...byVenue].map(([venue, instruments]) => settingsFor(venue, instruments, file, app));
  const events = loaded.events;
  // Size orders from the first traded (or quoted) price of each market.
  const markets: BaselineMarket[] = [];
  for (const v of venues) {
    for (const spec of v.instruments) {
      const ref = events.find(
        (e) =>
          e.venue === v.venue &&
          e.symbol === spec.symbol &&
          (e.kind === 'trade' || (e.kind === 'book_snapshot' && e.asks.length > 0)),
      );
      const refPriceTicks =
        ref === undefined
          ? 0
          : ref.kind === 'trade'
            ? ref.priceTicks
            : ref.kind === 'book_snapshot'
              ? (ref.asks[0]?.priceTicks ?? 0)
              : 0;
      if (refPriceTicks > 0)
        markets.push({ instrument: new TradableInstrument({ ...spec, venue: v.venue }), refPriceTicks });
    }
  }
  const strategy = createBaseline(args.strategy, markets, { orderNotional: args.notional });
  const seed = args.seed ?? file.seed ?? app.app.trading.seed;
  const progress = isTty ? progressBar(events.length, io) : undefined;
  const { report: bare } = runBacktest({
    events,
    strategy,
    settings: {
      seed,
      venues,
      ...(file.equity_sample_ms === undefined ? {} : { equitySampleUs: Math.round(file.equity_sample_ms * 1000) }),
    },
    ...(progress === undefined
      ? {}
      : { onProgress: progress, progressEvery: Math.max(1, Math.floor(events.length / 100)) }),
  });
  if (progress !== undefined) {
    progress(events.length);
    io.stderr('\n');
  }
  // The instrument warnings travel in the summary, so report.json and --json both carry them.
  const summary = { ...bare.summary, warnings: loaded.warnings };
  const report = { ...bare, summary };
  const stats = (strategy as { stats?: ArbitrageStats }).stats;
  const result =
    stats === undefined
      ? { ...report, warnings: loaded.warnings }
      : {
          ...report,
          warnings: loaded.warnings,
          arbitrage: { ...stats, survivesCosts: arbitrageSurvivesCosts(decimalToAtoms(report.summary.netPnl)) },
        };
  if (args.outDir !== undefined) {
    mkdirSync(args.outDir, { recursive: true });
    writeFileSync(join(args.outDir, 'report.json'), reportToJson(report));
    writeFileSync(join(args.outDir, 'fills.csv'), fillsToCsv(report.fills));
    writeFileSync(join(args.outDir, 'equity.csv'), equityToCsv(report));
    writeFileSync(join(args.outDir, 'report.html'), reportToHtml(report));
  }
  return result;
}

/**
 * The `tickerml backtest` command; returns the exit status.
 * @example
 * ```ts
 * process.exitCode = await backtestCommand(['--data', 'btc.gz', '--strategy', 'market-maker', '--json']);
 * ```
 */
export async function backtestCommand(
  args: readonly string[],
  io: CommandIo = processIo,
  isTty: boolean = process.stderr.isTTY === true,
): Promise<number> {
  let parsed: BacktestArgs | 'help';
  try {
    parsed = parseArgs(args);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`tickerml backtest: ${err.message}\n\n${BACKTEST_USAGE}`);
      return 1;
    }
    throw err;
  }
  if (parsed === 'help') {
    io.stdout(BACKTEST_USAGE);
    return 0;
  }
  try {
    const report = await runBacktestCommand(parsed, io, isTty);
    const arb = report.arbitrage;
    const summary = arb === undefined ? report.summary : { ...report.summary, arbitrage: arb };
    const arbText =
      arb === undefined
        ? ''
        : `arbitrage        ${arb.opportunities} opportunities, ${arb.attempts} attempts; edge ${arb.survivesCosts ? 'survives' : 'does not survive'} costs\n`;
    io.stdout(
      parsed.json
        ? `${JSON.stringify(summary, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`
        : formatBacktestSummary(report) + arbText + report.warnings.map((w) => `warning          ${w}\n`).join(''),
    );
    return 0;
  } catch (err) {
    if (err instanceof UsageError || err instanceof RecordingBaseError || err instanceof BaseError) {
      io.stderr(`tickerml backtest: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
