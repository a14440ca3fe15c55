#!/usr/bin/env node
// The SDK as a user meets it (issue 15): packs every publishable package with `pnpm pack`,
// installs the tarballs with npm into a temporary project outside the workspace (no workspace
// links: every @tickerml/* dependency is forced to its tarball), and then
//   1. compiles, with tsc strict and skipLibCheck off, a consumer importing every public entry
//      point (read from each package.json's `exports`) plus the bot of
//      docs/guides/your-first-bot.md (every code block marked `file=...`, written as is);
//   2. imports every entry point at run time;
//   3. runs `tickerml --help` and `tickerml backtest` on the bundled Binance recording, with a
//      loader hook that refuses pg, pg-copy-streams, kafkajs, ccxt and better-sqlite3 (a command
//      must not load a backend it does not use);
//   4. runs the guide's backtest and paper-trading bot on the same recording;
//   5. asserts dependency closures in projects of their own: @tickerml/microstructure pulls no
//      pg, kafkajs, ccxt or native addon; @tickerml/exchanges pulls no ccxt; the guide's backtest
//      set (core, exchanges, microstructure, execution, risk) no backend and no native addon.
//
// Usage: node scripts/consumer-check.mjs [--keep] [--only name,name]
//   --keep  leave the temporary directory for inspection (its path is printed)
//   --only  pack and check only these packages (unscoped names, e.g. core,exchanges); for
//           development while a package does not build. CI runs it without.
// Native addons: better-sqlite3 is built from source (npm_config_nodedir=/usr when /usr/include/node
// exists); other install scripts are not run (onnxruntime-node and tfjs-node download binaries).
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const keep = args.includes('--keep');
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? new Set((args[onlyIndex + 1] ?? '').split(',').filter(Boolean)) : undefined;
const GUIDE = join(root, 'docs', 'guides', 'your-first-bot.md');
const RECORDING = join(root, 'examples', 'pi-trader', 'recordings', 'binance', 'hftbacktest_spot_btcusdt_20240808.gz');
const BACKENDS = ['pg', 'pg-copy-streams', 'kafkajs', 'ccxt', 'better-sqlite3'];
const START = Date.now();

const step = (text) =>
  console.log(`\n--- [consumer ${String(Math.round((Date.now() - START) / 1000)).padStart(4)}s] ${text}`);
const fail = (text) => {
  console.error(`consumer-check: FAILED: ${text}`);
  process.exit(1);
};

/** Runs a command; returns stdout. Fails the check (with the output) on a non-zero exit. */
function run(cmd, cmdArgs, options = {}) {
  const result = spawnSync(cmd, cmdArgs, {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    ...options,
    env: { ...process.env, ...options.env },
  });
  if (result.status !== 0) {
    console.error(result.stdout);
    console.error(result.stderr);
    fail(
      `${cmd} ${cmdArgs.join(' ')} exited with ${result.status ?? result.signal}${options.cwd ? ` in ${options.cwd}` : ''}`,
    );
  }
  return result.stdout;
}

const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));
const rootManifest = readJson(join(root, 'package.json'));

// ---------------------------------------------------------------------------------------------
step('publishable packages');
const packages = readdirSync(join(root, 'packages'))
  .map((dir) => ({ dir: join(root, 'packages', dir), id: dir }))
  .filter((p) => existsSync(join(p.dir, 'package.json')))
  .map((p) => ({ ...p, manifest: readJson(join(p.dir, 'package.json')) }))
  .filter((p) => p.manifest.private !== true && (only === undefined || only.has(p.id)));
if (packages.length === 0) fail('no publishable package found');
console.log(packages.map((p) => `${p.manifest.name}@${p.manifest.version}`).join('\n'));

step('build (tsc -b)');
run('npx', ['tsc', '-b', ...packages.map((p) => relative(root, p.dir))], { cwd: root, stdio: 'inherit' });

