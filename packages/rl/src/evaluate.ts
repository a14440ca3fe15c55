/**
 * Evaluation that cannot cheat (issue 13): for every CPCV split, a policy is fitted on the split's
 * training rows only (after purge, embargo and the quarantine) and run through the backtest's
 * Engine over the data, acting only inside the split's test groups (one run per split, so a
 * stateful policy sees each event once, in time order); the test groups are assembled into the φ paths, and every
 * path is scored (Sharpe with its sample count, probabilistic and deflated Sharpe, max drawdown,
 * hit rate, turnover) beside flat, buy-and-hold and each baseline strategy on the same paths.
 *
 * A strategy that is not fitted (the benchmarks, the baselines) behaves the same in every split,
 * so its φ paths are identical: its distribution is a point, which is the honest answer.
 *
 * @module
 */
import {
  deflatedSharpeRatio,
  maxDrawdown,
  mean,
  moments,
  probabilisticSharpeRatio,
  type SharpeResult,
  sharpeRatio,
  standardDeviation,
} from '@tickerml/core';
import { BASELINE_STRATEGIES, createBaseline, type Strategy } from '@tickerml/execution';
import { type CpcvOptions, type CpcvPlan, combinatorialPurgedCv } from './cpcv.js';
import type { Dataset } from './dataset-file.js';
import { applyQuarantine, type Quarantined, type QuarantineStamp, requireQuarantined } from './quarantine.js';
import { buyAndHold, flatStrategy, type RolloutResult, rollout, rolloutWindows } from './rollout.js';
import { baselineMarkets, type DatasetRecordings, type Markets, rowsOf, TrajectoryInputError } from './trajectories.js';

/** What a {@link PolicyFactory} is given to fit on: the training rows of one split, quarantined. */
export interface PolicyFitContext {
  /** The dataset. */
  readonly dataset: Dataset;
  /** The split's training row indices (into the dataset), after purge and embargo; quarantined. */
  readonly train: Quarantined<{ readonly rows: readonly number[] }>;
  /** Index of the split (in CPCV order). */
  readonly split: number;
  /** The split's test groups (the policy never sees their rows). */
  readonly testGroups: readonly number[];
  /** The markets (traded first) and the position cap in lots. */
  readonly markets: Markets;
  /** The seed of this split's fit. */
  readonly seed: number;
}

/** Fits a policy on a split's training rows and returns it as a `Strategy` for the Engine. */
export type PolicyFactory = (context: PolicyFitContext) => Strategy | Promise<Strategy>;

/** A learning curve to draw in the HTML report (e.g. training and validation loss per epoch). */
export interface LearningCurve {
  readonly name: string;
  readonly points: readonly { readonly x: number; readonly y: number }[];
}

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  readonly dataset: Dataset;
  readonly recordings: DatasetRecordings;
  /** The traded instrument. Default: the dataset's first. */
  readonly traded?: { readonly venue: string; readonly symbol: string };
  /** CPCV settings. */
  readonly cv: CpcvOptions;
  /** The quarantine's as-of, µs (recorded in the report). */
  readonly asOfUs: number;
  /** Quarantine days (at least 30). */
  readonly quarantineDays: number;
  /** The policy under evaluation, fitted per split; absent: only the benchmarks and baselines. */
  readonly policy?: { readonly name: string; readonly fit: PolicyFactory };
  /** Baseline names; default every one the data allows. */
  readonly baselines?: readonly string[];
  /** Number of trials for the deflated Sharpe ratio; default the number of strategies compared. */
  readonly trials?: number;
  readonly seed: number;
  /** Quote value of each baseline order (and buy-and-hold's position: three orders). Default `'1000'`. */
  readonly orderNotional?: string;
  /** Starting cash per quote currency. Default `'10000'`. */
  readonly startingBalance?: string;
  /** Called after each Engine run. */
  readonly onRun?: (done: number, total: number, what: string) => void;
}

/** The figures of one path (or of their distribution). */
export interface PathMetrics {
  /** Total return over the path, fraction. */
  readonly totalReturn: number;
  /** Sharpe ratio per decision step (not annualised). */
  readonly sharpePerStep: number;
  /** Annualised Sharpe, or null under the minimum sample count and span (see `sharpeWarning`). */
  readonly sharpeAnnualised: number | null;
  /** Why no annualised figure, or null. */
  readonly sharpeWarning: string | null;
  /** Steps the Sharpe ratio rests on. */
  readonly samples: number;
  /** Probability that the true Sharpe ratio exceeds 0. */
  readonly psr: number;
  /** Probability that it exceeds the expected maximum of `trials` unskilled strategies. */
  readonly dsr: number;
  /** Max drawdown of the path's equity, fraction of peak. */
  readonly maxDrawdown: number;
  /** Share of non-zero steps that gained. */
  readonly hitRate: number;
  /** Notional traded ÷ starting equity, summed over the path's test groups. */
  readonly turnover: number;
}

