import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

// Runs the repository's real biome.json (and its GritQL plugin) over sample files laid out like the
// packages, in a scratch directory, so the wall-clock / randomness rule is proven to fire where it
// must and to stay quiet where it must not, without writing into anyone's package.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const biome = join(root, 'node_modules', '.bin', 'biome');
const run = promisify(execFile);

interface Diagnostic {
  readonly category: string;
  readonly message: string;
  readonly location: { readonly path: string };
}

const FORBIDDEN = [
  'export const a = Date.now();',
  'export const b = Math.random();',
  'export const c = performance.now();',
  'export const d = new Date();',
  'setTimeout(() => {}, 10);',
  'clearInterval(setInterval(() => {}, 10));',
  'globalThis.setTimeout(() => {}, 1);',
  'export const later = setTimeout;',
];

let scratch: string;
let diagnostics: Diagnostic[];

function sample(path: string): void {
  mkdirSync(join(scratch, dirname(path)), { recursive: true });
  writeFileSync(join(scratch, path), `${FORBIDDEN.join('\n')}\n`);
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'tickerml-lint-'));
  const config = JSON.parse(readFileSync(join(root, 'biome.json'), 'utf8')) as Record<string, unknown>;
  delete config['$schema'];
  config['vcs'] = { enabled: false };
  writeFileSync(join(scratch, 'biome.json'), JSON.stringify(config));
  mkdirSync(join(scratch, 'lint'));
  for (const file of readdirSync(join(root, 'lint')))
    copyFileSync(join(root, 'lint', file), join(scratch, 'lint', file));

  for (const pkg of ['microstructure', 'execution', 'risk', 'rl']) {
    sample(`packages/${pkg}/src/model/sample.ts`);
    sample(`packages/${pkg}/src/sample.test.ts`);
    sample(`packages/${pkg}/src/sample.bench.ts`);
  }
  sample('packages/exchanges/src/sample.ts');
  sample('packages/core/src/clock.ts');

  // biome exits non-zero when it finds errors; the JSON report on stdout is what we read.
  const result = await run(biome, ['lint', '--reporter=json', '--max-diagnostics=none', '.'], { cwd: scratch }).catch(
    (error: { stdout: string }) => error,
  );
  diagnostics = (JSON.parse(result.stdout) as { diagnostics: Diagnostic[] }).diagnostics.filter(
    (d) => d.category === 'plugin' || d.category === 'lint/style/noRestrictedGlobals',
  );
}, 60_000);

function linesFlagged(path: string): number {
  return diagnostics.filter((d) => d.location.path === path).length;
}

describe('no wall clock, timers or Math.random in simulation packages', () => {
  for (const pkg of ['microstructure', 'execution', 'risk', 'rl']) {
    it(`flags every forbidden call in packages/${pkg} sources`, () => {
      const path = `packages/${pkg}/src/model/sample.ts`;
      const messages = diagnostics.filter((d) => d.location.path === path).map((d) => d.message);
      // One diagnostic per forbidden line (clearInterval(setInterval()) flags the setInterval only).
      expect(messages.length).toBe(FORBIDDEN.length);
      expect(messages.some((m) => /injected Clock/.test(m))).toBe(true);
    });

    it(`leaves packages/${pkg} tests and benchmarks alone`, () => {
      expect(linesFlagged(`packages/${pkg}/src/sample.test.ts`)).toBe(0);
      expect(linesFlagged(`packages/${pkg}/src/sample.bench.ts`)).toBe(0);
    });
  }

  it('does not apply to adapters and core, which own the real clock', () => {
    expect(linesFlagged('packages/exchanges/src/sample.ts')).toBe(0);
    expect(linesFlagged('packages/core/src/clock.ts')).toBe(0);
  });
});
