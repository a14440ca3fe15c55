#!/usr/bin/env node
/**
 * `pnpm pi-trader`: paper trading with the live dashboard. Without `--live` it replays the
 * bundled recordings of Binance, Coinbase, Kraken and KuCoin, each served on loopback and read by
 * the venue's real live feed, in a loop, and trades Binance BTC/USDT.
 *
 * Exit codes: 0 after Ctrl-C / SIGTERM / `--duration` with everything flushed; 1 on bad flags or
 * configuration (the message names the file and key) or a failure while running.
 *
 * @module
 */
import { loadConfig } from '@tickerml/core';
import { startPiTrader } from './app.js';
import { parseCliArgs, USAGE } from './args.js';
import { DEMO_RECORDINGS } from './demo.js';

async function main(): Promise<number> {
  let args: ReturnType<typeof parseCliArgs>;
  let config: ReturnType<typeof loadConfig>;
  try {
    args = parseCliArgs(process.argv.slice(2));
    if (args === 'help') {
      console.log(USAGE);
      return 0;
    }
    config = loadConfig(args.configDir);
  } catch (error) {
    console.error(`pi-trader: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  let app: Awaited<ReturnType<typeof startPiTrader>>;
  try {
    app = await startPiTrader({ args, config });
  } catch (error) {
    // A corrupt or locked database, a checkpoint of another setup, a port in use: say which.
    console.error(`pi-trader: cannot start: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  console.log(
    `pi-trader: paper trading ${args.live ? 'the live venues in config.yaml' : 'Binance BTC/USDT on the bundled recordings of four venues, each replayed through its live feed in a loop'}`,
  );
  if (!args.live) for (const r of DEMO_RECORDINGS) console.log(`  ${r.venue.padEnd(9)} ${r.description}`);
  console.log(
    `  strategy ${args.strategy}, ${config.app.trading.startingBalance} ${config.app.trading.currency} starting balance, state in ${app.dbPath}`,
  );
  if (app.resumedFrom !== undefined) {
    console.log(
      `  resumed from checkpoint ${app.resumedFrom.seq} of ${new Date(app.resumedFrom.atUs / 1000).toISOString()} (${app.resumedFrom.fills} fills so far); --fresh starts over`,
    );
  }
  if (app.dashboardUrl !== undefined) console.log(`  dashboard: ${app.dashboardUrl}`);
  if (app.metricsUrl !== undefined) console.log(`  metrics:   ${app.metricsUrl}`);
  console.log(`  logs:      ${config.app.logging.dir}/`);
  console.log(
    `  ${args.durationS === undefined ? 'Ctrl-C to stop' : `stopping after ${args.durationS} s (or Ctrl-C)`}`,
  );
  const done = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
    if (args.durationS !== undefined) setTimeout(() => resolve('duration'), args.durationS * 1000).unref();
  });
  const reason = await done;
  // Keeps the process alive while the log worker drains (its close alone does not hold the event
  // loop open) and bounds the shutdown.
  const guard = setTimeout(() => {
    console.error('pi-trader: shutdown did not finish within 15 s');
    process.exit(1);
  }, 15_000);
  try {
    const s = await app.stop(reason);
    console.log(
      `pi-trader stopped (${s.reason}): ${s.events} events, ${s.ordersSent} orders (${s.ordersRejected} refused by risk), ${s.fills} fills, equity ${s.equity}, P&L ${s.pnl} (realised ${s.realizedPnl}), checkpoint ${s.checkpoint}`,
    );
    clearTimeout(guard);
    return 0;
  } catch (error) {
    clearTimeout(guard);
    console.error(`pi-trader: failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`pi-trader: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