/** One strategy's results. */
export interface StrategyEvaluation {
  readonly name: string;
  /** `policy`, `benchmark` or `baseline`. */
  readonly kind: 'policy' | 'benchmark' | 'baseline';
  /** Per path, in path order. */
  readonly paths: readonly PathMetrics[];
  /** Per path: equity (starting at 1) after each decision step, with its time (µs); thinned evenly to about 2,000 points, the last kept. */
  readonly equityCurves: readonly (readonly { readonly atUs: number; readonly equity: number }[])[];
  /** Distribution over paths: min, median, mean, max of each figure. */
  readonly distribution: Readonly<Record<keyof Omit<PathMetrics, 'sharpeWarning' | 'sharpeAnnualised'>, Summary>>;
}

/** Summary of a figure over the paths. */
export interface Summary {
  readonly min: number;
  readonly median: number;
  readonly mean: number;
  readonly max: number;
}

/** The evaluation report (also its JSON). */
export interface EvaluationReport {
  readonly dataset: { readonly path: string; readonly sha256: string; readonly rows: number };
  readonly instrument: { readonly venue: string; readonly symbol: string };
  readonly asOf: string;
  readonly quarantine: QuarantineStamp;
  readonly cv: {
    readonly groups: number;
    readonly testGroups: number;
    readonly embargoUs: number;
    readonly nSplits: number;
    readonly nPaths: number;
  };
  /** Number of trials behind the deflated Sharpe ratio. */
  readonly trials: number;
  readonly intervalUs: number;
  readonly strategies: readonly StrategyEvaluation[];
}

function summary(values: readonly number[]): Summary {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return { min: Number.NaN, median: Number.NaN, mean: Number.NaN, max: Number.NaN };
  const mid = finite.length >> 1;
  const median =
    finite.length % 2 === 1 ? (finite[mid] as number) : ((finite[mid - 1] as number) + (finite[mid] as number)) / 2;
  return { min: finite[0] as number, median, mean: mean(finite), max: finite[finite.length - 1] as number };
}

interface PathSeries {
  readonly returns: number[];
  readonly curve: { atUs: number; equity: number }[];
  readonly turnover: number;
}

/** Equity points kept per path in the report (the figures use every step). */
const MAX_CURVE_POINTS = 2000;

/** Every k-th point, so that about `max` remain (the last one always kept). */
function thin<T>(points: readonly T[], max: number): T[] {
  if (points.length <= max) return [...points];
  const stride = Math.ceil(points.length / max);
  const out: T[] = [];
  for (let i = 0; i < points.length; i += stride) out.push(points[i] as T);
  if ((points.length - 1) % stride !== 0) out.push(points[points.length - 1] as T);
  return out;
}

/** Chains test-group runs into one path: equity starts at 1, each group continues from the last. */
function chain(segments: readonly RolloutResult[]): PathSeries {
  const returns: number[] = [];
  const curve: { atUs: number; equity: number }[] = [];
  let equity = 1;
  let turnover = 0;
  for (const seg of segments) {
    const start = seg.startingEquity;
    if (start > 0) turnover += seg.tradedNotional / start;
    const base = equity;
    for (const [i, step] of seg.steps.entries()) {
      const after = i + 1 < seg.steps.length ? (seg.steps[i + 1]?.equity as number) : seg.finalEquity;
      const next = start > 0 ? base * (after / start) : equity;
      returns.push(equity > 0 ? next / equity - 1 : 0);
      equity = next;
      curve.push({ atUs: step.t0Us, equity });
    }
  }
  return { returns, curve, turnover };
}

/**
 * Runs the evaluation.
 *
 * @throws {QuarantineError} when a row of the traded instrument ends within the quarantine
 * @throws {CpcvOptionError} for impossible CPCV settings
 * @throws {TrajectoryInputError} for a traded instrument without rows or prices
 * @example
 * ```ts
 * const report = await evaluate({ dataset, recordings, cv: { groups: 6, testGroups: 2, embargoUs: 60_000_000 },
 *   asOfUs, quarantineDays: 30, seed: 1 });
 * report.strategies.map((s) => [s.name, s.distribution.sharpePerStep.median]);
 * ```
 */
