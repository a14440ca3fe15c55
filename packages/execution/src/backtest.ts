/**
 * Assembling and running a backtest from settings: venues with their models, the portfolio,
 * the engine on a `TestClock`, and the report.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MarketEvent } from '@tickerml/core';
import { BaseError, TestClock } from '@tickerml/core';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { type FeeModel, type FeeRates, makerTakerFees, tieredFeeModel } from './fees.js';
import { type InstrumentSpec, TradableInstrument } from './instrument.js';
import { Engine, type Strategy } from './kernel.js';
import {
  constantLatency,
  DEFAULT_LATENCY_MS,
  interpolatedLatency,
  type LatencyModel,
  type LatencySample,
  rangeLatency,
} from './latency.js';
import { type OpeningPosition, Portfolio } from './portfolio.js';
import { l3FifoQueue, logProbQueue, powerProbQueue, type QueueModel, riskAverseQueue } from './queue.js';
import { type BacktestReport, buildReport } from './report.js';
import { type SimulatedVenue, SimulatedVenueBuilder } from './venue.js';

/** Latency settings of a venue. Times in milliseconds. */
export type LatencySetting =
  | { readonly kind: 'range'; readonly minMs: number; readonly maxMs: number }
  | { readonly kind: 'constant'; readonly entryMs: number; readonly responseMs?: number }
  | { readonly kind: 'interpolated'; readonly samples: readonly LatencySample[] };

/** Queue model settings. */
export type QueueSetting =
  | { readonly model: 'risk_averse' }
  | { readonly model: 'prob_power'; readonly exponent?: number | undefined }
  | { readonly model: 'prob_log' }
  | { readonly model: 'l3_fifo' };

/** Fee settings: flat maker/taker rates, or a tier of a schedule. */
export type FeeSetting = FeeRates | { readonly tier: string; readonly schedule: Readonly<Record<string, FeeRates>> };

/** One simulated venue. */
export interface VenueSettings {
  readonly venue: string;
  readonly instruments: readonly InstrumentSpec[];
  /** Default: {@link DEFAULT_FEES} for the venue; required for venues without a default. */
  readonly fees?: FeeSetting;
  /** Default: {@link DEFAULT_LATENCY_MS} for the venue; required for venues without a default. */
  readonly latency?: LatencySetting;
  /** Default: probabilistic, power 2. */
  readonly queue?: QueueSetting;
  /** Market impact half-life, µs. Default 1 s. */
  readonly impactHalfLifeUs?: number;
  readonly maxLeverage?: number;
  readonly toxicQueuePosition?: number;
  /** Closed orders the venue keeps for lookups by id (default 100,000); a long live run keeps fewer. */
  readonly closedOrderRetention?: number;
  /** Opening cash per currency, decimal strings. */
  readonly balances?: Readonly<Record<string, string>>;
  /** Inventory held at the start. */
  readonly positions?: readonly OpeningPosition[];
}

/** Everything a run needs besides the data and the strategy. */
export interface BacktestSettings {
  /** Seeds every latency draw (per venue: `"<seed>:<venue>"`) and the strategy's generator. */
  readonly seed: number;
  readonly venues: readonly VenueSettings[];
  /** Equity sampling period, µs. Default 1 s. */
  readonly equitySampleUs?: number;
}

/**
 * Default fee rates: the lowest public tier of each venue's spot (or USD-M) schedule. Check your
 * own tier and set `fees` in `execution.yaml`.
 */
export const DEFAULT_FEES: Readonly<Record<string, FeeRates>> = {
  binance: { maker: '0.001', taker: '0.001' },
  binanceus: { maker: '0.001', taker: '0.001' },
  binanceusdm: { maker: '0.0002', taker: '0.0005' },
  coinbase: { maker: '0.006', taker: '0.012' },
  kraken: { maker: '0.0025', taker: '0.004' },
  kucoin: { maker: '0.001', taker: '0.001' },
};

/**
 * Settings that cannot make a venue (a venue with no latency or fees configured and no default,
 * a bad value in `execution.yaml`).
 *
 * @example
 * ```ts
 * buildVenues({ seed: 1, venues: [{ venue: 'kraken', instruments: [spec] }] }, portfolio); // throws: kraken has no default latency
 * ```
 */
export class BacktestConfigError extends BaseError {
  override name = 'BacktestConfigError' as const;
}

function latencyFor(v: VenueSettings, seed: number): LatencyModel {
  const l = v.latency;
  if (l === undefined) {
    const d = DEFAULT_LATENCY_MS[v.venue];
    if (d === undefined)
      throw new BacktestConfigError(
        `venue '${v.venue}' has no default latency: set latency (e.g. { kind: range, min_ms: 50, max_ms: 150 }) for it`,
      );
    return rangeLatency({ ...d, seed: `${seed}:${v.venue}` });
  }
  if (l.kind === 'range') return rangeLatency({ minMs: l.minMs, maxMs: l.maxMs, seed: `${seed}:${v.venue}` });
  if (l.kind === 'constant')
    return constantLatency(Math.round(l.entryMs * 1000), Math.round((l.responseMs ?? l.entryMs) * 1000));
  return interpolatedLatency(l.samples);
}

