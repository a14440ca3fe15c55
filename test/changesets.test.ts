import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Every pending changeset must be one `changeset version` can read: a front matter of
// `"<workspace package>": major|minor|patch` lines between two `---` lines, then a summary.
// A formatter once turned a front matter line into a Markdown heading and `changeset status`
// failed on it; this catches that before a release does.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, '.changeset');

function workspacePackages(): Set<string> {
  const names = new Set<string>();
  for (const group of ['packages', 'examples']) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const entry of readdirSync(base)) {
      const manifest = join(base, entry, 'package.json');
      if (existsSync(manifest)) names.add((JSON.parse(readFileSync(manifest, 'utf8')) as { name: string }).name);
    }
  }
  return names;
}

const files = readdirSync(dir).filter((f) => f.endsWith('.md') && f !== 'README.md');

describe('pending changesets', () => {
  const known = workspacePackages();
  it.each(files)('%s has a readable front matter naming workspace packages', (file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    const m = /^---\n([\s\S]*?)\n---\n+(\S[\s\S]*)$/.exec(text);
    expect(m, `${file}: expected '---', package lines, '---', then a summary`).not.toBeNull();
    const lines = (m?.[1] ?? '').split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      const entry = /^"(@tickerml\/[a-z0-9-]+)": (major|minor|patch)$/.exec(line);
      expect(entry, `${file}: front matter line '${line}'`).not.toBeNull();
      expect(known.has(entry?.[1] ?? ''), `${file}: '${entry?.[1]}' is not a workspace package`).toBe(true);
    }
  });
});
