/**
 * Access to the real services that integration tests use (Kafka and PostgreSQL), started by
 * `pnpm services:up` (scripts/services.sh) and by `.ci/run`.
 *
 * - In CI (`CI=true`) a missing or unreachable service fails the test file with a message that
 *   names the service, where it was looked for and the command that starts it.
 * - Outside CI the suite is skipped, with one line naming the missing service and the command.
 *
 * Addresses come from `TICKERML_KAFKA_BROKERS` / `TICKERML_PG_URL`, or, when those are unset,
 * from the `.services/env` file that `scripts/services.sh up` writes at the repository root (or in
 * `TICKERML_SERVICES_DIR` when that is set, as for the script).
 *
 * @example
 * ```ts
 * import { describeWithService } from '../../../test/support/services.js';
 *
 * await describeWithService('kafka', 'order events through Kafka', (kafka) => {
 *   it('round-trips', async () => {
 *     const client = new Kafka({ brokers: kafka.brokers });
 *     // ...
 *   });
 * });
 * ```
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'vitest';

/** The services that `scripts/services.sh` manages. */
export type ServiceName = 'kafka' | 'postgres';

/** Where the Kafka broker answers. */
export interface KafkaService {
  readonly name: 'kafka';
  /** `host:port` bootstrap addresses, from `TICKERML_KAFKA_BROKERS` (comma separated). */
  readonly brokers: readonly string[];
}

/** Where the PostgreSQL database for this run lives. */
export interface PostgresService {
  readonly name: 'postgres';
  /** Connection URL of the run's own database, from `TICKERML_PG_URL`. */
  readonly url: string;
}

/** The resolved address of each service. */
export interface ServiceMap {
  readonly kafka: KafkaService;
  readonly postgres: PostgresService;
}

/** The command a developer runs to start the services. */
export const START_COMMAND = 'pnpm services:up';

/** Repository root (this file is `<root>/test/support/services.ts`). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const ENV_VARS: Record<ServiceName, string> = {
  kafka: 'TICKERML_KAFKA_BROKERS',
  postgres: 'TICKERML_PG_URL',
};

/** Thrown in CI when a service a test needs is not configured or does not answer. */
export class ServiceUnavailableError extends Error {
  override readonly name = 'ServiceUnavailableError' as const;
  constructor(
    readonly service: ServiceName,
    readonly reason: string,
  ) {
    super(`${service} is required in CI but ${reason}; start it with \`${START_COMMAND}\` (see docs/ci.md)`);
  }
}

/** Options for {@link requireService}; the defaults read the real process environment. */
export interface RequireServiceOptions {
  /** Environment to read; defaults to `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Path of the fallback env file; defaults to `$TICKERML_SERVICES_DIR/env`, else `<repo>/.services/env`. */
  readonly envFile?: string;
  /** How long to wait for a TCP connection to each address, in milliseconds. Defaults to 2000. */
  readonly connectTimeoutMs?: number;
  /** Where the skip line goes outside CI; defaults to `console.warn`. */
  readonly warn?: (line: string) => void;
}

/**
 * Parses the `export KEY=value` / `KEY=value` lines of an env file (comments and blank lines
 * ignored, surrounding quotes stripped).
 *
 * @example
 * ```ts
 * parseEnvFile('export TICKERML_PG_URL=postgres://x\n'); // { TICKERML_PG_URL: 'postgres://x' }
 * ```
 */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match === null) continue;
    const [, key, value] = match;
    if (key === undefined || value === undefined) continue;
    out[key] = value.replace(/^(['"])(.*)\1$/, '$2');
  }
  return out;
}

function readEnvFile(path: string): Record<string, string> {
  try {
    return parseEnvFile(readFileSync(path, 'utf8'));
  } catch {
    return {};
  }
}

/** Resolves `host:port` from a broker address or a `postgres://` URL. */
function hostPort(service: ServiceName, address: string): { host: string; port: number } {
  if (service === 'postgres') {
    const url = new URL(address);
    return { host: url.hostname || '127.0.0.1', port: Number(url.port || 5432) };
  }
  const at = address.lastIndexOf(':');
  if (at < 0) throw new Error(`no port in ${address}`);
  return { host: address.slice(0, at), port: Number(address.slice(at + 1)) };
}

/** Resolves when a TCP connection to `host:port` opens, rejects with the socket error or a timeout. */
function probe(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    socket.setTimeout(timeoutMs);
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    });
    socket.once('error', (error) => {
      socket.destroy();
      reject(error);
    });
    socket.connect(port, host);
  });
}

