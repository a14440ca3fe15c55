/**
 * `tickerml kafka lag --group <g>`: how far a consumer group is behind, per partition, printed
 * like `kafka-consumer-groups --describe`.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { BaseError, loadConfig } from '@tickerml/core';
import { formatLagTable, KafkaBus } from '@tickerml/streaming';
import { UsageError } from '../args.js';

/** Where a command writes: `stdout` for results, `stderr` for errors. */
export interface KafkaCommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Environment to read `TICKERML_KAFKA_BROKERS` from. Defaults to `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const processIo: KafkaCommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Usage text of `tickerml kafka`. */
export const KAFKA_USAGE = `Usage: tickerml kafka lag --group <group> [options]

Prints, for every partition the consumer group has committed offsets on:
GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG (as kafka-consumer-groups --describe).

Options:
  --group <group>          consumer group (required)
  --topic <topic>          only this topic (repeatable)
  --brokers <h:p,h:p>      brokers (default: TICKERML_KAFKA_BROKERS, else brokers in
                           <config>/kafka_config.yaml, else 127.0.0.1:9092)
  --config <dir>           configuration directory (default: config)
  --timeout-ms <n>         connection timeout per broker in milliseconds (default 3000)
  --json                   print the rows as JSON instead of a table
  -h, --help               show this help

Exit status: 0 printed, 1 group has no committed offsets or the broker is unreachable, 2 bad arguments.
`;

interface LagArgs {
  readonly group: string;
  readonly topics: readonly string[];
  readonly brokers: string | undefined;
  readonly configDir: string;
  readonly timeoutMs: number;
  readonly json: boolean;
}

function parseLagArgs(args: readonly string[]): LagArgs | 'help' {
  let group: string | undefined;
  const topics: string[] = [];
  let brokers: string | undefined;
  let configDir = 'config';
  let timeoutMs = 3_000;
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = args[++i];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case '-h':
      case '--help':
        return 'help';
      case '--group':
        group = value();
        break;
      case '--topic':
        topics.push(value());
        break;
      case '--brokers':
        brokers = value();
        break;
      case '--config':
        configDir = value();
        break;
      case '--timeout-ms': {
        const text = value();
        timeoutMs = Number(text);
        if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) {
          throw new UsageError(`--timeout-ms: expected a positive integer, found '${text}'`);
        }
        break;
      }
      case '--json':
        json = true;
        break;
      default:
        throw new UsageError(`unknown option '${arg}'`);
    }
  }
  if (group === undefined || group === '') throw new UsageError('--group <group> is required');
  return { group, topics, brokers, configDir, timeoutMs, json };
}

/** Brokers from the flag, then the environment, then the config file, then the default. */
function resolveBrokers(args: LagArgs, env: Readonly<Record<string, string | undefined>>): string[] {
  const listed = args.brokers ?? env.TICKERML_KAFKA_BROKERS;
  if (listed !== undefined && listed.trim() !== '') {
    return listed
      .split(',')
      .map((b) => b.trim())
      .filter((b) => b !== '');
  }
  if (existsSync(args.configDir)) return [...loadConfig(args.configDir, { env }).kafka.brokers];
  return ['127.0.0.1:9092'];
}

/**
 * Runs `tickerml kafka <subcommand> ...` and returns the exit status.
 *
 * @param args the arguments after `kafka`, e.g. `['lag', '--group', 'books']`
 * @param io where to print (defaults to the process' stdout/stderr and environment)
 * @returns 0 when the report was printed; 1 when the group has no committed offsets or the
 *   broker cannot be reached (the error names the broker addresses); 2 on bad arguments
 * @example
 * ```ts
 * process.exitCode = await kafkaCommand(['lag', '--group', 'books', '--brokers', '127.0.0.1:9092']);
 * ```
 */
export async function kafkaCommand(args: readonly string[], io: KafkaCommandIo = processIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '-h' || sub === '--help') {
    io.stdout(KAFKA_USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'lag') {
    io.stderr(`tickerml kafka: unknown subcommand '${sub}'\n\n${KAFKA_USAGE}`);
    return 2;
  }
  let parsed: LagArgs | 'help';
  try {
    parsed = parseLagArgs(rest);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`tickerml kafka lag: ${error.message}\n\n${KAFKA_USAGE}`);
    return 2;
  }
  if (parsed === 'help') {
    io.stdout(KAFKA_USAGE);
    return 0;
  }
  let bus: KafkaBus | undefined;
  try {
    const brokers = resolveBrokers(parsed, io.env ?? process.env);
    bus = new KafkaBus({
      brokers,
      clientId: 'tickerml-cli',
      createTopics: false,
      connectionTimeoutMs: parsed.timeoutMs,
      connectRetries: 1,
      logLevel: 'nothing',
    });
    const rows = await bus.consumerLag(parsed.group, parsed.topics.length > 0 ? parsed.topics : undefined);
    if (rows.length === 0) {
      io.stderr(
        `Consumer group '${parsed.group}' has no committed offsets${parsed.topics.length > 0 ? ` on ${parsed.topics.join(', ')}` : ''}.\n`,
      );
      return 1;
    }
    io.stdout(parsed.json ? `${JSON.stringify(rows, null, 2)}\n` : `${formatLagTable(rows)}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof BaseError)) throw error;
    io.stderr(`tickerml kafka lag: ${error.message}\n`);
    return 1;
  } finally {
    await bus?.close().catch(() => {});
  }
}
