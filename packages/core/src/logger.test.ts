import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { closeLogger, createLogger, LogDirectoryError } from './logger.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function memory(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('writes structured JSON and redacts secrets at any of the first levels', () => {
    const sink = memory();
    const log = createLogger({ destination: sink.stream, name: 'test', redactKeys: ['x-mbx-apikey'] });
    log.info(
      {
        venue: 'kraken',
        apiKey: 'AKIA',
        config: { secret: 's', passphrase: 'p', nested: { token: 't' } },
        headers: { 'x-mbx-apikey': 'k' },
      },
      'connected',
    );
    log.debug('hidden at info level');
    const [line, ...rest] = sink.lines();
    expect(rest).toEqual([]);
    expect(line).toMatchObject({
      level: 30,
      name: 'test',
      msg: 'connected',
      venue: 'kraken',
      apiKey: '[REDACTED]',
      config: { secret: '[REDACTED]', passphrase: '[REDACTED]', nested: { token: '[REDACTED]' } },
      headers: { 'x-mbx-apikey': '[REDACTED]' },
    });
    expect(typeof line?.time).toBe('string');
    expect(JSON.stringify(line)).not.toMatch(/AKIA|"s"|"p"|"t"|"k"/);
  });

  it('writes to a daily-rotated file in the directory through pino-roll', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tickerml-logs-'));
    dirs.push(dir);
    const log = createLogger({ dir: join(dir, 'nested'), level: 'debug' });
    log.debug({ token: 'secret-token', n: 1 }, 'first');
    log.warn('second');
    await closeLogger(log);
    const files = readdirSync(join(dir, 'nested'));
    const today = new Date().toISOString().slice(0, 10);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^tickerml\.\d{4}-\d{2}-\d{2}\.1\.log$/);
    // pino-roll names by local date; in UTC containers this is today's UTC date
    if (new Date().getTimezoneOffset() === 0) expect(files[0]).toContain(today);
    const lines = readFileSync(join(dir, 'nested', files[0] as string), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l: { msg: string }) => l.msg)).toEqual(['first', 'second']);
    expect(lines[0].token).toBe('[REDACTED]');
  });
});

describe('createLogger with an unusable directory', () => {
  it('fails at start naming the directory when it cannot be created (a /proc path once hung the process)', () => {
    const started = Date.now();
    expect(() => createLogger({ dir: '/proc/nolog' })).toThrow(LogDirectoryError);
    expect(() => createLogger({ dir: '/proc/nolog' })).toThrow(/\/proc\/nolog/);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('fails at start when a path component is a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tickerml-logs-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'file'), '');
    expect(() => createLogger({ dir: join(dir, 'file', 'logs') })).toThrow(/file.*not a directory/);
  });

  it('never blocks or throws at shutdown when the directory goes bad after start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tickerml-logs-'));
    dirs.push(dir);
    const errors: unknown[] = [];
    // 1: the directory becomes a file before the log thread opens its file.
    const asFile = join(dir, 'logs');
    const first = createLogger({ dir: asFile, onError: (e) => errors.push(e) });
    rmSync(asFile, { recursive: true });
    writeFileSync(asFile, '');
    first.info('lost');
    // 2: the directory's parent becomes /proc, where a recursive mkdir loops forever.
    const parent = join(dir, 'link');
    const second = createLogger({ dir: join(parent, 'nolog'), onError: (e) => errors.push(e) });
    rmSync(parent, { recursive: true });
    symlinkSync('/proc', parent);
    second.info('lost too');
    const started = Date.now();
    await closeLogger(first, { timeoutMs: 2_000 });
    await closeLogger(second, { timeoutMs: 2_000 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(errors.length).toBeGreaterThanOrEqual(2);
  });
});
