/**
 * One contract for every rolling-window feature: streaming equals batch, values are causal
 * (appending future events never changes past values), time cannot go backwards, and the window
 * is validated. New windowed features join by adding a row to `contestants`.
 */

import { OutOfOrderError } from '@tickerml/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../errors.js';
import type { AggressorInput } from '../types.js';
import {
  RealizedVolatility,
  RollingVwap,
  realizedVolatilityBatch,
  rollingVwapBatch,
  TradeFlowImbalance,
  tradeFlowImbalanceBatch,
} from './windows.js';

interface TradeRow {
  readonly ts: number;
  readonly price: number;
  readonly qty: number;
  readonly aggressor: AggressorInput;
}

interface WindowedContestant {
  readonly name: string;
  /** Relative tolerance between streaming and batch (0 = bit identical). */
  readonly tolerance: number;
  stream(windowUs: number): (t: TradeRow) => number;
  batch(rows: readonly TradeRow[], windowUs: number): Float64Array;
}

const col = <K extends keyof TradeRow>(rows: readonly TradeRow[], k: K) => rows.map((r) => r[k]);

const contestants: WindowedContestant[] = [
  {
    name: 'TradeFlowImbalance',
    tolerance: 0,
    stream: (w) => {
      const f = new TradeFlowImbalance(w);
      return (t) => f.onTrade(t.ts, t.qty, t.aggressor);
    },
    batch: (rows, w) => tradeFlowImbalanceBatch(col(rows, 'ts'), col(rows, 'qty'), col(rows, 'aggressor'), w),
  },
  {
    name: 'RollingVwap',
    tolerance: 0,
    stream: (w) => {
      const f = new RollingVwap(w);
      return (t) => f.onTrade(t.ts, t.price, t.qty);
    },
    batch: (rows, w) => rollingVwapBatch(col(rows, 'ts'), col(rows, 'price'), col(rows, 'qty'), w),
  },
  {
    name: 'RealizedVolatility',
    tolerance: 1e-9,
    stream: (w) => {
      const f = new RealizedVolatility(w);
      return (t) => f.onPrice(t.ts, t.price);
    },
    batch: (rows, w) => realizedVolatilityBatch(col(rows, 'ts'), col(rows, 'price'), w),
  },
];

const rowsArb = (start: number) =>
  fc
    .array(
      fc.tuple(
        fc.integer({ min: 0, max: 3_000 }),
        fc.integer({ min: 9_000, max: 11_000 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.constantFrom<AggressorInput>('buy', 'sell', 'unknown'),
      ),
      { maxLength: 120 },
    )
    .map((raw) => {
      let t = start;
      return raw.map(([dt, price, qty, aggressor]) => ({ ts: (t += dt), price, qty, aggressor }));
    });

function expectClose(actual: readonly number[], expected: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    if (tolerance === 0 || Number.isNaN(e)) expect(a).toStrictEqual(e);
    else expect(Math.abs(a - e)).toBeLessThanOrEqual(tolerance * Math.abs(e) + 1e-15);
  }
}

describe.each(contestants)('windowed feature contract: $name', (c) => {
  it('streaming equals batch', () => {
    fc.assert(
      fc.property(rowsArb(1_000_000), fc.integer({ min: 1, max: 30_000 }), (rows, w) => {
        const feed = c.stream(w);
        expectClose(
          rows.map((r) => feed(r)),
          c.batch(rows, w),
          c.tolerance,
        );
      }),
    );
  });

  it('is causal: values before t do not change when events after t are appended', () => {
    fc.assert(
      fc.property(rowsArb(1_000_000), rowsArb(0), fc.integer({ min: 1, max: 30_000 }), (past, futureRaw, w) => {
        const last = past.at(-1)?.ts ?? 1_000_000;
        const future = futureRaw.map((r) => ({ ...r, ts: r.ts + last }));
        const all = [...past, ...future];
        const k = past.length;
        // Batch over the past alone equals the past prefix of the batch over everything.
        expect(Array.from(c.batch(past, w))).toStrictEqual(Array.from(c.batch(all, w)).slice(0, k));
        // Streaming: the same, value by value.
        const a = c.stream(w);
        const b = c.stream(w);
        expect(past.map((r) => a(r))).toStrictEqual(all.map((r) => b(r)).slice(0, k));
      }),
    );
  });

  it('refuses events that go back in time, naming the feature, and keeps its state', () => {
    const accepted: TradeRow[] = [
      { ts: 500, price: 10_000, qty: 5, aggressor: 'buy' },
      { ts: 600, price: 10_100, qty: 3, aggressor: 'sell' },
      { ts: 700, price: 10_050, qty: 2, aggressor: 'buy' },
    ];
    const feed = c.stream(1_000);
    feed(accepted[0] as TradeRow);
    feed(accepted[1] as TradeRow);
    expect(() => feed({ ts: 599, price: 9_000, qty: 99, aggressor: 'buy' })).toThrow(OutOfOrderError);
    expect(() => feed({ ts: 599, price: 9_000, qty: 99, aggressor: 'buy' })).toThrow(c.name);
    // The rejected events left no trace: the next value equals a clean replay of the accepted ones.
    const clean = c.stream(1_000);
    const expected = accepted.map((r) => clean(r)).at(-1);
    expect(feed(accepted[2] as TradeRow)).toBe(expected);
    expect(() =>
      c.batch(
        [
          { ts: 2, price: 1, qty: 1, aggressor: 'buy' },
          { ts: 1, price: 1, qty: 1, aggressor: 'buy' },
        ],
        10,
      ),
    ).toThrow(OutOfOrderError);
  });

  it('validates the window', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => c.stream(bad)).toThrow(InvalidOptionError);
      expect(() => c.batch([], bad)).toThrow(/windowUs/);
    }
  });
});
