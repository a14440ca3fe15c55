import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBaseline, type Strategy } from '@tickerml/execution';
import { tableFromIPC } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDataset } from './dataset.js';
import { type Dataset, readDataset } from './dataset-file.js';
import { RolloutError, rolloutWindows, TrajectoryAction } from './rollout.js';
import {
  baselineMarkets,
  buildTrajectories,
  openDatasetRecordings,
  riskBucket,
  riskBucketEdges,
  TRAJECTORIES_KIND,
  TrajectoryInputError,
} from './trajectories.js';

const BINANCE = fileURLToPath(
  new URL('../../../examples/pi-trader/recordings/binance/hftbacktest_spot_btcusdt_20240808.gz', import.meta.url),
);

let dir: string;
let dataset: Dataset;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rl-traj-'));
  const recording = join(dir, 'btc.gz');
  copyFileSync(BINANCE, recording);
  // A real dataset of the bundled Binance recording at 5 s decisions (horizons up to 10 s).
  await buildDataset({
    sources: [recording],
    out: join(dir, 'btc.arrow'),
    intervalUs: 5_000_000,
    labels: { horizons: ['1s', '5s'], deadBandBps: 0.5, volatilityHorizon: '5s', spreadHorizon: '5s' },
  });
  dataset = readDataset(join(dir, 'btc.arrow'));
}, 120_000);

const settings = {
  epsilons: [0, 0.3],
  seedsPerVariant: 1,
  seed: 7,
  episodeUs: 60_000_000,
  riskBuckets: 4,
  rewardScale: 0.01,
  strategies: ['obi-momentum', 'market-maker'],
} as const;

describe('trajectories from the bundled Binance recording', () => {
  it('runs each baseline and its ε variant through the Engine and lays the steps out as the contract says', async () => {
    expect(dataset.rows).toBeGreaterThan(20);
    const t = await buildTrajectories({ dataset, recordings: await openDatasetRecordings(dataset), ...settings });
    const table = tableFromIPC(t.bytes);
    const md = table.schema.metadata;
    expect(md.get('tickerml.kind')).toBe(TRAJECTORIES_KIND);
    expect(md.get('tickerml.dataset_sha256')).toBe(dataset.sha256);
    expect(JSON.parse(md.get('tickerml.risk_buckets') as string).edges).toEqual([0.0001, 0.001, 0.01]);
    const F = dataset.meta.features.length;
    const names = table.schema.fields.map((f) => `${f.name}:${f.type}`);
    expect(names.slice(0, 6)).toEqual([
      'episode:Int32',
      'step:Int32',
      't0:Int64',
      'strategy:Utf8',
      'epsilon:Float32',
      'seed:Int32',
    ]);
    expect(names.slice(6 + 2 * F)).toEqual([
      'action:Int8',
      'size:Float32',
      'reward:Float64',
      'return_to_go:Float64',
      'risk_bucket:Int8',
      'done:Bool',
    ]);
    expect(table.numRows).toBe(4 * dataset.rows);
    // The state columns are the dataset's rows.
    const first = dataset.meta.features[0]?.name as string;
    expect(table.getChild(first)?.get(3)).toBe(dataset.states[3 * dataset.dimension]);
    // Episodes are contiguous, steps count from 0, done closes each, return-to-go sums the rest.
    const episode = table.getChild('episode')?.toArray() as Int32Array;
    const step = table.getChild('step')?.toArray() as Int32Array;
    const reward = table.getChild('reward')?.toArray() as Float64Array;
    const rtg = table.getChild('return_to_go')?.toArray() as Float64Array;
    const done = [...(table.getChild('done') ?? [])] as boolean[];
    for (let i = 0; i < table.numRows; i++) {
      const last = i + 1 === table.numRows || episode[i + 1] !== episode[i];
      expect(done[i]).toBe(last);
      if (i > 0 && episode[i] === episode[i - 1]) expect(step[i]).toBe((step[i - 1] as number) + 1);
      else expect(step[i]).toBe(0);
      expect(rtg[i]).toBeCloseTo((reward[i] as number) + (last ? 0 : (rtg[i + 1] as number)), 15);
    }
    // The episodes' rewards add up to the run's equity change (fees and slippage included).
    for (const v of t.variants) {
      const sum = v.run.steps.reduce((a, s) => a + s.reward, 0);
      expect(sum).toBeCloseTo((v.run.finalEquity - v.run.startingEquity) / v.run.startingEquity, 12);
    }
    // The strategies traded: some buy or sell step in each unperturbed run; perturbed runs differ.
    const obi = t.variants[0]?.run.steps ?? [];
    expect(obi.some((s) => s.action !== TrajectoryAction.Hold)).toBe(true);
    const perturbed = t.variants[1]?.run.steps ?? [];
    expect(perturbed.filter((s) => s.perturbed).length).toBeGreaterThan(0);
    expect(perturbed.every((s) => s.size >= 0 && s.size <= 1)).toBe(true);
  }, 120_000);

  it('same seed, same file bit for bit; another seed, another file', async () => {
    const recordings = await openDatasetRecordings(dataset);
    const one = { ...settings, strategies: ['obi-momentum'], epsilons: [0.3] };
    const a = await buildTrajectories({ dataset, recordings, ...one });
    const b = await buildTrajectories({ dataset, recordings, ...one });
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
    const c = await buildTrajectories({ dataset, recordings, ...one, seed: 8 });
    expect(Buffer.from(a.bytes).equals(Buffer.from(c.bytes))).toBe(false);
  }, 120_000);

  it('refuses a recording whose sha256 differs from the dataset’s', async () => {
    const copy = readDataset(join(dir, 'btc.arrow'));
    writeFileSync(join(dir, 'btc.gz'), 'not the recording');
    try {
      await expect(openDatasetRecordings(copy)).rejects.toThrow(TrajectoryInputError);
      await expect(openDatasetRecordings(copy)).rejects.toThrow(/not the recording the dataset was built from/);
    } finally {
      copyFileSync(BINANCE, join(dir, 'btc.gz'));
    }
  });

  it('buckets adverse excursions by decade from 1 bp', () => {
    expect(riskBucketEdges(4)).toEqual([0.0001, 0.001, 0.01]);
    expect([0, 0.00009, 0.0001, 0.0009, 0.001, 0.05, 0.5].map((x) => riskBucket(x, 4))).toEqual([0, 0, 1, 1, 2, 3, 3]);
  });
});

