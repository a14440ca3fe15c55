#!/usr/bin/env node
// Generates the mermaid graph of the workspace packages in docs/architecture.md from their
// package.json files, between the markers
//   <!-- architecture-graph:start --> ... <!-- architecture-graph:end -->
// An arrow A --> B means A depends on B at run time (dependencies, peerDependencies,
// optionalDependencies); a dotted arrow A -.-> B is a devDependency (tests, benchmarks).
//
// Usage: node scripts/architecture.mjs           rewrite the block in docs/architecture.md
//        node scripts/architecture.mjs --check   exit 1 (with a diff hint) when the doc is out of date
//        --doc <path>                            use another markdown file (tests)
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const START = '<!-- architecture-graph:start -->';
const END = '<!-- architecture-graph:end -->';

// Layers, bottom to top. A package not listed here still appears, under "unassigned", so a new
// package can never be left out of the picture; give it a layer here when it lands.
const LAYERS = [
  ['foundation', 'Foundation', ['core']],
  ['models', 'Domain models (pure, clock injected)', ['microstructure', 'risk']],
  ['adapters', 'Adapters (I/O)', ['exchanges', 'storage', 'streaming', 'news']],
  ['engine', 'Engine', ['execution', 'paper']],
  ['learning', 'Learning', ['rl', 'rl-trainer']],
  ['surfaces', 'Surfaces', ['dashboard', 'cli']],
];

/** Mermaid node ids are safest as plain identifiers: `pi-trader` becomes `pi_trader`. */
const mermaidId = (id) => id.replace(/[^A-Za-z0-9_]/g, '_');

function readWorkspace() {
  const nodes = [];
  for (const dir of ['packages', 'examples']) {
    const base = join(root, dir);
    if (!existsSync(base)) continue;
    for (const entry of readdirSync(base, { withFileTypes: true })) {
      const manifestPath = join(base, entry.name, 'package.json');
      if (!entry.isDirectory() || !existsSync(manifestPath)) continue;
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
      nodes.push({ id: entry.name, kind: dir, name: manifest.name, manifest });
    }
  }
  return nodes.sort((a, b) => a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id));
}

function workspaceDeps(manifest, fields, byName) {
  const deps = new Set();
  for (const field of fields) {
    for (const dep of Object.keys(manifest[field] ?? {})) {
      const target = byName.get(dep);
      if (target !== undefined) deps.add(target.id);
    }
  }
  return [...deps].sort();
}

/** The mermaid block (without markers) for the current package.json files. */
export function renderGraph() {
  const nodes = readWorkspace();
  const byName = new Map(nodes.map((node) => [node.name, node]));
  const lines = ['```mermaid', 'graph BT'];
  const placed = new Set();
  const group = (key, title, ids) => {
    const members = ids.filter((id) => nodes.some((node) => node.id === id && !placed.has(id)));
    if (members.length === 0) return;
    lines.push(`  subgraph ${key}["${title}"]`);
    for (const id of members) {
      const node = nodes.find((n) => n.id === id);
      lines.push(`    ${mermaidId(id)}["${node.name}"]`);
      placed.add(id);
    }
    lines.push('  end');
  };
  for (const [key, title, ids] of LAYERS) group(key, title, ids);
  group(
    'unassigned',
    'Unassigned (add to LAYERS in scripts/architecture.mjs)',
    nodes.filter((n) => n.kind === 'packages').map((n) => n.id),
  );
  group(
    'apps',
    'Example apps',
    nodes.filter((n) => n.kind === 'examples').map((n) => n.id),
  );
  for (const node of nodes) {
    const runtime = workspaceDeps(node.manifest, ['dependencies', 'peerDependencies', 'optionalDependencies'], byName);
    for (const dep of runtime) {
      lines.push(`  ${mermaidId(node.id)} --> ${mermaidId(dep)}`);
    }
    // A package that is also a dev dependency (a peer installed for tests) is drawn once, solid.
    for (const dep of workspaceDeps(node.manifest, ['devDependencies'], byName)) {
      if (runtime.includes(dep)) continue;
      lines.push(`  ${mermaidId(node.id)} -.-> ${mermaidId(dep)}`);
    }
  }
  lines.push('```');
  return lines.join('\n');
}

/** Replaces the block between the markers; throws when the markers are missing. */
export function withGraph(markdown, graph) {
  const start = markdown.indexOf(START);
  const end = markdown.indexOf(END);
  if (start < 0 || end < start) throw new Error(`the markers ${START} and ${END} are missing or out of order`);
  return `${markdown.slice(0, start + START.length)}\n${graph}\n${markdown.slice(end)}`;
}

function main() {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const docIndex = args.indexOf('--doc');
  const doc = docIndex >= 0 ? args[docIndex + 1] : join(root, 'docs', 'architecture.md');
  const current = readFileSync(doc, 'utf8');
  const next = withGraph(current, renderGraph());
  if (check) {
    if (next !== current) {
      console.error(`${doc} is out of date with the package.json files: run \`node scripts/architecture.mjs\``);
      process.exit(1);
    }
    console.log(`${doc}: package graph up to date`);
    return;
  }
  if (next !== current) writeFileSync(doc, next);
  console.log(`${doc}: package graph ${next === current ? 'already up to date' : 'updated'}`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    main();
  } catch (error) {
    console.error(`architecture: ${error.message}`);
    process.exit(1);
  }
}
