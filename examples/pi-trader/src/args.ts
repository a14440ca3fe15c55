/**
 * Command-line flags of the pi-trader.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { BaseError } from '@tickerml/core';
import { BASELINE_STRATEGIES } from '@tickerml/execution';

/** A flag the pi-trader does not accept, or a value out of range. */
export class CliArgsError extends BaseError {
  override name = 'CliArgsError' as const;
}

/** The parsed command line. */
export interface PiTraderArgs {
  /** Directory of the YAML files. Default `config`. */
  readonly configDir: string;
  /** Stop after this many seconds; `undefined` runs until SIGINT/SIGTERM. */
  readonly durationS: number | undefined;
  /** Dashboard port (0 = any free port); overrides config.yaml `dashboard.port`. */
  readonly port: number | undefined;
  /** Metrics port (0 = any free port); overrides monitoring_config.yaml `metrics.port`. */
  readonly metricsPort: number | undefined;
  readonly dashboard: boolean;
  /** SQLite file; overrides config.yaml `storage.sqlite_path`. */
  readonly db: string | undefined;
  /** Ignore the saved state and start from the starting balance. */
  readonly fresh: boolean;
  /** Trade the real venues' live feeds instead of the bundled recording. */
  readonly live: boolean;
  /** `dt` (the Decision Transformer, the default) or a baseline's name. */
  readonly strategy: string;
  /** The policy.onnx for `--strategy dt`; `undefined` = the bundled demo model. */
  readonly model: string | undefined;
  /** Notional of each order, quote currency, decimal string. */
  readonly orderNotional: string;
  /** Demo replay speed: × recorded pace, 0 = as fast as possible. */
  readonly speed: number;
  /** Print a status line every this many seconds (0 = never). */
  readonly statusEveryS: number;
  /** Event bus between the feeds and the trader: core's in-process bus, or Kafka (kafka_config.yaml). */
  readonly bus: 'memory' | 'kafka';
}

export const USAGE = `Usage: pnpm pi-trader [options]

  --config <dir>         configuration directory (default: config)
  --duration <s>         stop after s seconds (default: run until Ctrl-C)
  --port <n>             dashboard port, 0 = any free port (default: config.yaml dashboard.port)
  --metrics-port <n>     Prometheus port, 0 = any free port (default: monitoring_config.yaml metrics.port)
  --no-dashboard         do not serve the dashboard
  --db <path>            SQLite file for orders, fills, portfolio states, checkpoints (default: config.yaml storage.sqlite_path)
  --fresh                ignore the saved state; start from the starting balance
  --live                 trade the real venues' live feeds (config.yaml venues); default: the bundled recording
  --strategy <name>      dt | ${BASELINE_STRATEGIES.join(' | ')} (default: dt, the Decision Transformer)
  --model <file>         policy.onnx for --strategy dt (default: the bundled DEMO model, trained on minutes of data)
  --order-notional <q>   quote currency per order (default: 500)
  --speed <x>            demo replay speed, x recorded pace; 0 = as fast as possible (default: 1)
  --status-every <s>     status line period in seconds, 0 = off (default: 5)
  --bus <memory|kafka>   feeds → trader over the in-process bus or Kafka (kafka_config.yaml) (default: memory)
  --help`;

function num(name: string, text: string | undefined, lo: number, hi: number, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v < lo || v > hi || (integer && !Number.isInteger(v))) {
    throw new CliArgsError(`--${name} must be ${integer ? 'an integer' : 'a number'} in [${lo}, ${hi}], was '${text}'`);
  }
  return v;
}

/**
 * Parses `argv` (without `node main.js`).
 * @throws CliArgsError naming the flag for an unknown flag or a bad value.
 * @example
 * ```ts
 * parseCliArgs(['--duration', '10', '--port', '0']).durationS; // 10
 * ```
 */
export function parseCliArgs(argv: readonly string[]): PiTraderArgs | 'help' {
  let parsed: ReturnType<
    typeof parseArgs<{ options: typeof options; strict: true; allowPositionals: false; allowNegative: true }>
  >;
  const options = {
    config: { type: 'string' },
    duration: { type: 'string' },
    port: { type: 'string' },
    'metrics-port': { type: 'string' },
    dashboard: { type: 'boolean', default: true },
    db: { type: 'string' },
    fresh: { type: 'boolean', default: false },
    live: { type: 'boolean', default: false },
    strategy: { type: 'string', default: 'dt' },
    model: { type: 'string' },
    'order-notional': { type: 'string', default: '500' },
    speed: { type: 'string', default: '1' },
    'status-every': { type: 'string', default: '5' },
    bus: { type: 'string', default: 'memory' },
    help: { type: 'boolean', default: false },
  } as const;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false, allowNegative: true });
  } catch (error) {
    throw new CliArgsError(error instanceof Error ? error.message : String(error), { metaMessages: [USAGE] });
  }
  const v = parsed.values;
  if (v.help) return 'help';
  const strategy = v.strategy;
  if (
    strategy !== 'dt' &&
    (!(BASELINE_STRATEGIES as readonly string[]).includes(strategy) || strategy === 'arbitrage')
  ) {
    throw new CliArgsError(
      `--strategy must be dt or one of ${BASELINE_STRATEGIES.filter((s) => s !== 'arbitrage').join(', ')} (arbitrage needs two venues), was '${strategy}'`,
    );
  }
  if (v.model !== undefined && strategy !== 'dt') {
    throw new CliArgsError(`--model is for --strategy dt, not '${strategy}'`);
  }
  if (!/^\d+(\.\d+)?$/.test(v['order-notional']) || Number(v['order-notional']) <= 0) {
    throw new CliArgsError(`--order-notional must be a positive decimal like 500, was '${v['order-notional']}'`);
  }
  if (v.bus !== 'memory' && v.bus !== 'kafka') throw new CliArgsError(`--bus must be memory or kafka, was '${v.bus}'`);
  // An empty path would make SQLite keep everything in a temporary file and lose it at exit.
  if (v.db !== undefined && v.db.trim() === '')
    throw new CliArgsError("--db must name a SQLite file (or ':memory:' to keep nothing), was ''");
  return {
    bus: v.bus,
    configDir: v.config ?? 'config',
    durationS: num('duration', v.duration, 0.001, 1e9, false),
    port: num('port', v.port, 0, 65_535, true),
    metricsPort: num('metrics-port', v['metrics-port'], 0, 65_535, true),
    dashboard: v.dashboard,
    db: v.db,
    fresh: v.fresh,
    live: v.live,
    strategy,
    model: v.model,
    orderNotional: v['order-notional'],
    speed: num('speed', v.speed, 0, 10_000, false) ?? 1,
    statusEveryS: num('status-every', v['status-every'], 0, 86_400, false) ?? 5,
  };
}