const work = mkdtempSync(join(tmpdir(), 'tickerml-consumer-'));
if (relative(root, work).startsWith('..') === false) fail(`the temporary project ${work} is inside the workspace`);
console.log(`temporary directory ${work}`);
try {
  step('pnpm pack');
  const tarballDir = join(work, 'tarballs');
  mkdirSync(tarballDir);
  const tarballs = new Map();
  for (const p of packages) {
    const before = new Set(readdirSync(tarballDir));
    run('pnpm', ['pack', '--pack-destination', tarballDir], { cwd: p.dir });
    const made = readdirSync(tarballDir).filter((f) => !before.has(f));
    if (made.length !== 1) fail(`pnpm pack of ${p.manifest.name} made ${made.length} files`);
    tarballs.set(p.manifest.name, join(tarballDir, made[0]));
    const size = statSync(join(tarballDir, made[0])).size;
    console.log(`${made[0]} ${(size / 1024).toFixed(0)} KiB`);
  }

  /**
   * An npm project depending on `names` (and `extra` from the registry), with every @tickerml/*
   * forced to its tarball wherever it appears in the tree.
   */
  function project(dir, names, extra = {}, devExtra = {}) {
    mkdirSync(dir, { recursive: true });
    const dependencies = {};
    const overrides = {};
    for (const [name, file] of tarballs) {
      overrides[name] = `file:${file}`;
      if (names.includes(name)) {
        dependencies[name] = `file:${file}`;
        overrides[name] = `$${name}`;
      }
    }
    writeFileSync(
      join(dir, 'package.json'),
      `${JSON.stringify(
        {
          name: 'tickerml-consumer',
          private: true,
          type: 'module',
          dependencies: { ...dependencies, ...extra },
          devDependencies: devExtra,
          overrides,
        },
        null,
        2,
      )}\n`,
    );
  }

  const nodedir = existsSync('/usr/include/node/node.h') ? { npm_config_nodedir: '/usr' } : {};
  const npmInstall = (dir) =>
    run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: dir,
      env: nodedir,
    });

  /** Every installed package name under `dir`'s node_modules (nested ones too). */
  function installedPackages(dir) {
    const found = new Map();
    const walk = (modules) => {
      if (!existsSync(modules)) return;
      for (const entry of readdirSync(modules)) {
        if (entry.startsWith('.')) continue;
        const scoped = entry.startsWith('@');
        for (const name of scoped ? readdirSync(join(modules, entry)).map((n) => `${entry}/${n}`) : [entry]) {
          const pkgDir = join(modules, name);
          if (!existsSync(join(pkgDir, 'package.json'))) continue;
          found.set(name, pkgDir);
          walk(join(pkgDir, 'node_modules'));
        }
      }
    };
    walk(join(dir, 'node_modules'));
    return found;
  }

  /** Packages that are native addons: a binding.gyp, a compiled .node file, or `gypfile`. */
  function nativeAddons(installed) {
    const native = [];
    for (const [name, pkgDir] of installed) {
      const manifest = readJson(join(pkgDir, 'package.json'));
      const scripts = manifest.scripts ?? {};
      const buildScript = ['install', 'preinstall', 'postinstall'].some((k) =>
        /node-gyp|prebuild|node-pre-gyp|cmake-js/.test(scripts[k] ?? ''),
      );
      if (existsSync(join(pkgDir, 'binding.gyp')) || manifest.gypfile === true || buildScript) native.push(name);
    }
    return native;
  }

  // -------------------------------------------------------------------------------------------
  step('dependency closures');
  const closure = (label, names, forbidden, noNative) => {
    const dir = join(work, `closure-${label}`);
    project(dir, names);
    npmInstall(dir);
    const installed = installedPackages(dir);
    const bad = forbidden.filter((name) => installed.has(name));
    if (bad.length > 0) fail(`${names.join(' + ')} pulled ${bad.join(', ')}`);
    const native = noNative ? nativeAddons(installed) : [];
    if (native.length > 0) fail(`${names.join(' + ')} pulled native addons: ${native.join(', ')}`);
    console.log(
      `${names.join(' + ')}: ${installed.size} packages, none of ${forbidden.join(', ')}${noNative ? ', no native addon' : ''}`,
    );
  };
  if (tarballs.has('@tickerml/microstructure'))
    closure('microstructure', ['@tickerml/microstructure'], ['pg', 'pg-copy-streams', 'kafkajs', 'ccxt'], true);
  if (tarballs.has('@tickerml/exchanges')) closure('exchanges', ['@tickerml/exchanges'], ['ccxt'], false);
  // What docs/guides/your-first-bot.md installs for a gated backtest.
  const backtestSet = ['core', 'exchanges', 'microstructure', 'execution', 'risk'].map((n) => `@tickerml/${n}`);
  if (backtestSet.every((n) => tarballs.has(n)))
    closure('backtest', backtestSet, ['pg', 'pg-copy-streams', 'kafkajs', 'ccxt', 'better-sqlite3'], true);

  // -------------------------------------------------------------------------------------------
  step('npm install of every tarball into a fresh project (better-sqlite3 built from source)');
  const app = join(work, 'app');
  const dev = rootManifest.devDependencies;
  project(
    app,
    [...tarballs.keys()],
    // What a user of @tickerml/storage/postgres installs beside it (optional peers).
    { pg: dev.pg, 'pg-copy-streams': '^7.0.0', '@types/pg': dev['@types/pg'] },
    { typescript: dev.typescript, '@types/node': dev['@types/node'] },
  );
  npmInstall(app);
  const installed = installedPackages(app);
  for (const [name] of tarballs) {
    const manifest = readJson(join(installed.get(name) ?? fail(`${name} is not installed`), 'package.json'));
    if (manifest.version !== tarballs.get(name).match(/-(\d+\.\d+\.\d+[^/]*)\.tgz$/)?.[1])
      fail(`${name} resolved to ${manifest.version}, not its tarball`);
  }
  if (installed.has('better-sqlite3')) run('npm', ['rebuild', 'better-sqlite3'], { cwd: app, env: nodedir });
  console.log(`${installed.size} packages installed`);

  // -------------------------------------------------------------------------------------------
  step('strict consumer: every public entry point and the guide bot, tsc with skipLibCheck false');
  const guide = readFileSync(GUIDE, 'utf8');
  const blocks = [...guide.matchAll(/^```[a-z]+ file=(\S+)\n([\s\S]*?)^```$/gm)];
  if (!blocks.some((b) => b[1] === 'tsconfig.json') || !blocks.some((b) => b[1] === 'src/backtest.ts'))
    fail(`${relative(root, GUIDE)} has no tsconfig.json or src/backtest.ts block`);
  for (const [, file, text] of blocks) {
    mkdirSync(dirname(join(app, file)), { recursive: true });
    writeFileSync(join(app, file), text);
  }
  const tsconfig = JSON.parse(readFileSync(join(app, 'tsconfig.json'), 'utf8'));
  if (tsconfig.compilerOptions.skipLibCheck !== false || tsconfig.compilerOptions.strict !== true)
    fail("the guide's tsconfig.json must be strict with skipLibCheck false");
  const entryPoints = [];
  for (const p of packages)
    for (const key of Object.keys(p.manifest.exports ?? { '.': {} }))
      if (key !== './package.json')
        entryPoints.push(key === '.' ? p.manifest.name : `${p.manifest.name}${key.slice(1)}`);
  writeFileSync(
    join(app, 'src', 'entry-points.ts'),
    `${entryPoints.map((e, i) => `import * as entry${i} from '${e}';`).join('\n')}\n\n/** Every public entry point, so tsc loads and checks each one's declarations. */\nexport const ENTRY_POINTS = {\n${entryPoints.map((e, i) => `  '${e}': entry${i},`).join('\n')}\n};\n`,
  );
  writeFileSync(
    join(app, 'src', 'import-all.ts'),
    `// Loads every entry point at run time.\nconst names: readonly string[] = ${JSON.stringify(entryPoints)};\nfor (const name of names) await import(name);\nconsole.log(\`imported \${names.length} entry points\`);\n`,
  );
  run('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: app, stdio: 'inherit' });
  console.log(`${entryPoints.length} entry points and ${blocks.length - 1} guide files type-check`);

  step('every entry point imports at run time');
  console.log(run('node', ['dist/import-all.js'], { cwd: app }).trim());

  // -------------------------------------------------------------------------------------------
  if (tarballs.has('@tickerml/cli')) {
    step('tickerml --help and tickerml backtest, loading no backend they do not use');
    writeFileSync(
      join(app, 'deny-backends.mjs'),
      `import { register } from 'node:module';\nregister('./deny-hooks.mjs', import.meta.url);\n`,
    );
    writeFileSync(
      join(app, 'deny-hooks.mjs'),
      `const DENIED = new Set(${JSON.stringify(BACKENDS)});\nexport async function resolve(specifier, context, next) {\n  if (DENIED.has(specifier)) throw new Error(\`consumer-check: \${specifier} was loaded\`);\n  return next(specifier, context);\n}\n`,
    );
    const deny = { NODE_OPTIONS: '--import ./deny-backends.mjs' };
    const help = run('npx', ['tickerml', '--help'], { cwd: app, env: deny });
    if (!help.startsWith('Usage: tickerml')) fail(`tickerml --help printed ${JSON.stringify(help.slice(0, 200))}`);
    const out = run('npx', ['tickerml', 'backtest', '--data', RECORDING, '--strategy', 'market-maker', '--json'], {
      cwd: app,
      env: deny,
    });
    const summary = JSON.parse(out);
    if (!(summary.events > 0) || typeof summary.netPnl !== 'string')
      fail(`tickerml backtest printed ${out.slice(0, 300)}`);
    console.log(
      `tickerml backtest: ${summary.events} events, ${summary.fills} fills, net ${summary.netPnl}; warnings: ${JSON.stringify(summary.warnings)}`,
    );
  }

  // -------------------------------------------------------------------------------------------
  step("the guide's bot: backtest with the risk gate, then the paper trader");
  const bot = run('node', ['dist/backtest.js', RECORDING], { cwd: app });
  console.log(bot.trimEnd());
  for (const line of ['events ', 'fills ', 'net P&L ', 'sharpe ', 'risk '])
    if (!bot.split('\n').some((l) => l.startsWith(line))) fail(`the bot printed no '${line.trim()}' line`);
  if (blocks.some((b) => b[1] === 'src/paper.ts')) {
    const paper = run('node', ['dist/paper.js', RECORDING], { cwd: app });
    console.log(paper.trimEnd());
    if (!/^paper +\d+ fills/m.test(paper)) fail('the paper bot printed no summary');
  }
  step(`done in ${Math.round((Date.now() - START) / 1000)} s`);
} finally {
  if (keep) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
