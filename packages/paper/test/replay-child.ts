/**
 * A paper-trading process over the real Binance recording for the crash-recovery test: it
 * resumes from the checkpoint in `--db` if there is one (replay mode), prints a line per
 * checkpoint, paces itself a little so that it can be killed mid-run, and prints its final
 * account as JSON.
 *
 * Run: node --conditions=@tickerml/source --import tsx test/replay-child.ts --db <path>
 */
import { parseArgs } from 'node:util';
import { TestClock } from '@tickerml/core';
import { buildVenues, createBaseline, Portfolio, TradableInstrument } from '@tickerml/execution';
import { RiskEngine } from '@tickerml/risk';
import { SqliteStore } from '@tickerml/storage';
import { PaperStore } from '../src/store.js';
import { PaperTrader, ResumeMode } from '../src/trader.js';
import { BTCUSDT, binanceEvents } from './recording.js';

const { values } = parseArgs({
  options: { db: { type: 'string' }, 'pause-every': { type: 'string', default: '100' } },
});
if (values.db === undefined) throw new Error('--db is required');
const pauseEvery = Number(values['pause-every']);

const events = await binanceEvents();
const store = new PaperStore(SqliteStore.open(values.db));
const checkpoint = store.latest();
const portfolio = new Portfolio();
const venues = buildVenues(
  { seed: 42, venues: [{ venue: 'binance', instruments: [BTCUSDT], balances: { USDT: '10000' } }] },
  portfolio,
);
const strategy = createBaseline(
  'market-maker',
  [{ instrument: new TradableInstrument(BTCUSDT), refPriceTicks: 5_920_000 }],
  { orderNotional: '2000' },
);
const clock = new TestClock((events[0]?.localTs ?? 0) - 1);
const trader = new PaperTrader({
  venues,
  portfolio,
  strategy,
  clock,
  tickIntervalUs: 0,
  seed: 42,
  risk: { risk: new RiskEngine() },
  store,
  checkpointEveryEvents: 500,
  checkpointIntervalUs: 1e12,
  ...(checkpoint === undefined ? {} : { resume: { checkpoint, mode: ResumeMode.Replay } }),
  onCheckpoint: (cp) => console.log(`checkpoint ${cp.seq} ${cp.eventsProcessed}`),
  onRecovered: (cp) => console.log(`recovered ${cp.seq} ${cp.eventsProcessed}`),
});
let i = 0;
for (const e of events) {
  if (e.localTs > clock.nowUs()) clock.advanceTo(e.localTs);
  trader.onEvent(e);
  if (++i % pauseEvery === 0) await new Promise((resolve) => setTimeout(resolve, 2));
}
trader.stop();
const positions = portfolio.positions().map((p) => ({
  symbol: p.symbol,
  qtyLots: p.qtyLots,
  realizedAtoms: p.realizedAtoms.toString(),
  costAtoms: p.costAtoms.toString(),
  feesAtoms: p.feesAtoms.toString(),
}));
console.log(
  `result ${JSON.stringify({ cashAtoms: portfolio.cashAtoms('binance', 'USDT').toString(), positions, fills: trader.fillsCount, fillRows: store.store.count('fills'), openOrders: trader.engine.context.openOrders().length })}`,
);
store.store.close();
