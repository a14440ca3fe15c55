#!/usr/bin/env bash
# Scaffolds packages/<name> with the shared layout: exports map, dist output, strict tsconfig.
set -euo pipefail
name="$1"; desc="$2"; dir="${3:-packages}"
d="$dir/$name"
mkdir -p "$d/src"
[ -f "$d/package.json" ] || cat > "$d/package.json" <<JSON
{
  "name": "@tickerml/$name",
  "version": "0.1.0",
  "description": "$desc",
  "license": "MIT",
  "type": "module",
  "sideEffects": false,
  "exports": {
    ".": {
      "@tickerml/source": "./src/index.ts",
      "types": "./dist/index.d.ts",
      "default": "./dist/index.js"
    },
    "./package.json": "./package.json"
  },
  "main": "./dist/index.js",
  "types": "./dist/index.d.ts",
  "files": ["dist", "src", "!**/*.test.ts", "!**/*.bench.ts", "README.md"],
  "scripts": {
    "build": "tsc -b"
  },
  "dependencies": {},
  "devDependencies": {}
}
JSON
[ -f "$d/tsconfig.json" ] || cat > "$d/tsconfig.json" <<JSON
{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": { "rootDir": "src", "outDir": "dist", "tsBuildInfoFile": "dist/.tsbuildinfo" },
  "include": ["src"],
  "exclude": ["src/**/*.test.ts", "src/**/*.bench.ts", "src/**/*.test-d.ts"],
  "references": []
}
JSON
[ -f "$d/README.md" ] || printf '# @tickerml/%s\n\n%s\n' "$name" "$desc" > "$d/README.md"
[ -f "$d/src/index.ts" ] || printf '/**\n * @packageDocumentation\n * %s\n */\nexport {};\n' "$desc" > "$d/src/index.ts"
# Match the repository's Biome formatting (JSON expanded the way pnpm writes it), so `pnpm lint` passes.
"$(dirname "$0")/../node_modules/.bin/biome" format --write "$d/package.json" "$d/tsconfig.json" >/dev/null 2>&1 || true
echo "created $d: add it to the root tsconfig.json references and to LAYERS in scripts/architecture.mjs, then run pnpm docs:architecture"
