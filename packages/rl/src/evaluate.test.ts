import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MarketEvent } from '@tickerml/core';
import { loadEvents } from '@tickerml/exchanges';
import { obiMomentum } from '@tickerml/execution';
import { beforeAll, describe, expect, it } from 'vitest';
import { combinatorialPurgedCv } from './cpcv.js';
import { buildDataset, buildDatasetFromEvents } from './dataset.js';
import { type Dataset, readDataset } from './dataset-file.js';
import { evaluate, evaluationToHtml, evaluationToJson, type PolicyFitContext } from './evaluate.js';
import { QuarantineError, requireQuarantined } from './quarantine.js';
import { flatStrategy } from './rollout.js';
import { openDatasetRecordings } from './trajectories.js';

const BINANCE = fileURLToPath(
  new URL('../../../examples/pi-trader/recordings/binance/hftbacktest_spot_btcusdt_20240808.gz', import.meta.url),
);
const LABELS = { horizons: ['1s', '5s'], deadBandBps: 0.5, volatilityHorizon: '5s', spreadHorizon: '5s' };
const NOW_US = Date.UTC(2026, 0, 1) * 1000;

let dir: string;
let dataset: Dataset;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rl-eval-'));
  const recording = join(dir, 'btc.gz');
  copyFileSync(BINANCE, recording);
  await buildDataset({ sources: [recording], out: join(dir, 'btc.arrow'), intervalUs: 5_000_000, labels: LABELS });
  dataset = readDataset(join(dir, 'btc.arrow'));
}, 120_000);

