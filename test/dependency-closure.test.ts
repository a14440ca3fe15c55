import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The box never installs TensorFlow.js (DESIGN.md, "Learning"): the pi-trader's production
// dependency closure, and that of @tickerml/rl (the encoder, datasets and ONNX policy the box
// runs), must not contain @tensorflow/*. The closure is walked the way Node resolves packages
// (node_modules of the package, then of its parents, following pnpm's and the workspace's links),
// over what an install of the package would bring: dependencies, optionalDependencies and
// non-optional peerDependencies; never devDependencies.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

interface Manifest {
  readonly name?: string;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** The directory of `name` as Node would resolve it from `fromDir`, real path, or undefined. */
function resolvePackage(name: string, fromDir: string): string | undefined {
  let dir = fromDir;
  for (;;) {
    const candidate = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(candidate)) return realpathSync(dirname(candidate));
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Every package (name → how it is reached) in the production closure of the package at `dir`. */
function productionClosure(dir: string): { packages: Map<string, string[]>; missing: string[] } {
  const packages = new Map<string, string[]>();
  const missing: string[] = [];
  const seen = new Set<string>();
  const queue: { dir: string; path: string[] }[] = [{ dir: realpathSync(dir), path: [] }];
  while (queue.length > 0) {
    const { dir: at, path } = queue.shift() as { dir: string; path: string[] };
    if (seen.has(at)) continue;
    seen.add(at);
    const manifest = JSON.parse(readFileSync(join(at, 'package.json'), 'utf8')) as Manifest;
    const required = [
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}).filter(
        (p) => manifest.peerDependenciesMeta?.[p]?.optional !== true,
      ),
    ];
    const optional = Object.keys(manifest.optionalDependencies ?? {});
    for (const name of [...required, ...optional]) {
      const found = resolvePackage(name, at);
      const via = [...path, name];
      if (found === undefined) {
        if (!optional.includes(name)) missing.push(via.join(' > '));
        continue;
      }
      if (!packages.has(name)) packages.set(name, via);
      queue.push({ dir: found, path: via });
    }
  }
  return { packages, missing };
}

const tensorflow = (closure: Map<string, string[]>) =>
  [...closure].filter(([name]) => name.startsWith('@tensorflow/')).map(([, via]) => via.join(' > '));

describe('production dependency closure', () => {
  it('of the pi-trader (the box) holds no @tensorflow/* package', () => {
    const { packages, missing } = productionClosure(join(root, 'examples', 'pi-trader'));
    expect(missing).toEqual([]);
    expect(packages.has('@tickerml/core')).toBe(true);
    expect(packages.size).toBeGreaterThan(20);
    expect(tensorflow(packages)).toEqual([]);
    expect(packages.get('@tickerml/rl-trainer')).toBeUndefined();
  });

  it('of @tickerml/rl (the encoder, datasets and ONNX policy) holds no @tensorflow/* package', () => {
    const { packages, missing } = productionClosure(join(root, 'packages', 'rl'));
    expect(missing).toEqual([]);
    expect(packages.has('apache-arrow')).toBe(true);
    expect(tensorflow(packages)).toEqual([]);
  });

  it('finds TensorFlow.js where it is: in @tickerml/rl-trainer, through its dependencies', () => {
    // The walk above could pass by seeing nothing; here the same walk must see the tfjs packages.
    const { packages } = productionClosure(join(root, 'packages', 'rl-trainer'));
    expect(tensorflow(packages)).toContain('@tensorflow/tfjs-core');
    expect(tensorflow(packages).some((via) => via.startsWith('@tensorflow/tfjs > '))).toBe(true);
  });
});
