import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const APP = fileURLToPath(new URL('..', import.meta.url));
/** tsx's loader by absolute URL: the process runs in a scratch directory. */
const TSX = new URL('../../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

/** A pi-trader process and what it printed so far. */
export interface AppProcess {
  readonly child: ChildProcess;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
  out(): string;
  err(): string;
}

/**
 * Starts the same entry point as `pnpm pi-trader` (src/main.ts, from its TypeScript sources) with
 * `args`, in `cwd`, with `env` over this process's environment, collecting stdout and stderr.
 */
export function startApp(args: readonly string[], cwd: string, env: Record<string, string> = {}): AppProcess {
  const child = spawn(
    process.execPath,
    ['--conditions=@tickerml/source', '--import', TSX, join(APP, 'src/main.ts'), ...args],
    { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => out, err: () => err };
}