describe('evaluate: CPCV paths of a policy beside the benchmarks and baselines, on the bundled Binance recording', () => {
  it('fits on quarantined training rows only, runs the test groups through the Engine and scores every path', async () => {
    const fits: PolicyFitContext[] = [];
    const report = await evaluate({
      dataset,
      recordings: await openDatasetRecordings(dataset),
      cv: { groups: 3, testGroups: 2, embargoUs: 5_000_000 },
      asOfUs: NOW_US,
      quarantineDays: 30,
      seed: 5,
      baselines: ['obi-momentum'],
      policy: {
        name: 'split-dependent',
        // A "policy" whose behaviour depends on its split, so the paths differ: even splits trade
        // order-book imbalance, odd splits stay flat.
        fit: (context) => {
          fits.push(context);
          const venue = context.markets.markets[0]?.instrument.venue as string;
          const symbol = context.markets.markets[0]?.instrument.symbol as string;
          const inner =
            context.split % 2 === 0
              ? obiMomentum({
                  venue,
                  symbol,
                  qtyLots: context.markets.capLots / 3,
                  maxPositionLots: context.markets.capLots,
                })
              : flatStrategy;
          // Stateful, like the Decision Transformer's encoder: it refuses time going back, so the
          // harness must run it once through the data, not group by group.
          let lastUs = Number.NEGATIVE_INFINITY;
          return {
            name: inner.name,
            onEvent(event, ctx) {
              if (event.localTs < lastUs) throw new Error(`time went back: ${event.localTs} after ${lastUs}`);
              lastUs = event.localTs;
              inner.onEvent(event, ctx);
            },
          };
        },
      },
    });
    expect(report.cv).toMatchObject({ nSplits: 3, nPaths: 2 });
    expect(report.strategies.map((s) => s.name)).toEqual(['split-dependent', 'flat', 'buy-and-hold', 'obi-momentum']);
    expect(report.trials).toBe(4);
    // One fit per split, on quarantined rows none of whose labels meets a test group's span.
    expect(fits).toHaveLength(3);
    const plan = combinatorialPurgedCv(dataset.t0, dataset.t1, { groups: 3, testGroups: 2, embargoUs: 5_000_000 });
    for (const fit of fits) {
      expect(requireQuarantined(fit.train).asOfUs).toBe(NOW_US);
      expect(fit.train.rows).toEqual(plan.splits[fit.split]?.train);
      expect(fit.train.rows.length).toBeGreaterThan(0);
      for (const g of fit.testGroups) {
        const group = plan.groups[g] as { startUs: number; endUs: number };
        for (const r of fit.train.rows)
          expect((dataset.t0[r] as number) <= group.endUs && (dataset.t1[r] as number) >= group.startUs).toBe(false);
      }
    }
    // Flat never moves; buy-and-hold is fully invested; the benchmarks' paths coincide.
    const flat = report.strategies[1];
    expect(flat?.paths.every((p) => p.totalReturn === 0 && p.turnover === 0 && p.maxDrawdown === 0)).toBe(true);
    const hold = report.strategies[2];
    expect(hold?.paths[0]?.turnover).toBeGreaterThan(0);
    // (The DSR differs: its trials' Sharpe variance includes the policy's path.)
    expect({ ...hold?.paths[0], dsr: 0 }).toEqual({ ...hold?.paths[1], dsr: 0 });
    // The policy's path p takes group g from split paths[p][g]: path 0 = splits 0,0,1; path 1 = splits 1,2,2.
    // Splits 0 and 2 trade, split 1 is flat: path 0 groups 0,1 trade, group 2 flat; path 1 group 0 flat.
    const policy = report.strategies[0];
    expect(policy?.paths[0]?.turnover).toBeGreaterThan(0);
    expect(policy?.paths[0]?.turnover).not.toBe(policy?.paths[1]?.turnover);
    for (const p of policy?.paths ?? []) {
      expect(p.samples).toBe(dataset.rows);
      expect(p.sharpeAnnualised).toBeNull(); // minutes of data: never annualised
      expect(p.sharpeWarning).toMatch(/not annualised/);
      if (Number.isFinite(p.psr)) expect(p.psr).toBeGreaterThanOrEqual(0);
    }
    const json = JSON.parse(evaluationToJson(report));
    expect(json.strategies[1].distribution.sharpePerStep.median).toBeNull();
    const html = evaluationToHtml(report, [
      {
        name: 'train loss',
        points: [
          { x: 0, y: 1 },
          { x: 1, y: 0.5 },
        ],
      },
    ]);
    expect(html).toContain('<svg');
    expect(html).toContain('Learning curves');
    expect(html).not.toMatch(/<script|<link|src="http/);
  }, 240_000);

  it('refuses to fit when rows end within the quarantine', async () => {
    const asOfUs = dataset.meta.dataRange.toUs + 29 * 86_400_000_000;
    await expect(
      evaluate({
        dataset,
        recordings: await openDatasetRecordings(dataset),
        cv: { groups: 3, testGroups: 2, embargoUs: 0 },
        asOfUs,
        quarantineDays: 30,
        seed: 1,
        baselines: [],
      }),
    ).rejects.toThrow(QuarantineError);
  });
});

describe('causality (issue 13): changing everything after t changes no feature before t and no label whose horizon ends before t', () => {
  it('holds on the bundled Binance recording with the book frozen and the trades doubled after t', async () => {
    const { events, instruments } = await loadEvents(BINANCE);
    const specs = instruments.map((i) => ({
      venue: i.venue,
      symbol: i.symbol,
      tickSize: i.tickSize,
      base: i.base,
      quote: i.quote,
    }));
    const mid = events[Math.floor(events.length / 2)] as MarketEvent;
    const t = mid.localTs;
    // After t: the book freezes (every later book event dropped) and every trade doubles in size.
    const perturb = (e: MarketEvent): MarketEvent[] => {
      if (e.localTs <= t) return [e];
      if (e.kind === 'trade') return [{ ...e, qtyLots: e.qtyLots * 2 }];
      return e.kind === 'book_snapshot' || e.kind === 'book_delta' ? [] : [e];
    };
    const build = async (name: string, list: readonly MarketEvent[]) => {
      await buildDatasetFromEvents({
        events: list,
        instruments: specs,
        sources: [],
        out: join(dir, name),
        intervalUs: 2_000_000,
        labels: LABELS,
      });
      return readDataset(join(dir, name));
    };
    const a = await build('plain.arrow', events);
    const b = await build('perturbed.arrow', events.flatMap(perturb));
    let before = 0;
    let labelled = 0;
    for (let i = 0; i < Math.min(a.rows, b.rows); i++) {
      if ((a.t0[i] as number) >= t) break;
      expect(b.t0[i]).toBe(a.t0[i]);
      before++;
      // Features at t0 < t only use events up to t0: identical, bit for bit.
      expect(Array.from(b.states.subarray(i * b.dimension, (i + 1) * b.dimension))).toEqual(
        Array.from(a.states.subarray(i * a.dimension, (i + 1) * a.dimension)),
      );
      if ((a.t1[i] as number) < t) {
        labelled++;
        for (const name of Object.keys(a.labels)) expect(b.labels[name]?.[i]).toBe(a.labels[name]?.[i]);
      }
    }
    expect(before).toBeGreaterThan(10);
    expect(labelled).toBeGreaterThan(10);
    // And the shift is visible after t: some label of a row whose horizon crosses t differs.
    let changed = false;
    for (let i = 0; i < Math.min(a.rows, b.rows) && !changed; i++) {
      if ((a.t1[i] as number) < t) continue;
      for (const name of Object.keys(a.labels)) if (b.labels[name]?.[i] !== a.labels[name]?.[i]) changed = true;
    }
    expect(changed).toBe(true);
  }, 120_000);
});
