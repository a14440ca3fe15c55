#!/usr/bin/env bash
# The box's install (docs/raspberry-pi.md): only the pi-trader, its workspace packages and the
# root build tools, from the lockfile, in a fresh clone of HEAD. Fails when that install brings
# any @tensorflow/* package or @tickerml/rl-trainer (the box never installs TensorFlow.js), or
# when the pi-trader does not build there. Run by .ci/run; about a minute with a warm pnpm store.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git clone -q . "$tmp/box"
cd "$tmp/box"
npm_config_nodedir=/usr pnpm install --frozen-lockfile --filter '@tickerml/example-pi-trader...' --filter tickerml \
  >install.log 2>&1 || { cat install.log; exit 1; }
installed=$(ls node_modules/.pnpm)
if grep -E '^@tensorflow\+' <<<"$installed"; then
  echo "box-install-check: the pi-trader's install brought TensorFlow.js (above)" >&2
  exit 1
fi
if [ -e examples/pi-trader/node_modules/@tickerml/rl-trainer ] || [ -e packages/rl-trainer/node_modules ]; then
  echo "box-install-check: the pi-trader's install linked or installed @tickerml/rl-trainer" >&2
  exit 1
fi
npx tsc -b examples/pi-trader
echo "box-install-check: $(wc -l <<<"$installed") packages, no @tensorflow/*, no rl-trainer; the pi-trader builds"
