import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// "Paper trading never trains" (DESIGN.md, "Learning"): the modules the pi-trader runs never
// import the trainer or TensorFlow.js, and none of them holds a call that computes gradients or
// updates weights. The walk follows the source import graph from the pi-trader's entry points:
// relative imports (.js → .ts) and workspace packages (@tickerml/x → packages/x/src, through the
// package's exports), static and dynamic, so a lazily imported module counts too.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g;

function workspaceEntry(specifier: string): string | undefined {
  const match = /^@tickerml\/([^/]+)(\/.*)?$/.exec(specifier);
  if (match === null) return undefined;
  const dir = join(root, 'packages', match[1] as string);
  if (!existsSync(join(dir, 'package.json'))) return undefined;
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    exports?: Record<string, { '@tickerml/source'?: string } | string>;
  };
  const entry = manifest.exports?.[`.${match[2] ?? ''}`];
  const source = typeof entry === 'object' ? entry['@tickerml/source'] : undefined;
  return source === undefined ? undefined : join(dir, source);
}

function resolveImport(from: string, specifier: string): string | undefined {
  if (specifier.startsWith('.')) {
    const base = resolve(dirname(from), specifier);
    for (const candidate of [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, join(base, 'index.ts')]) {
      if (existsSync(candidate) && candidate.endsWith('.ts')) return candidate;
    }
    return undefined;
  }
  return workspaceEntry(specifier);
}

/** Every source module reachable from `entries`, and every bare specifier imported on the way (with its importer). */
function importGraph(entries: readonly string[]): { modules: Set<string>; external: Map<string, string> } {
  const modules = new Set<string>();
  const external = new Map<string, string>();
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (modules.has(file)) continue;
    modules.add(file);
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const specifier = match[1] as string;
      if (!specifier.startsWith('.') && !external.has(specifier)) external.set(specifier, file);
      const target = resolveImport(file, specifier);
      if (target !== undefined) queue.push(target);
    }
  }
  return { modules, external };
}

const piTraderEntries = ['main.ts', 'app.ts', 'policy.ts', 'collect.ts', 'live.ts', 'demo.ts']
  .map((f) => join(root, 'examples', 'pi-trader', 'src', f))
  .filter((f) => existsSync(f));

describe('paper trading never trains', () => {
  const { modules, external } = importGraph(piTraderEntries);

  it('walks the real graph (the policy, the encoder and the engine are reached)', () => {
    const reached = [...modules].map((m) => m.slice(root.length + 1));
    expect(reached).toContain('packages/rl/src/encoder.ts');
    expect(reached).toContain('examples/pi-trader/src/policy.ts');
    expect(reached.some((m) => m.startsWith('packages/execution/src/'))).toBe(true);
  });

  it('never imports @tickerml/rl-trainer or @tensorflow/* from anything the pi-trader runs', () => {
    const offending = [...external]
      .filter(([specifier]) => specifier.startsWith('@tickerml/rl-trainer') || specifier.startsWith('@tensorflow/'))
      .map(([specifier, importer]) => `${importer.slice(root.length + 1)} imports ${specifier}`);
    expect(offending).toEqual([]);
    expect([...modules].filter((m) => m.includes('/packages/rl-trainer/'))).toEqual([]);
  });

  it('has no code path that computes gradients or updates weights', () => {
    // tfjs gradients and optimisers, onnxruntime's training API, and the trainer's own entry points.
    const training =
      /\b(variableGrads|valueAndGrads|TrainingSession|CheckpointState|runTrainStep|runOptimizerStep|trainStep|trainDecisionTransformer|pretrainBackbone|AdamW)\b/;
    const offending = [...modules]
      .filter((m) => !m.endsWith('.test.ts'))
      .filter((m) => training.test(readFileSync(m, 'utf8')))
      .map((m) => m.slice(root.length + 1));
    expect(offending).toEqual([]);
  });

  it('would notice the trainer: the same walk from the pc-trainer reaches it', () => {
    const { external: trainerExternal } = importGraph([
      join(root, 'examples', 'pc-trainer', 'src', 'commands', 'pretrain.ts'),
    ]);
    expect([...trainerExternal.keys()]).toContain('@tickerml/rl-trainer');
    const { modules: trainerModules } = importGraph([
      join(root, 'examples', 'pc-trainer', 'src', 'commands', 'pretrain.ts'),
    ]);
    const source = [...trainerModules].map((m) => readFileSync(m, 'utf8')).join('\n');
    expect(source).toMatch(/variableGrads/);
  });
});
