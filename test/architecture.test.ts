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

function expectedEdges(): { runtime: Set<string>; dev: Set<string> } {
  const all = manifests();
  const idByName = new Map([...all].map(([id, m]) => [m.name, id]));
  const runtime = new Set<string>();
  const dev = new Set<string>();
  for (const [id, m] of all) {
    for (const field of [m.dependencies, m.peerDependencies, m.optionalDependencies]) {
      for (const dep of Object.keys(field ?? {})) {
        const target = idByName.get(dep);
        if (target !== undefined) runtime.add(`${id} -> ${target}`);
      }
    }
    for (const dep of Object.keys(m.devDependencies ?? {})) {
      const target = idByName.get(dep);
      if (target !== undefined && !runtime.has(`${id} -> ${target}`)) dev.add(`${id} -> ${target}`);
    }
  }
  return { runtime, dev };
}

function documented(): { runtime: Set<string>; dev: Set<string>; nodes: Map<string, string> } {
  const text = readFileSync(doc, 'utf8');
  const block = /<!-- architecture-graph:start -->([\s\S]*?)<!-- architecture-graph:end -->/.exec(text)?.[1] ?? '';
  const runtime = new Set<string>();
  const dev = new Set<string>();
  const nodes = new Map<string, string>();
  for (const line of block.split('\n')) {
    const solid = /^\s*(\S+) --> (\S+)\s*$/.exec(line);
    if (solid) runtime.add(`${solid[1]} -> ${solid[2]}`);
    const dotted = /^\s*(\S+) -\.-> (\S+)\s*$/.exec(line);
    if (dotted) dev.add(`${dotted[1]} -> ${dotted[2]}`);
    const node = /^\s*(\S+)\["(@tickerml\/[^"]+|[^"]+)"\]\s*$/.exec(line);
    if (node?.[1] && node[2] && !line.includes('subgraph')) nodes.set(node[1], node[2]);
  }
  return { runtime, dev, nodes };
}

describe('docs/architecture.md', () => {
  it('draws every workspace package under its package name', () => {
    const { nodes } = documented();
    for (const [id, m] of manifests()) expect(nodes.get(id), `node for ${m.name}`).toBe(m.name);
    expect(nodes.size).toBe(manifests().size);
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
