import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnvFile, requireService, ServiceUnavailableError } from './services.js';

const dir = mkdtempSync(join(tmpdir(), 'tickerml-services-'));
const missingEnvFile = join(dir, 'absent.env');

async function listen(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.end());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return { server, port: address.port };
}

/** A port that nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const { server, port } = await listen();
  server.close();
  await once(server, 'close');
  return port;
}

describe('parseEnvFile', () => {
  it('reads export lines, plain lines and quoted values, and ignores comments', () => {
    const text =
      '# header\nexport TICKERML_KAFKA_BROKERS=127.0.0.1:9092\nTICKERML_PG_URL="postgres://u@h:5432/db"\n\nnot a line\n';
    expect(parseEnvFile(text)).toEqual({
      TICKERML_KAFKA_BROKERS: '127.0.0.1:9092',
      TICKERML_PG_URL: 'postgres://u@h:5432/db',
    });
  });
});

describe('requireService', () => {
  let live: { server: Server; port: number };
  beforeAll(async () => {
    live = await listen();
  });
  afterAll(() => {
    live.server.close();
  });

  it('outside CI, skips with one line naming the service and the start command', async () => {
    const lines: string[] = [];
    const found = await requireService('kafka', { env: {}, envFile: missingEnvFile, warn: (l) => lines.push(l) });
    expect(found).toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/kafka/);
    expect(lines[0]).toMatch(/TICKERML_KAFKA_BROKERS/);
    expect(lines[0]).toMatch(/pnpm services:up/);
  });

  it('in CI, fails with a ServiceUnavailableError naming the service and the command', async () => {
    const attempt = requireService('postgres', { env: { CI: 'true' }, envFile: missingEnvFile, warn: () => {} });
    await expect(attempt).rejects.toBeInstanceOf(ServiceUnavailableError);
    await expect(attempt).rejects.toThrow(
      /postgres is required in CI but TICKERML_PG_URL is not set.*pnpm services:up/,
    );
  });

  it('treats a configured address where nothing answers as missing', async () => {
    const port = await closedPort();
    const env = { CI: 'true', TICKERML_KAFKA_BROKERS: `127.0.0.1:${port}` };
    await expect(requireService('kafka', { env, envFile: missingEnvFile })).rejects.toThrow(
      new RegExp(`nothing answers at 127\\.0\\.0\\.1:${port}`),
    );
  });

  it('returns the addresses of a service that answers, from the environment', async () => {
    const env = { CI: 'true', TICKERML_KAFKA_BROKERS: `127.0.0.1:${live.port}` };
    const kafka = await requireService('kafka', { env, envFile: missingEnvFile });
    expect(kafka).toEqual({ name: 'kafka', brokers: [`127.0.0.1:${live.port}`] });
  });

  it('falls back to the env file that services.sh writes when the variable is unset', async () => {
    const envFile = join(dir, 'env');
    const url = `postgres://postgres@127.0.0.1:${live.port}/tickerml_ci_test`;
    writeFileSync(envFile, `export TICKERML_PG_URL=${url}\n`);
    const pg = await requireService('postgres', { env: { CI: 'true' }, envFile });
    expect(pg).toEqual({ name: 'postgres', url });
  });

  it('rejects an address without a port clearly', async () => {
    const env = { CI: 'true', TICKERML_KAFKA_BROKERS: 'localhost' };
    await expect(requireService('kafka', { env, envFile: missingEnvFile })).rejects.toThrow(
      /TICKERML_KAFKA_BROKERS=localhost is not a valid address \(no port in localhost\)/,
    );
  });
});