function feesFor(v: VenueSettings): FeeModel {
  const f = v.fees ?? DEFAULT_FEES[v.venue];
  if (f === undefined)
    throw new BacktestConfigError(`venue '${v.venue}' has no default fees: set fees { maker, taker } for it`);
  return 'tier' in f ? tieredFeeModel(f.schedule, f.tier) : makerTakerFees(f);
}

function queueFor(q: QueueSetting | undefined): QueueModel {
  switch (q?.model ?? 'prob_power') {
    case 'risk_averse':
      return riskAverseQueue();
    case 'prob_log':
      return logProbQueue();
    case 'l3_fifo':
      return l3FifoQueue();
    default:
      return powerProbQueue(q !== undefined && 'exponent' in q && q.exponent !== undefined ? q.exponent : 2);
  }
}

/**
 * Builds the simulated venues (and opens their accounts in `portfolio`).
 *
 * @throws BacktestConfigError when a venue lacks latency or fees and has no default.
 * @throws IncompleteVenueConfigError, InvalidLatencyConfigError, InvalidFeeConfigError for bad values.
 */
export function buildVenues(settings: BacktestSettings, portfolio: Portfolio): SimulatedVenue[] {
  return settings.venues.map((v) => {
    const instruments = v.instruments.map((spec) => new TradableInstrument({ ...spec, venue: v.venue }));
    portfolio.openAccount(v.venue, v.balances ?? {});
    for (const p of v.positions ?? []) {
      const inst = instruments.find((i) => i.symbol === p.symbol);
      if (inst === undefined)
        throw new BacktestConfigError(
          `venue '${v.venue}': opening position in ${p.symbol}, which is not one of its instruments`,
        );
      portfolio.openPosition(inst, p);
    }
    const b = new SimulatedVenueBuilder(v.venue)
      .instruments(instruments)
      .queueModel(queueFor(v.queue))
      .latencyModel(latencyFor(v, settings.seed))
      .feeModel(feesFor(v))
      .marketImpact({ halfLifeUs: v.impactHalfLifeUs ?? 1_000_000 })
      .portfolio(portfolio);
    if (v.maxLeverage !== undefined) b.maxLeverage(v.maxLeverage);
    if (v.toxicQueuePosition !== undefined) b.toxicQueuePosition(v.toxicQueuePosition);
    if (v.closedOrderRetention !== undefined) b.closedOrderRetention(v.closedOrderRetention);
    return b.build();
  });
}

/** The outcome of {@link runBacktest}. */
export interface BacktestRun {
  readonly report: BacktestReport;
  readonly engine: Engine;
  readonly portfolio: Portfolio;
  readonly venues: readonly SimulatedVenue[];
}

/**
 * Runs `strategy` over `events` (ordered by `localTs`) on venues built from `settings`, with a
 * `TestClock`, and builds the report. Same events, settings and seed give the same fills and
 * P&L, bit for bit.
 *
 * @throws BacktestConfigError and the builders' errors for bad settings; EngineError when the events go back in time.
 * @example
 * ```ts
 * const { report } = runBacktest({
 *   events,
 *   strategy: obiMomentum({ venue: 'binance', symbol: 'BTC/USDT', qtyLots: 100_000, maxPositionLots: 300_000 }),
 *   settings: { seed: 42, venues: [{ venue: 'binance', instruments: [btcSpec], balances: { USDT: '100000' } }] },
 * });
 * console.log(report.summary.netPnl, report.summary.sharpe);
 * ```
 */
export function runBacktest(options: {
  readonly events: Iterable<MarketEvent>;
  readonly settings: BacktestSettings;
  readonly strategy: Strategy;
  readonly onProgress?: (eventsDone: number) => void;
  readonly progressEvery?: number;
}): BacktestRun {
  const portfolio = new Portfolio();
  const venues = buildVenues(options.settings, portfolio);
  const sampleUs = options.settings.equitySampleUs ?? 1_000_000;
  const engine = new Engine({
    venues,
    portfolio,
    strategy: options.strategy,
    clock: new TestClock(0),
    seed: options.settings.seed,
    equitySampleUs: sampleUs,
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    ...(options.progressEvery === undefined ? {} : { progressEvery: options.progressEvery }),
  });
  engine.run(options.events);
  const report = buildReport(portfolio, { strategy: options.strategy.name, events: engine.eventCount, sampleUs });
  return { report, engine, portfolio, venues };
}

// ------------------------------------------------------------------ execution.yaml

