import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MarketEvent, TestClock } from '@tickerml/core';
import {
  type BacktestSettings,
  buildVenues,
  createBaseline,
  type OrderUpdate,
  Portfolio,
  runBacktest,
  type Strategy,
  TradableInstrument,
} from '@tickerml/execution';
import { RiskEngine } from '@tickerml/risk';
import { SqliteStore } from '@tickerml/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { book, MS, market, SYMBOL, stringify, VENUE } from '../test/helpers.js';
import { BTCUSDT, binanceEvents } from '../test/recording.js';
import { RecoveryMismatchError } from './errors.js';
import { PaperStore } from './store.js';
import { PaperTrader, ResumeMode } from './trader.js';

const settings: BacktestSettings = {
  seed: 42,
  venues: [{ venue: 'binance', instruments: [BTCUSDT], balances: { USDT: '10000' } }],
};
const btc = new TradableInstrument(BTCUSDT);
let events: MarketEvent[] = [];
let dir = '';

beforeAll(async () => {
  // The live driver steps late-stamped events at the later time; give the backtest the same input.
  let last = Number.NEGATIVE_INFINITY;
  events = (await binanceEvents()).map((e) => {
    if (e.localTs >= last) {
      last = e.localTs;
      return e;
    }
    return { ...e, localTs: last };
  });
  dir = mkdtempSync(join(tmpdir(), 'paper-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function baseline(name: string, refPriceTicks: number): Strategy {
  return createBaseline(name, [{ instrument: btc, refPriceTicks }], { orderNotional: '2000' });
}

/** The live path with a TestClock: time advances to each event's arrival, the ticker runs in between. */
function paperRun(
  name: string,
  input: readonly MarketEvent[],
  extra: Partial<ConstructorParameters<typeof PaperTrader>[0]> = {},
  portfolio = new Portfolio(),
) {
  const venues = buildVenues(settings, portfolio);
  const first = input[0] as MarketEvent;
  const clock = new TestClock(first.localTs);
  const trader = new PaperTrader({
    venues,
    portfolio,
    strategy: baseline(name, 5_920_000),
    clock,
    tickIntervalUs: 5 * MS,
    seed: settings.seed,
    ...extra,
  });
  trader.start();
  for (const e of input) {
    clock.advanceTo(e.localTs);
    trader.onEvent(e);
  }
  return { trader, portfolio, clock };
}

describe('PaperTrader live driver', () => {
  it.each(['obi-momentum', 'market-maker'])(
    '%s sees the same fills driven live (TestClock ticker) as in the backtest engine',
    (name) => {
      const backtest = runBacktest({ events, settings, strategy: baseline(name, 5_920_000) });
      const { portfolio, clock, trader } = paperRun(name, events);
      // Let what is in flight after the last event arrive (the backtest's finish() does the same).
      clock.advanceTo(clock.nowUs() + 5_000_000);
      trader.stop();
      expect(backtest.portfolio.fills.length).toBeGreaterThan(5);
      expect(stringify(portfolio.fills)).toBe(stringify(backtest.portfolio.fills));
      expect(portfolio.cashAtoms('binance', 'USDT')).toBe(backtest.portfolio.cashAtoms('binance', 'USDT'));
    },
  );

  it('delivers acknowledgements and timers as the clock passes, with no market event', () => {
    const { venue, portfolio } = market();
    const heard: string[] = [];
    const strategy: Strategy = {
      name: 'once',
      onStart: (ctx) => ctx.setTimer('beat', 100 * MS),
      onEvent(_e, ctx) {
        if (ctx.portfolio.fills.length === 0 && ctx.openOrders().length === 0)
          ctx.placeOrder({ venue: VENUE, symbol: SYMBOL, side: 'buy', type: 'limit', priceTicks: 990, qtyLots: 1 });
      },
      onTimer: (t, ctx) => heard.push(`${ctx.nowUs()} timer ${t.name}`),
      onOrderUpdate: (u: OrderUpdate, ctx) => heard.push(`${ctx.nowUs()} ${u.status}`),
    };
    const clock = new TestClock(0);
    const trader = new PaperTrader({ venues: [venue], portfolio, strategy, clock, tickIntervalUs: 10 * MS });
    trader.start();
    trader.onEvent(book(0, 999, 1001));
    expect(heard).toEqual([]);
    clock.advanceTo(250 * MS); // no event: the ticker moves strategy time
    expect(heard).toEqual(['80000 acknowledged', '100000 timer beat', '200000 timer beat']);
    trader.stop();
    clock.advanceTo(1_000 * MS);
    expect(heard).toHaveLength(3); // the ticker is off after stop()
  });
});

describe('checkpoints and recovery', () => {
  const cut = 6_000;

  it('replay resume: re-processing the input rebuilds the checkpoint exactly and the run ends as an uninterrupted one', () => {
    const risk = () => ({ risk: new RiskEngine() });
    const full = paperRun('market-maker', events, { risk: risk() });
    const expected = full.trader.snapshot();

    // A run that stops (as if killed) after its checkpoint at event `cut`.
    const path = join(dir, 'replay.sqlite');
    const store1 = new PaperStore(SqliteStore.open(path));
    const first = paperRun('market-maker', events.slice(0, cut), {
      risk: risk(),
      store: store1,
      checkpointEveryEvents: 1_000,
      checkpointIntervalUs: 1e12,
    });
    // Checkpoints at event 1, then every 1,000: the last one before the "crash" is at 5,001.
    expect(first.trader.lastCheckpoint?.eventsProcessed).toBe(5_001);
    const fillsAtCut = store1.store.count('fills');
    store1.store.close(); // no stop(): the process died

    const store2 = new PaperStore(SqliteStore.open(path));
    const checkpoint = store2.latest();
    expect(checkpoint?.eventsProcessed).toBe(5_001);
    let recovered = 0;
    const second = paperRun('market-maker', events, {
      risk: risk(),
      store: store2,
      checkpointEveryEvents: 1_000,
      checkpointIntervalUs: 1e12,
      resume: { checkpoint: checkpoint as NonNullable<typeof checkpoint>, mode: ResumeMode.Replay },
      onRecovered: () => recovered++,
    });
    expect(recovered).toBe(1);
    const got = second.trader.snapshot();
    expect(stringify({ ...got, seq: 0, source: null })).toBe(stringify({ ...expected, seq: 0, source: null }));
    second.trader.stop();
    // Fills already persisted were not written twice.
    expect(store2.store.count('fills')).toBe(second.trader.fillsCount);
    expect(fillsAtCut).toBeLessThanOrEqual(second.trader.fillsCount);
    store2.store.close();
  });

  it('a bounded portfolio (maxFills 4) still stores every fill: the trader checkpoints before the window drops one', () => {
    const rows = (name: string, portfolio: Portfolio) => {
      const store = new PaperStore(SqliteStore.open(join(dir, `${name}.sqlite`)));
      const run = paperRun(
        'market-maker',
        events,
        { store, checkpointEveryEvents: 1_000_000, checkpointIntervalUs: 1e12 },
        portfolio,
      );
      run.trader.stop();
      const fills = store.store.query('fills').map((r) => ({ ...r, id: 0 }));
      store.store.close();
      return { fills, count: run.trader.fillsCount, checkpoints: run.trader.checkpointsWritten };
    };
    const full = rows('unbounded', new Portfolio());
    const bounded = new Portfolio({ maxFills: 4 });
    const windowed = rows('bounded', bounded);
    expect(full.fills.length).toBeGreaterThan(20);
    expect(bounded.fills.length).toBeLessThan(8);
    expect(windowed.count).toBe(full.count);
    expect(stringify(windowed.fills)).toBe(stringify(full.fills));
    expect(new Set(windowed.fills.map((f) => f.fill_id)).size).toBe(windowed.fills.length);
    // The unbounded run only checkpoints at its first event and at stop; the bounded one also each time the window filled.
    expect(windowed.checkpoints).toBeGreaterThan(full.checkpoints);
  });

  it('replay resume with another seed is refused with the field that differs', () => {
    const path = join(dir, 'mismatch.sqlite');
    const store = new PaperStore(SqliteStore.open(path));
    paperRun('market-maker', events.slice(0, cut), { store, checkpointEveryEvents: 1_000, checkpointIntervalUs: 1e12 });
    const checkpoint = store.latest();
    expect(checkpoint).toBeDefined();
    if (checkpoint === undefined) return;
    const tampered = {
      ...checkpoint,
      cash: checkpoint.cash.map((c) => ({ ...c, atoms: (BigInt(c.atoms) + 1n).toString() })),
    };
    expect(() =>
      paperRun('market-maker', events.slice(0, cut), { resume: { checkpoint: tampered, mode: ResumeMode.Replay } }),
    ).toThrow(RecoveryMismatchError);
    expect(() =>
      paperRun('market-maker', events.slice(0, cut), { resume: { checkpoint: tampered, mode: ResumeMode.Replay } }),
    ).toThrow(/cash differs/);
    store.store.close();
  });

  it('live resume restores cash, positions and fill count exactly and re-places open orders', () => {
    const path = join(dir, 'live.sqlite');
    const store = new PaperStore(SqliteStore.open(path));
    const run1 = paperRun('market-maker', events.slice(0, cut), {
      store,
      checkpointEveryEvents: 1_000,
      checkpointIntervalUs: 1e12,
    });
    const cp = run1.trader.checkpoint();
    store.store.close();
    expect(cp.fillsCount).toBeGreaterThan(0);

    const store2 = new PaperStore(SqliteStore.open(path));
    const restored = store2.latest();
    if (restored === undefined) throw new Error('no checkpoint');
    const portfolio = new Portfolio();
    const venues = buildVenues(settings, portfolio);
    // An idle strategy: every open order after the restart is one the trader placed again.
    const idle: Strategy = { name: 'idle', onEvent() {} };
    const trader = new PaperTrader({
      venues,
      portfolio,
      strategy: idle,
      clock: new TestClock(0),
      tickIntervalUs: 0,
      store: store2,
      resume: { checkpoint: restored, mode: ResumeMode.Live },
    });
    const now = trader.snapshot();
    expect(stringify(now.cash)).toBe(stringify(cp.cash));
    expect(stringify(now.positions)).toBe(stringify(cp.positions));
    expect(now.fillsCount).toBe(cp.fillsCount);
    // The first event that gives a two-sided book brings the open orders back (sent, not yet
    // acknowledged): same side, price and remaining size. What the market then does to them is
    // the venue's business.
    expect(cp.openOrders.length).toBeGreaterThan(0);
    let i = cut;
    while (trader.engine.context.openOrders().length === 0 && i < cut + 500) trader.onEvent(events[i++] as MarketEvent);
    const again = trader.engine.context.openOrders().map((o) => `${o.side} ${o.priceTicks} ${o.qtyLots}`);
    expect(again).toEqual(cp.openOrders.map((o) => `${o.side} ${o.priceTicks} ${o.qtyLots - o.filledLots}`));
    trader.stop();
    store2.store.close();
  });
});