export async function evaluate(options: EvaluateOptions): Promise<EvaluationReport> {
  const { dataset, recordings } = options;
  const first = dataset.meta.instruments[0];
  const traded = options.traded ?? (first === undefined ? undefined : { venue: first.venue, symbol: first.symbol });
  if (traded === undefined) throw new TrajectoryInputError(`${dataset.path} has no instrument`);
  const rows = rowsOf(dataset, traded);
  if (rows.length === 0)
    throw new TrajectoryInputError(`${dataset.path} has no row for ${traded.venue} ${traded.symbol}`);
  const t0 = rows.map((r) => dataset.t0[r] as number);
  const t1 = rows.map((r) => dataset.t1[r] as number);
  // Every row may train in some split: the whole instrument goes through the quarantine.
  const all = applyQuarantine({ rows }, t1, { asOfUs: options.asOfUs, quarantineDays: options.quarantineDays });
  const plan: CpcvPlan = combinatorialPurgedCv(t0, t1, options.cv);
  const orderNotional = options.orderNotional ?? '1000';
  const markets = await baselineMarkets(recordings, traded, orderNotional);
  const venues = new Set(markets.markets.map((m) => m.instrument.venue));
  const baselines = options.baselines ?? BASELINE_STRATEGIES.filter((b) => b !== 'arbitrage' || venues.size >= 2);
  for (const name of baselines)
    if (!(BASELINE_STRATEGIES as readonly string[]).includes(name))
      throw new TrajectoryInputError(`unknown strategy '${name}' (known: ${BASELINE_STRATEGIES.join(', ')})`);
  const intervalUs = dataset.meta.intervalUs;

  const runGroup = (strategy: Strategy, g: number, seed: number): Promise<RolloutResult> => {
    const groupRows = plan.groups[g]?.rows ?? [];
    const times = groupRows.map((i) => t0[i] as number);
    return rollout({
      events: recordings.events(),
      instruments: recordings.instruments,
      traded,
      decisionTimesUs: times,
      strategy,
      capLots: markets.capLots,
      seed,
      endUs: (times[times.length - 1] as number) + intervalUs,
      ...(options.startingBalance === undefined ? {} : { startingBalance: options.startingBalance }),
    });
  };

  const fixed: { name: string; kind: 'benchmark' | 'baseline'; make: () => Strategy }[] = [
    { name: 'flat', kind: 'benchmark', make: () => flatStrategy },
    {
      name: 'buy-and-hold',
      kind: 'benchmark',
      make: () => buyAndHold({ venue: traded.venue, symbol: traded.symbol, qtyLots: markets.capLots }),
    },
    ...baselines.map((name) => ({
      name,
      kind: 'baseline' as const,
      make: () => createBaseline(name, markets.markets, { orderNotional }),
    })),
  ];
  const nGroups = plan.groups.length;
  const totalRuns = fixed.length * nGroups + (options.policy === undefined ? 0 : plan.nSplits * options.cv.testGroups);
  let runs = 0;
  const tick = (what: string) => options.onRun?.(++runs, totalRuns, what);

  // segments[strategy][path] = the test-group runs of that path, in group order.
  const named: { name: string; kind: StrategyEvaluation['kind']; segments: RolloutResult[][] }[] = [];
  for (const f of fixed) {
    const perGroup: RolloutResult[] = [];
    for (let g = 0; g < nGroups; g++) {
      perGroup.push(await runGroup(f.make(), g, options.seed));
      tick(`${f.name} group ${g}`);
    }
    named.push({ name: f.name, kind: f.kind, segments: plan.paths.map(() => perGroup) });
  }
  if (options.policy !== undefined) {
    const bySplit: Map<number, RolloutResult>[] = [];
    for (const [j, split] of plan.splits.entries()) {
      const trainRows = split.train.map((i) => rows[i] as number);
      const train = applyQuarantine(
        { rows: trainRows },
        trainRows.map((r) => dataset.t1[r] as number),
        { asOfUs: options.asOfUs, quarantineDays: options.quarantineDays },
      );
      const seed = options.seed + j;
      const strategy = await options.policy.fit({
        dataset,
        train,
        split: j,
        testGroups: split.testGroups,
        markets,
        seed,
      });
      // One Engine run per split: the fitted policy sees every event once, in time order, and
      // acts only inside its test groups (a stateful policy cannot be replayed group by group).
      const windows = split.testGroups.map((g) => {
        const times = (plan.groups[g]?.rows ?? []).map((i) => t0[i] as number);
        return { decisionTimesUs: times, endUs: (times[times.length - 1] as number) + intervalUs };
      });
      const runs = await rolloutWindows({
        events: recordings.events(),
        instruments: recordings.instruments,
        traded,
        windows,
        strategy,
        capLots: markets.capLots,
        seed: options.seed,
        ...(options.startingBalance === undefined ? {} : { startingBalance: options.startingBalance }),
      });
      const results = new Map<number, RolloutResult>();
      for (const [w, g] of split.testGroups.entries()) {
        results.set(g, runs[w] as RolloutResult);
        tick(`${options.policy.name} split ${j} group ${g}`);
      }
      bySplit.push(results);
    }
    named.unshift({
      name: options.policy.name,
      kind: 'policy',
      segments: plan.paths.map((path) => path.map((j, g) => bySplit[j]?.get(g) as RolloutResult)),
    });
  }

  const series = named.map((s) => s.segments.map((segs) => chain(segs)));
  const trials = options.trials ?? named.length;
  const strategies: StrategyEvaluation[] = named.map((s, k) => {
    const paths = (series[k] as PathSeries[]).map((p, pathIndex) => {
      const sharpe: SharpeResult = sharpeRatio(p.returns, { intervalUs });
      // The spread of per-step Sharpe ratios across the strategies on this path: the DSR's trials.
      const across = series.map(
        (other) => sharpeRatio((other[pathIndex] as PathSeries).returns, { intervalUs }).perSample,
      );
      const finite = across.filter((x) => Number.isFinite(x));
      const variance = finite.length >= 2 ? (standardDeviation(finite) as number) ** 2 : 0;
      const m = moments(p.returns);
      const psrInput = {
        sharpe: sharpe.perSample,
        samples: sharpe.samples,
        skewness: m.skewness,
        kurtosis: m.kurtosis,
      };
      const wins = p.returns.filter((r) => r > 0).length;
      const moved = p.returns.filter((r) => r !== 0).length;
      const last = p.curve[p.curve.length - 1];
      return {
        totalReturn: last === undefined ? 0 : last.equity - 1,
        sharpePerStep: sharpe.perSample,
        sharpeAnnualised: sharpe.annualised,
        sharpeWarning: sharpe.warning,
        samples: sharpe.samples,
        psr: probabilisticSharpeRatio(psrInput),
        dsr: deflatedSharpeRatio({ ...psrInput, trials, trialSharpeVariance: variance }),
        maxDrawdown: maxDrawdown(p.curve.map((c) => c.equity)).fraction,
        hitRate: moved === 0 ? Number.NaN : wins / moved,
        turnover: p.turnover,
      } satisfies PathMetrics;
    });
    const pick = (key: keyof PathMetrics) => summary(paths.map((p) => p[key] as number));
    return {
      name: s.name,
      kind: s.kind,
      paths,
      equityCurves: (series[k] as PathSeries[]).map((p) => thin(p.curve, MAX_CURVE_POINTS)),
      distribution: {
        totalReturn: pick('totalReturn'),
        sharpePerStep: pick('sharpePerStep'),
        samples: pick('samples'),
        psr: pick('psr'),
        dsr: pick('dsr'),
        maxDrawdown: pick('maxDrawdown'),
        hitRate: pick('hitRate'),
        turnover: pick('turnover'),
      },
    };
  });
  return {
    dataset: { path: dataset.path, sha256: dataset.sha256, rows: dataset.rows },
    instrument: traded,
    asOf: new Date(Math.floor(options.asOfUs / 1000)).toISOString(),
    quarantine: requireQuarantined(all),
    cv: { ...options.cv, nSplits: plan.nSplits, nPaths: plan.nPaths },
    trials,
    intervalUs,
    strategies,
  };
}

