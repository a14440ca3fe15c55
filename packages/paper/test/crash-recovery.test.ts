/**
 * Crash recovery with a real process: a paper trader over the real Binance recording is killed
 * with SIGKILL mid-run, restarted on the same database, and must end with exactly the account of
 * an uninterrupted run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const PKG = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'paper-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first line matching `test`. */
  waitFor(test: (line: string) => boolean): Promise<string>;
}

function start(db: string): Run {
  const child = spawn(
    process.execPath,
    ['--conditions=@tickerml/source', '--import', 'tsx', 'test/replay-child.ts', '--db', db],
    { cwd: PKG, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: string[] = [];
  const waiters: { test: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  let buf = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buf += chunk.toString();
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      lines.push(line);
      for (const w of waiters.splice(0)) w.test(line) ? w.resolve(line) : waiters.push(w);
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      if (code !== 0 && signal === null) console.error(err);
      resolve({ code, signal });
    }),
  );
  return {
    child,
    lines,
    exited,
    waitFor: (test) => {
      const hit = lines.find(test);
      if (hit !== undefined) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        waiters.push({ test, resolve });
        void exited.then(() =>
          reject(
            new Error(
              `process exited before the line was seen; last lines: ${lines.slice(-3).join(' | ')}; stderr: ${err.slice(-500)}`,
            ),
          ),
        );
      });
    },
  };
}

const result = (run: Run): unknown =>
  JSON.parse((run.lines.find((l) => l.startsWith('result ')) ?? 'result null').slice('result '.length));

describe('crash recovery (real child process, SIGKILL)', () => {
  it('a run killed mid-way and restarted ends with the same cash, positions, fills and realised P&L as an uninterrupted run', async () => {
    const whole = start(join(dir, 'whole.sqlite'));
    expect((await whole.exited).code).toBe(0);
    const expected = result(whole) as { fills: number };
    expect(expected.fills).toBeGreaterThan(10);

    const db = join(dir, 'killed.sqlite');
    const first = start(db);
    // Wait until it has committed a checkpoint well into the recording, then kill -9.
    await first.waitFor((l) => l.startsWith('checkpoint ') && Number(l.split(' ')[2]) >= 4_000);
    first.child.kill('SIGKILL');
    const killed = await first.exited;
    expect(killed.signal).toBe('SIGKILL');
    expect(first.lines.some((l) => l.startsWith('result '))).toBe(false); // it really died mid-run

    const second = start(db);
    expect((await second.exited).code).toBe(0);
    const recovered = second.lines.find((l) => l.startsWith('recovered '));
    expect(Number(recovered?.split(' ')[2])).toBeGreaterThanOrEqual(4_000);
    expect(result(second)).toEqual(expected);
  }, 120_000);
});
