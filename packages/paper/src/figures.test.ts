import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestClock } from '@tickerml/core';
import type { Strategy } from '@tickerml/execution';
import { SqliteStore } from '@tickerml/storage';
import { describe, expect, it } from 'vitest';
import { book, MS, market, SYMBOL, VENUE } from '../test/helpers.js';
import { AccountFigures } from './figures.js';
import { PaperStore } from './store.js';
import { PaperTrader } from './trader.js';

const E18 = 10n ** 18n;
const usd = (x: number): bigint => BigInt(Math.round(x * 100)) * (E18 / 100n);
const DAY = 86_400e6;
const D0 = 20_000 * DAY; // a UTC midnight

describe('AccountFigures', () => {
  it('max drawdown is the worst so far, not the current one', () => {
    const f = new AccountFigures();
    for (const [i, e] of [100, 120, 90, 120, 130, 125].entries()) f.observe(D0 + i * 1e6, usd(e));
    expect(f.maxDrawdown).toBeCloseTo(0.25, 12); // 120 → 90
    expect(f.peakEquity).toBe(130);
  });

  it('daily P&L counts from the equity last seen before 00:00 UTC (from the start on the first day)', () => {
    const f = new AccountFigures();
    f.observe(D0 + 10 * 3600e6, usd(1000)); // started at 10:00
    f.observe(D0 + 20 * 3600e6, usd(1010));
    expect(f.dailyPnlAtoms(usd(1010))).toBe(usd(10));
    f.observe(D0 + DAY - 1, usd(1004)); // 23:59:59.999999
    f.observe(D0 + DAY + 1e6, usd(1001)); // 00:00:01 next day
    expect(f.dailyPnlAtoms(usd(1001))).toBe(-usd(3));
    f.observe(D0 + DAY + 3600e6, usd(1020));
    expect(f.dailyPnlAtoms(usd(1020))).toBe(usd(16));
  });

  it('the Sharpe ratio is null under 30 days of samples, then the annualised ratio of the sampled returns', () => {
    const f = new AccountFigures({ sampleIntervalUs: 3600e6 });
    let equity = 10_000;
    const values: number[] = [];
    const steps = 24 * 31;
    for (let i = 0; i <= steps; i++) {
      // Deterministic wiggle with a drift: +0.02 % then −0.01 % per hour.
      equity *= i % 2 === 0 ? 1.0002 : 0.9999;
      const cents = Math.round(equity * 100) / 100;
      values.push(cents);
      f.observe(D0 + i * 3600e6, usd(cents));
      // Observations between samples do not add samples.
      f.observe(D0 + i * 3600e6 + 1e6, usd(cents));
      if (i === 24 * 29) expect(f.sharpeRatio()).toBeNull();
    }
    expect(f.samples).toHaveLength(steps + 1);
    // Independent computation: mean / sample std of hourly simple returns × √(hours per 365-day year).
    const r = values.slice(1).map((v, i) => v / (values[i] as number) - 1);
    const m = r.reduce((a, x) => a + x, 0) / r.length;
    const sd = Math.sqrt(r.reduce((a, x) => a + (x - m) ** 2, 0) / (r.length - 1));
    expect(f.sharpeRatio()).toBeCloseTo((m / sd) * Math.sqrt(365 * 24), 6);
  });

  it('restores from a checkpoint state and the stored equity history', () => {
    const dir = mkdtempSync(join(tmpdir(), 'figures-'));
    try {
      const sqlite = SqliteStore.open(join(dir, 'f.sqlite'));
      const store = new PaperStore(sqlite);
      const row = (ts: number, v: string) => ({
        timestamp: ts,
        cash_balance: v,
        total_value: v,
        positions: {},
        daily_pnl: '0',
        max_drawdown: 0,
        sharpe_ratio: null,
      });
      sqlite.insert('portfolio_state', [
        row(D0, '100'),
        row(D0 + 1e6, '101'),
        row(D0 + 60e6, '102'),
        row(D0 + 61e6, '99'),
      ]);
      // One row per minute: the first of each.
      expect(store.equityHistory(D0, 60e6)).toEqual([
        { atUs: D0, value: 100 },
        { atUs: D0 + 60e6, value: 102 },
      ]);
      const a = new AccountFigures({ sampleIntervalUs: 60e6 });
      a.observe(D0, usd(100));
      a.observe(D0 + 60e6, usd(80));
      const b = new AccountFigures({ sampleIntervalUs: 60e6 });
      b.restore(JSON.parse(JSON.stringify(a.state())), store.equityHistory(D0, 60e6));
      expect(b.maxDrawdown).toBeCloseTo(0.2, 12);
      expect(b.dailyPnlAtoms(usd(90))).toBe(-usd(10));
      expect(b.samples).toHaveLength(2);
      sqlite.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('portfolio_state rows of the paper trader', () => {
  it('carry the max drawdown so far, the P&L since 00:00 UTC and no Sharpe ratio before 30 days', () => {
    const dir = mkdtempSync(join(tmpdir(), 'figures-'));
    try {
      const sqlite = SqliteStore.open(join(dir, 'p.sqlite'));
      const { venue, portfolio } = market('10000');
      // Buys 5 units once, then holds.
      const strategy: Strategy = {
        name: 'buy-and-hold',
        onEvent(_e, ctx) {
          if (ctx.openOrders().length === 0 && ctx.portfolio.fills.length === 0 && ctx.nowUs() >= D0)
            ctx.placeOrder({ venue: VENUE, symbol: SYMBOL, side: 'buy', type: 'market', qtyLots: 5 });
        },
      };
      const clock = new TestClock(D0 - 3600e6);
      const trader = new PaperTrader({
        venues: [venue],
        portfolio,
        strategy,
        clock,
        tickIntervalUs: 10 * MS,
        store: new PaperStore(sqlite),
        checkpointIntervalUs: 1e6,
      });
      trader.start();
      // The day before: flat at 1000. After midnight: buy at 1001, the mid falls to 900, then recovers to 950.
      const mids: [number, number][] = [
        [D0 - 3600e6, 1000],
        [D0, 1000],
        [D0 + 2e6, 900],
        [D0 + 4e6, 950],
        [D0 + 6e6, 950],
      ];
      for (const [t, mid] of mids) {
        clock.advanceTo(t);
        trader.onEvent(book(t, mid - 1, mid + 1));
      }
      clock.advanceTo(D0 + 7e6);
      trader.stop();
      const rows = sqlite.query('portfolio_state');
      const last = rows[rows.length - 1];
      if (last === undefined) throw new Error('no portfolio_state row');
      // Bought 5 at 1001 just after midnight (taker, no fees): equity 10000 → 9995 (the half-spread)
      // → 9495 at mid 900 (worst drawdown 505 / 10000) → 9745 at 950; the day opened at 10000.
      expect(Number(last.max_drawdown)).toBeCloseTo(0.0505, 4);
      expect(Number(last.total_value)).toBeCloseTo(9745, 6);
      expect(Number(last.daily_pnl)).toBeCloseTo(-255, 6);
      expect(last.sharpe_ratio).toBeNull();
      // Max drawdown never decreases from row to row.
      const dd = rows.map((r) => Number(r.max_drawdown));
      for (let i = 1; i < dd.length; i++) expect(dd[i]).toBeGreaterThanOrEqual(dd[i - 1] as number);
      sqlite.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