/**
 * The report as JSON text (NaN and infinities as null).
 *
 * @example
 * ```ts
 * writeFileSync('evaluation.json', evaluationToJson(report));
 * ```
 */
export function evaluationToJson(report: EvaluationReport): string {
  return JSON.stringify(
    report,
    (_key, value) => (typeof value === 'number' && !Number.isFinite(value) ? null : value),
    2,
  );
}

const COLORS = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df', '#bf3989', '#0a3069', '#6e7781'];

function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

function fmt(x: number | null, digits = 4): string {
  return x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits);
}

/** Lines on one chart: an inline SVG with axes labels (no scripts, no external assets). */
function lineChart(
  title: string,
  lines: readonly { name: string; color: string; xs: readonly number[]; ys: readonly number[] }[],
  xLabel: (x: number) => string,
): string {
  const W = 900;
  const H = 260;
  const pad = 48;
  let x0 = Number.POSITIVE_INFINITY;
  let x1 = Number.NEGATIVE_INFINITY;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const l of lines) {
    for (const x of l.xs) {
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
    }
    for (const y of l.ys) {
      if (!Number.isFinite(y)) continue;
      if (y < lo) lo = y;
      if (y > hi) hi = y;
    }
  }
  if (!Number.isFinite(lo)) return `<p>${escapeHtml(title)}: no data</p>`;
  if (hi === lo) {
    hi += Math.abs(hi) * 1e-3 || 1e-6;
    lo -= Math.abs(lo) * 1e-3 || 1e-6;
  }
  const px = (x: number) => pad + ((x - x0) / (x1 - x0 || 1)) * (W - 2 * pad);
  const py = (y: number) => H - pad - ((y - lo) / (hi - lo)) * (H - 2 * pad);
  const polylines = lines
    .map((l) => {
      const step = Math.max(1, Math.ceil(l.xs.length / 1500));
      const pts: string[] = [];
      for (let i = 0; i < l.xs.length; i += step)
        pts.push(`${px(l.xs[i] as number).toFixed(1)},${py(l.ys[i] as number).toFixed(1)}`);
      return `<polyline fill="none" stroke="${l.color}" stroke-width="1.3" points="${pts.join(' ')}"><title>${escapeHtml(l.name)}</title></polyline>`;
    })
    .join('\n');
  const legend = lines
    .map(
      (l, i) => `<text x="${W - 220}" y="${16 + 14 * i}" font-size="11" fill="${l.color}">${escapeHtml(l.name)}</text>`,
    )
    .join('');
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(title)}">
<rect x="0" y="0" width="${W}" height="${H}" fill="#fff" stroke="#ccc"/>
<text x="4" y="${pad - 6}" font-size="11">${hi.toPrecision(6)}</text><text x="4" y="${H - pad + 14}" font-size="11">${lo.toPrecision(6)}</text>
<text x="${pad}" y="${H - 8}" font-size="11">${escapeHtml(xLabel(x0))}</text><text x="${W - pad - 160}" y="${H - 8}" font-size="11">${escapeHtml(xLabel(x1))}</text>
${polylines}${legend}</svg></figure>`;
}

/** One row per strategy, one dot per path: the CPCV distribution of a figure. */
function stripChart(
  title: string,
  strategies: readonly StrategyEvaluation[],
  values: (s: StrategyEvaluation) => readonly number[],
): string {
  const W = 900;
  const rowH = 26;
  const left = 160;
  const H = 40 + rowH * strategies.length;
  const all = strategies.flatMap((s) => values(s).filter((v) => Number.isFinite(v)));
  if (all.length === 0) return `<p>${escapeHtml(title)}: no finite values</p>`;
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (hi === lo) {
    hi += Math.abs(hi) * 1e-3 || 1e-6;
    lo -= Math.abs(lo) * 1e-3 || 1e-6;
  }
  const px = (v: number) => left + ((v - lo) / (hi - lo)) * (W - left - 30);
  const rows = strategies
    .map((s, i) => {
      const y = 24 + rowH * i;
      const dots = values(s)
        .filter((v) => Number.isFinite(v))
        .map(
          (v) =>
            `<circle cx="${px(v).toFixed(1)}" cy="${y}" r="4" fill="${COLORS[i % COLORS.length]}" fill-opacity="0.6"><title>${v}</title></circle>`,
        )
        .join('');
      return `<text x="6" y="${y + 4}" font-size="12">${escapeHtml(s.name)}</text><line x1="${left}" x2="${W - 30}" y1="${y}" y2="${y}" stroke="#eee"/>${dots}`;
    })
    .join('\n');
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(title)}">
<rect x="0" y="0" width="${W}" height="${H}" fill="#fff" stroke="#ccc"/>${rows}
<text x="${left}" y="${H - 4}" font-size="11">${lo.toPrecision(6)}</text><text x="${W - 110}" y="${H - 4}" font-size="11">${hi.toPrecision(6)}</text></svg></figure>`;
}

