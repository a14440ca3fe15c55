#!/usr/bin/env node
// Checks every publishable package under packages/ the way a consumer will see it:
//   publint  (--strict, on the tarball `pnpm pack` produces): exports map, files, types, module format;
//   attw     (are-the-types-wrong, --pack --profile esm-only): types resolve under node16 ESM and bundlers.
// Packages must be built first (`pnpm build`): both tools read dist/, which is what ships.
//
// Usage: node scripts/check-packages.mjs [name ...]   (names like `core`; default: every package)
// Exit 0 when every package passes, 1 otherwise, with a summary naming what failed.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const wanted = new Set(process.argv.slice(2));

const packages = readdirSync(join(root, 'packages'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(root, 'packages', entry.name, 'package.json')))
  .map((entry) => {
    const dir = join(root, 'packages', entry.name);
    return { short: entry.name, dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) };
  })
  .filter((pkg) => wanted.size === 0 || wanted.has(pkg.short) || wanted.has(pkg.manifest.name));

for (const name of wanted) {
  if (!packages.some((pkg) => pkg.short === name || pkg.manifest.name === name)) {
    console.error(`check-packages: no package named ${name} under packages/`);
    process.exit(1);
  }
}

/** Runs a tool, streaming its output, and returns whether it exited 0. */
function run(label, command, args, cwd) {
  console.log(`\n--- ${label}: ${relative(root, command)} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd, stdio: 'inherit', env: { ...process.env, FORCE_COLOR: '0' } });
  if (result.error) console.error(`${label}: could not run: ${result.error.message}`);
  return result.status === 0;
}

/** The files the manifest promises (types, default export) that the build must have produced. */
function missingBuildOutputs(pkg) {
  const promised = new Set();
  const walk = (value) => {
    if (typeof value === 'string') {
      if (value.startsWith('./dist/')) promised.add(value);
    } else if (value !== null && typeof value === 'object') {
      for (const inner of Object.values(value)) walk(inner);
    }
  };
  walk(pkg.manifest.exports);
  walk(pkg.manifest.main);
  walk(pkg.manifest.types);
  return [...promised].filter((path) => !existsSync(join(pkg.dir, path)));
}

const failures = [];
for (const pkg of packages) {
  const name = pkg.manifest.name ?? pkg.short;
  console.log(`\n=== ${name}`);
  if (pkg.manifest.private === true) {
    console.log(`${name} is private: not published, skipped`);
    continue;
  }
  const missing = missingBuildOutputs(pkg);
  if (missing.length > 0) {
    failures.push(`${name}: not built, missing ${missing.join(', ')} (run \`pnpm build\` first)`);
    console.error(failures.at(-1));
    continue;
  }
  if (!run('publint', bin('publint'), ['run', '.', '--strict', '--pack', 'pnpm'], pkg.dir)) {
    failures.push(`${name}: publint reported problems (see above)`);
  }
  if (!run('attw', bin('attw'), ['--pack', '.', '--profile', 'esm-only', '--no-emoji', '--no-color'], pkg.dir)) {
    failures.push(`${name}: are-the-types-wrong reported problems (see above)`);
  }
}

console.log('\n=== summary');
if (failures.length === 0) {
  console.log(`check-packages: ${packages.length} package(s) pass publint and attw (esm-only)`);
} else {
  for (const failure of failures) console.error(`FAIL ${failure}`);
  process.exit(1);
}