describe('rolloutWindows', () => {
  it('runs one strategy once through time, acting only inside the windows, one result per window', async () => {
    const recordings = await openDatasetRecordings(dataset);
    const { markets, capLots } = await baselineMarkets(recordings, { venue: 'binance', symbol: 'BTC/USDT' }, '1000');
    const t0 = Array.from(dataset.t0);
    const third = Math.floor(t0.length / 3);
    const first = t0.slice(0, third);
    const last = t0.slice(2 * third);
    const seen: number[] = [];
    const inner = createBaseline('obi-momentum', markets, { orderNotional: '1000' });
    const placedAt: number[] = [];
    const strategy: Strategy = {
      name: 'watched',
      onEvent(event, ctx) {
        seen.push(event.localTs);
        const before = ctx.openOrders().length;
        inner.onEvent(event, ctx);
        if (ctx.openOrders().length > before) placedAt.push(event.localTs);
      },
    };
    const windows = [
      { decisionTimesUs: first, endUs: (first[first.length - 1] as number) + 5_000_000 },
      { decisionTimesUs: last, endUs: (last[last.length - 1] as number) + 5_000_000 },
    ];
    const [a, b] = await rolloutWindows({
      events: recordings.events(),
      instruments: recordings.instruments,
      traded: { venue: 'binance', symbol: 'BTC/USDT' },
      windows,
      strategy,
      capLots,
      seed: 3,
    });
    expect(a?.steps.map((s) => s.t0Us)).toEqual(first);
    expect(b?.steps.map((s) => s.t0Us)).toEqual(last);
    // Every event once, in order.
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1] as number);
    // Orders only reach the venue inside a window.
    expect(placedAt.length).toBeGreaterThan(0);
    for (const at of placedAt) {
      const inside = windows.some((w) => at >= (w.decisionTimesUs[0] as number) && at <= w.endUs);
      expect(inside).toBe(true);
    }
    for (const r of [a, b]) {
      const sum = (r?.steps ?? []).reduce((x, s) => x + s.reward, 0);
      expect(sum).toBeCloseTo(((r?.finalEquity ?? 0) - (r?.startingEquity ?? 0)) / (r?.startingEquity ?? 1), 12);
    }
    await expect(
      rolloutWindows({
        events: recordings.events(),
        instruments: recordings.instruments,
        traded: { venue: 'binance', symbol: 'BTC/USDT' },
        windows: [windows[1] as (typeof windows)[number], windows[0] as (typeof windows)[number]],
        strategy,
        capLots,
        seed: 3,
      }),
    ).rejects.toThrow(RolloutError);
  }, 120_000);
});