const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, { message: 'must be a decimal string such as "0.001"' });
const positive = z.number().positive();
const feeRates = z.strictObject({ maker: decimal, taker: decimal });
const venueSchema = z.strictObject({
  fees: z.union([feeRates, z.strictObject({ tier: z.string(), schedule: z.record(z.string(), feeRates) })]).optional(),
  latency: z
    .discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('range'), min_ms: z.number().nonnegative(), max_ms: z.number().nonnegative() }),
      z.strictObject({
        kind: z.literal('constant'),
        entry_ms: z.number().nonnegative(),
        response_ms: z.number().nonnegative().optional(),
      }),
      z.strictObject({
        kind: z.literal('interpolated'),
        samples: z.array(z.tuple([z.number(), z.number(), z.number()])).min(1),
      }),
    ])
    .optional(),
  queue: z
    .discriminatedUnion('model', [
      z.strictObject({ model: z.literal('risk_averse') }),
      z.strictObject({ model: z.literal('prob_power'), exponent: positive.optional() }),
      z.strictObject({ model: z.literal('prob_log') }),
      z.strictObject({ model: z.literal('l3_fifo') }),
    ])
    .optional(),
  impact_half_life_ms: positive.optional(),
  max_leverage: positive.optional(),
  toxic_queue_position: z.number().nonnegative().optional(),
  balances: z.record(z.string(), decimal).optional(),
  positions: z.array(z.strictObject({ symbol: z.string(), qty: decimal, entry_price: decimal })).optional(),
  instruments: z
    .array(
      z.strictObject({
        symbol: z.string().regex(/^[A-Z0-9]+\/[A-Z0-9]+(:[A-Z0-9]+)?$/, {
          message: 'must be canonical, e.g. BTC/USDT or BTC/USDT:USDT',
        }),
        tick_size: decimal,
        lot_size: decimal,
        min_notional: decimal.optional(),
        min_qty_lots: z.number().int().positive().optional(),
      }),
    )
    .optional(),
});
/** Schema of `execution.yaml` (venues, fees, latency, queue model, impact). */
export const executionSchema = z.strictObject({
  seed: z.number().int().optional(),
  equity_sample_ms: positive.optional(),
  venues: z.record(z.string(), venueSchema).default({}),
});

/** The parsed `execution.yaml` (settings per venue; instruments may also come from the data). */
export type ExecutionFile = z.output<typeof executionSchema>;

/**
 * Reads and validates `<dir>/execution.yaml`. A missing file gives empty settings.
 *
 * @throws BacktestConfigError naming the file, the key path and the problem.
 * @example
 * ```ts
 * const file = loadExecutionFile('config'); // venues.binance.fees.maker, …
 * ```
 */
export function loadExecutionFile(dir: string): ExecutionFile {
  const path = join(dir, 'execution.yaml');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { venues: {} };
    throw new BacktestConfigError(`${path}: cannot be read`, { cause: e });
  }
  return parseExecutionFile(text, path);
}

/**
 * Validates the text of an `execution.yaml`.
 * @throws BacktestConfigError naming the file, the key path and the problem.
 */
export function parseExecutionFile(text: string, path = 'execution.yaml'): ExecutionFile {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (e) {
    throw new BacktestConfigError(`${path}: not valid YAML`, { cause: e });
  }
  const r = executionSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new BacktestConfigError(`${path}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`);
  }
  return r.data;
}

/**
 * Venue settings from an `execution.yaml` entry, with `instruments` defaulting to those given
 * (e.g. inferred from the recordings).
 */
export function venueSettingsFromFile(
  file: ExecutionFile,
  venue: string,
  fallbackInstruments: readonly InstrumentSpec[],
): VenueSettings {
  const v = file.venues[venue];
  const instruments =
    v?.instruments?.map((i) => {
      const [base = '', rest = ''] = i.symbol.split('/');
      return {
        venue,
        symbol: i.symbol,
        base,
        quote: rest.split(':')[0] ?? '',
        tickSize: i.tick_size,
        lotSize: i.lot_size,
        ...(i.min_notional === undefined ? {} : { minNotional: i.min_notional }),
        ...(i.min_qty_lots === undefined ? {} : { minQtyLots: i.min_qty_lots }),
      };
    }) ?? fallbackInstruments;
  const l = v?.latency;
  const latency: LatencySetting | undefined =
    l === undefined
      ? undefined
      : l.kind === 'range'
        ? { kind: 'range', minMs: l.min_ms, maxMs: l.max_ms }
        : l.kind === 'constant'
          ? {
              kind: 'constant',
              entryMs: l.entry_ms,
              ...(l.response_ms === undefined ? {} : { responseMs: l.response_ms }),
            }
          : {
              kind: 'interpolated',
              samples: l.samples.map(([requestUs, exchangeUs, responseUs]) => ({ requestUs, exchangeUs, responseUs })),
            };
  return {
    venue,
    instruments,
    ...(v?.fees === undefined ? {} : { fees: v.fees }),
    ...(latency === undefined ? {} : { latency }),
    ...(v?.queue === undefined ? {} : { queue: v.queue }),
    ...(v?.impact_half_life_ms === undefined ? {} : { impactHalfLifeUs: Math.round(v.impact_half_life_ms * 1000) }),
    ...(v?.max_leverage === undefined ? {} : { maxLeverage: v.max_leverage }),
    ...(v?.toxic_queue_position === undefined ? {} : { toxicQueuePosition: v.toxic_queue_position }),
    ...(v?.balances === undefined ? {} : { balances: v.balances }),
    ...(v?.positions === undefined
      ? {}
      : { positions: v.positions.map((p) => ({ symbol: p.symbol, qty: p.qty, entryPrice: p.entry_price })) }),
  };
}
