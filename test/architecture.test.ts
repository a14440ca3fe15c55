import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// docs/architecture.md must draw the packages as their package.json files say they are. The
// expected edges are computed here independently of scripts/architecture.mjs, from the manifests.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const doc = join(root, 'docs', 'architecture.md');
const script = join(root, 'scripts', 'architecture.mjs');
const run = promisify(execFile);

interface Manifest {
  readonly name: string;
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
}

function manifests(): Map<string, Manifest> {
  const found = new Map<string, Manifest>();
  for (const dir of ['packages', 'examples']) {
    const base = join(root, dir);
    if (!existsSync(base)) continue;
    for (const entry of readdirSync(base)) {
      const path = join(base, entry, 'package.json');
      if (existsSync(path)) found.set(entry, JSON.parse(readFileSync(path, 'utf8')) as Manifest);
    }
  }
  return found;
}

/** Edges as `dependent -> dependency` package names, from the manifests. */
function expectedEdges(): { runtime: Set<string>; dev: Set<string> } {
  const names = new Set([...manifests().values()].map((m) => m.name));
  const runtime = new Set<string>();
  const dev = new Set<string>();
  for (const m of manifests().values()) {
    for (const field of [m.dependencies, m.peerDependencies, m.optionalDependencies]) {
      for (const dep of Object.keys(field ?? {})) if (names.has(dep)) runtime.add(`${m.name} -> ${dep}`);
    }
    for (const dep of Object.keys(m.devDependencies ?? {})) {
      if (names.has(dep) && !runtime.has(`${m.name} -> ${dep}`)) dev.add(`${m.name} -> ${dep}`);
    }
  }
  return { runtime, dev };
}

/** Nodes and edges drawn in the doc, with mermaid ids translated back to package names. */
function documented(): { runtime: Set<string>; dev: Set<string>; names: string[] } {
  const text = readFileSync(doc, 'utf8');
  const block = /<!-- architecture-graph:start -->([\s\S]*?)<!-- architecture-graph:end -->/.exec(text)?.[1] ?? '';
  const nameById = new Map<string, string>();
  const edges: { from: string; to: string; dev: boolean }[] = [];
  for (const line of block.split('\n')) {
    const edge = /^\s*(\w+) (-->|-\.->) (\w+)\s*$/.exec(line);
    if (edge?.[1] && edge[3]) edges.push({ from: edge[1], to: edge[3], dev: edge[2] === '-.->' });
    const node = /^\s*(\w+)\["([^"]+)"\]\s*$/.exec(line);
    if (node?.[1] && node[2]) nameById.set(node[1], node[2]);
  }
  const runtime = new Set<string>();
  const dev = new Set<string>();
  for (const { from, to, dev: isDev } of edges) {
    const label = `${nameById.get(from) ?? `<undeclared node ${from}>`} -> ${nameById.get(to) ?? `<undeclared node ${to}>`}`;
    (isDev ? dev : runtime).add(label);
  }
  return { runtime, dev, names: [...nameById.values()] };
}

describe('docs/architecture.md', () => {
  it('draws every workspace package, once, under its package name', () => {
    const expected = [...manifests().values()].map((m) => m.name).sort();
    expect(documented().names.sort()).toEqual(expected);
  });

  it('draws exactly the dependencies the package.json files declare', () => {
    const expected = expectedEdges();
    const actual = documented();
    expect([...actual.runtime].sort()).toEqual([...expected.runtime].sort());
    expect([...actual.dev].sort()).toEqual([...expected.dev].sort());
  });

  it('is what scripts/architecture.mjs generates (run it after changing a dependency)', async () => {
    await expect(run('node', [script, '--check'])).resolves.toBeDefined();
  });

  it('is reported out of date when a dependency is missing from the picture', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'tickerml-arch-'));
    const stale = join(scratch, 'architecture.md');
    writeFileSync(stale, readFileSync(doc, 'utf8').replace(/^ {2}microstructure --> core\n/m, ''));
    await expect(run('node', [script, '--check', '--doc', stale])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/out of date/),
    });
  });
});