async function locate<N extends ServiceName>(
  name: N,
  options: RequireServiceOptions,
): Promise<{ service: ServiceMap[N] } | { reason: string }> {
  const variable = ENV_VARS[name];
  const env = options.env ?? process.env;
  const envFile = options.envFile ?? join(env['TICKERML_SERVICES_DIR'] ?? join(REPO_ROOT, '.services'), 'env');
  const value = env[variable];
  const configured = value !== undefined && value !== '' ? value : readEnvFile(envFile)[variable];
  if (configured === undefined || configured === '') {
    return { reason: `${variable} is not set and ${envFile} does not define it` };
  }
  const addresses = name === 'kafka' ? configured.split(',').map((a) => a.trim()) : [configured];
  for (const address of addresses) {
    let target: { host: string; port: number };
    try {
      target = hostPort(name, address);
    } catch (error) {
      return { reason: `${variable}=${configured} is not a valid address (${(error as Error).message})` };
    }
    if (!Number.isInteger(target.port) || target.port <= 0) {
      return { reason: `${variable}=${configured} has no valid port` };
    }
    try {
      await probe(target.host, target.port, options.connectTimeoutMs ?? 2000);
    } catch (error) {
      return { reason: `nothing answers at ${target.host}:${target.port} (${(error as Error).message})` };
    }
  }
  const service: KafkaService | PostgresService =
    name === 'kafka' ? { name: 'kafka', brokers: addresses } : { name: 'postgres', url: configured };
  return { service: service as ServiceMap[N] };
}

function inCi(env: Readonly<Record<string, string | undefined>>): boolean {
  const ci = env['CI'];
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/**
 * Finds a running service. Returns its address, or `undefined` (after printing one line naming
 * the service and `pnpm services:up`) when it is missing outside CI.
 *
 * @throws {ServiceUnavailableError} in CI (`CI=true`) when the service is not configured or does
 *   not accept a TCP connection.
 * @example
 * ```ts
 * const pg = await requireService('postgres');
 * describe.skipIf(pg === undefined)('storage', () => { ... });
 * ```
 */
export async function requireService<N extends ServiceName>(
  name: N,
  options: RequireServiceOptions = {},
): Promise<ServiceMap[N] | undefined> {
  const found = await locate(name, options);
  if ('service' in found) return found.service;
  if (inCi(options.env ?? process.env)) throw new ServiceUnavailableError(name, found.reason);
  (options.warn ?? console.warn)(`skipped: ${name} unavailable (${found.reason}); start it with \`${START_COMMAND}\``);
  return undefined;
}

/**
 * Declares a `describe` block that runs only when the service is there, and hands the body the
 * service's address. Outside CI a missing service turns the block into one skipped test whose
 * name says what is missing; in CI it throws (the file fails).
 *
 * @throws {ServiceUnavailableError} in CI when the service is missing.
 * @example
 * ```ts
 * await describeWithService('postgres', 'pg round trip', (pg) => {
 *   it('inserts and reads back', async () => { const client = new pg.Client(pg.url); ... });
 * });
 * ```
 */
export async function describeWithService<N extends ServiceName>(
  name: N,
  title: string,
  body: (service: ServiceMap[N]) => void,
  options: RequireServiceOptions = {},
): Promise<void> {
  const service = await requireService(name, options);
  if (service === undefined) {
    describe.skip(title, () => {
      it(`needs ${name}: start it with \`${START_COMMAND}\``, () => {});
    });
    return;
  }
  describe(title, () => body(service));
}

const run = promisify(execFile);

/**
 * Stops the Kafka broker that `pnpm services:up` started, keeping its data, so a test can check
 * what a client does while the broker is away. Resolves once the process has exited.
 *
 * @throws when scripts/services.sh fails (for example when the services were never started).
 */
export async function stopKafka(): Promise<void> {
  await run('bash', [join(REPO_ROOT, 'scripts', 'services.sh'), 'kafka-stop'], { cwd: REPO_ROOT });
}

/**
 * Starts the broker again on the same data directory and port after {@link stopKafka}, and
 * resolves once it answers metadata requests again (topics and committed offsets survive).
 *
 * @throws when the broker does not come back within the script's deadline (120 s).
 */
export async function startKafka(): Promise<void> {
  await run('bash', [join(REPO_ROOT, 'scripts', 'services.sh'), 'kafka-start'], { cwd: REPO_ROOT });
}