/**
 * A self-contained HTML report (inline SVG, no scripts, no external assets): the settings, a
 * table of each strategy's figures (median over paths, with min–max), the CPCV distributions, the
 * equity curves per path and, when given, learning curves.
 *
 * @example
 * ```ts
 * writeFileSync('evaluation.html', evaluationToHtml(report, [{ name: 'train loss', points }]));
 * ```
 */
export function evaluationToHtml(report: EvaluationReport, learningCurves: readonly LearningCurve[] = []): string {
  const s = report.strategies;
  const cell = (d: Summary, digits = 4) =>
    `${fmt(d.median, digits)} <small>[${fmt(d.min, digits)}, ${fmt(d.max, digits)}]</small>`;
  const table = s
    .map(
      (x) =>
        `<tr><th>${escapeHtml(x.name)}</th><td>${x.kind}</td><td>${cell(x.distribution.totalReturn, 6)}</td><td>${cell(x.distribution.sharpePerStep)}</td><td>${x.paths[0]?.sharpeAnnualised === null ? `n/a <small>(${escapeHtml(x.paths[0]?.sharpeWarning ?? '')})</small>` : fmt(x.paths[0]?.sharpeAnnualised ?? null, 2)}</td><td>${cell(x.distribution.psr, 3)}</td><td>${cell(x.distribution.dsr, 3)}</td><td>${cell(x.distribution.maxDrawdown, 6)}</td><td>${cell(x.distribution.hitRate, 3)}</td><td>${cell(x.distribution.turnover, 3)}</td><td>${fmt(x.distribution.samples.median, 0)}</td></tr>`,
    )
    .join('\n');
  const iso = (us: number) => new Date(us / 1000).toISOString().replace('.000Z', 'Z');
  const curves = s
    .map((x, i) =>
      lineChart(
        `Equity per path: ${x.name}`,
        x.equityCurves.map((c, p) => ({
          name: `path ${p}`,
          color: COLORS[(i + p) % COLORS.length] as string,
          xs: c.map((e) => e.atUs),
          ys: c.map((e) => e.equity),
        })),
        iso,
      ),
    )
    .join('\n');
  const learning =
    learningCurves.length === 0
      ? '<p>No learning curves were passed (the benchmarks and baselines are not trained).</p>'
      : lineChart(
          'Learning curves',
          learningCurves.map((c, i) => ({
            name: c.name,
            color: COLORS[i % COLORS.length] as string,
            xs: c.points.map((p) => p.x),
            ys: c.points.map((p) => p.y),
          })),
          (x) => String(x),
        );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>TickerML evaluation: ${escapeHtml(report.instrument.venue)} ${escapeHtml(report.instrument.symbol)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin-bottom:1.5em}th,td{border:1px solid #ddd;padding:4px 8px;text-align:left}th{background:#f6f6f6}figcaption{font-weight:600;margin:8px 0}small{color:#666}</style>
</head><body>
<h1>Evaluation: ${escapeHtml(report.instrument.venue)} ${escapeHtml(report.instrument.symbol)}</h1>
<p>Dataset ${escapeHtml(report.dataset.path)} (${report.dataset.rows} rows, sha256 ${escapeHtml(report.dataset.sha256)}); as-of ${escapeHtml(report.asOf)}, quarantine ${report.quarantine.quarantineDays} days (every row's t1 ≤ ${escapeHtml(iso(report.quarantine.cutoffUs))}).
CPCV: ${report.cv.groups} groups, ${report.cv.testGroups} test groups, embargo ${report.cv.embargoUs} µs → ${report.cv.nSplits} splits, ${report.cv.nPaths} paths. Deflated Sharpe against ${report.trials} trials. Decision interval ${report.intervalUs} µs.</p>
<p>Each cell: median over the paths [min, max]. Strategies that are not fitted behave the same in every split, so their paths coincide.</p>
<table><tr><th>strategy</th><th>kind</th><th>return</th><th>Sharpe per step</th><th>Sharpe annualised</th><th>PSR</th><th>DSR</th><th>max drawdown</th><th>hit rate</th><th>turnover</th><th>steps</th></tr>
${table}</table>
<h2>CPCV distributions (one dot per path)</h2>
${stripChart('Sharpe per step', s, (x) => x.paths.map((p) => p.sharpePerStep))}
${stripChart('Total return', s, (x) => x.paths.map((p) => p.totalReturn))}
${stripChart('Max drawdown', s, (x) => x.paths.map((p) => p.maxDrawdown))}
${stripChart('Deflated Sharpe ratio', s, (x) => x.paths.map((p) => p.dsr))}
<h2>Equity curves per path</h2>
${curves}
<h2>Learning curves</h2>
${learning}
</body></html>
`;
}
