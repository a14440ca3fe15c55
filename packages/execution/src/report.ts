/**
 * Backtest reports: summary statistics, fills and the equity curve as JSON, CSV and a
 * self-contained HTML page with equity and drawdown charts.
 *
 * Money is reported as exact decimal strings (from quote atoms); ratios are floats.
 *
 * @module
 */
import { hitRate, maxDrawdown, SHARPE_MINIMUMS, sharpeFromEquity, simpleReturns, turnover } from '@tickerml/core';
import { atomsToDecimal } from './money.js';
import type { Fill, Portfolio } from './portfolio.js';

/** Markout statistics at one horizon. */
export interface MarkoutStats {
  /** Horizon, seconds. */
  readonly horizonS: number;
  /** Fills whose markout at this horizon is known. */
  readonly count: number;
  /** Mean signed mid move after our fills, ticks (positive = the market moved our way). */
  readonly meanTicks: number;
  /** The same, each move taken relative to the mid at the fill, basis points. */
  readonly meanBps: number;
  /** Share of fills with a negative markout (adverse selection). */
  readonly adverseShare: number;
}

/** The report summary. Money as decimal strings of the quote currency. */
export interface ReportSummary {
  readonly strategy: string;
  readonly startUs: number;
  readonly endUs: number;
  readonly events: number;
  readonly initialEquity: string;
  readonly finalEquity: string;
  /** finalEquity − initialEquity. */
  readonly netPnl: string;
  /** P&L of closed quantity (average-cost accounting), fees not included. */
  readonly realizedPnl: string;
  /** P&L of the open positions at their last mark. */
  readonly unrealizedPnl: string;
  /** Fees paid (negative = rebates earned). */
  readonly fees: string;
  /** Funding received (negative = paid). */
  readonly funding: string;
  readonly fills: number;
  readonly makerFills: number;
  readonly takerFills: number;
  /** Notional traded ÷ initial equity. */
  readonly turnover: number;
  readonly tradedNotional: string;
  /**
   * Annualised (365 days) from the equity samples' returns at their actual sampling interval
   * (`@tickerml/core`'s `sharpeFromEquity`); NaN (null in JSON) when the run is under
   * {@link SHARPE_MINIMUMS} (30 returns over 30 days) or the ratio is undefined: see `sharpeWarning`.
   */
  readonly sharpe: number;
  /** The Sharpe ratio per equity sample, not annualised; NaN with fewer than 2 returns or no variance. */
  readonly sharpePerSample: number;
  /** Number of equity returns the Sharpe ratio rests on. */
  readonly sharpeSamples: number;
  /** The equity curve's actual mean sampling interval, µs. */
  readonly sampleIntervalUs: number;
  /** Why `sharpe` (and `sortino`) carry no annualised figure; `null` when they do. */
  readonly sharpeWarning: string | null;
  /** Annualised like `sharpe`, with downside deviation; NaN whenever `sharpe` is. */
  readonly sortino: number;
  /** Share of the non-zero equity returns that are positive (NaN when none moved). */
  readonly hitRate: number;
  /** Largest peak-to-trough fall of equity as a fraction of the peak. */
  readonly maxDrawdown: number;
  /** Same, in quote currency. */
  readonly maxDrawdownAmount: string;
  /** Toxic maker fills ÷ maker fills (0 when there are none). */
  readonly toxicFillRate: number;
  readonly markouts: readonly MarkoutStats[];
}

/** A full report: summary, fills and equity curve. */
export interface BacktestReport {
  readonly summary: ReportSummary;
  readonly fills: readonly Fill[];
  readonly equity: ReadonlyArray<{ readonly atUs: number; readonly equity: string }>;
}

/**
 * Builds the report of a finished run.
 *
 * @param options.sampleUs the equity sampling period the engine was asked for, µs; the Sharpe
 *   ratio is annualised by the curve's actual interval, which is at least this.
 * @example
 * ```ts
 * const report = buildReport(portfolio, { strategy: 'obi-momentum', events: engine.eventCount, sampleUs: 1_000_000 });
 * report.summary.sharpe;
 * ```
 */
export function buildReport(
  portfolio: Portfolio,
  options: { strategy: string; events: number; sampleUs: number },
): BacktestReport {
  const curve = portfolio.equityCurve;
  const first = curve[0];
  const last = curve[curve.length - 1];
  const initial = portfolio.initialEquityAtoms;
  const final = last?.equityAtoms ?? initial;
  let realized = 0n;
  let unrealized = 0n;
  let traded = 0n;
  for (const pos of portfolio.positions()) {
    realized += pos.realizedAtoms;
    unrealized += portfolio.unrealizedAtoms(pos);
    traded += pos.tradedNotionalAtoms;
  }
  // Statistics on floats through the shared metric functions; the drawdown amount stays exact.
  const equityFloats = curve.map((p) => Number(p.equityAtoms) / 1e18);
  const returns = simpleReturns(equityFloats);
  const sharpe = sharpeFromEquity(curve.map((p, i) => ({ atUs: p.atUs, value: equityFloats[i] as number })));
  const maxDd = maxDrawdown(equityFloats).fraction;
  let peakAtoms: bigint | undefined;
  let maxDdAtoms = 0n;
  for (const p of curve) {
    if (peakAtoms === undefined || p.equityAtoms > peakAtoms) peakAtoms = p.equityAtoms;
    if (peakAtoms > 0n && peakAtoms - p.equityAtoms > maxDdAtoms) maxDdAtoms = peakAtoms - p.equityAtoms;
  }
  const n = returns.length;
  const downside = n < 2 ? Number.NaN : Math.sqrt(returns.reduce((a, r) => a + (r < 0 ? r * r : 0), 0) / n);
  const meanReturn = n === 0 ? Number.NaN : returns.reduce((a, b) => a + b, 0) / n;
  const annual = Math.sqrt(sharpe.periodsPerYear);
  const fills = portfolio.fills;
  let maker = 0;
  let toxic = 0;
  for (const f of fills) {
    if (f.liquidity === 'maker') {
      maker++;
      if (f.toxic) toxic++;
    }
  }
  const markouts: MarkoutStats[] = [1, 10, 60].map((horizonS, h) => {
    let count = 0;
    let sum = 0;
    let sumBps = 0;
    let adverse = 0;
    for (const f of fills) {
      const m = f.markoutsTicks[h] as number;
      if (Number.isNaN(m)) continue;
      count++;
      sum += m;
      sumBps += (m / f.midAtFillTicks) * 10_000;
      if (m < 0) adverse++;
    }
    return {
      horizonS,
      count,
      meanTicks: count === 0 ? Number.NaN : sum / count,
      meanBps: count === 0 ? Number.NaN : sumBps / count,
      adverseShare: count === 0 ? Number.NaN : adverse / count,
    };
  });
  const initialF = Number(initial) / 1e18;
  return {
    summary: {
      strategy: options.strategy,
      startUs: first?.atUs ?? 0,
      endUs: last?.atUs ?? 0,
      events: options.events,
      initialEquity: atomsToDecimal(initial),
      finalEquity: atomsToDecimal(final),
      netPnl: atomsToDecimal(final - initial),
      realizedPnl: atomsToDecimal(realized),
      unrealizedPnl: atomsToDecimal(unrealized),
      fees: atomsToDecimal(portfolio.totalFeesAtoms),
      funding: atomsToDecimal(portfolio.totalFundingAtoms),
      fills: fills.length,
      makerFills: maker,
      takerFills: fills.length - maker,
      turnover: turnover(Number(traded) / 1e18, initialF),
      tradedNotional: atomsToDecimal(traded),
      sharpe: sharpe.annualised ?? Number.NaN,
      sharpePerSample: sharpe.perSample,
      sharpeSamples: sharpe.samples,
      sampleIntervalUs: sharpe.intervalUs,
      sharpeWarning: sharpe.warning,
      sortino: sharpe.annualised !== null && downside > 0 ? (meanReturn / downside) * annual : Number.NaN,
      hitRate: hitRate(returns),
      maxDrawdown: maxDd,
      maxDrawdownAmount: atomsToDecimal(maxDdAtoms),
      toxicFillRate: maker === 0 ? 0 : toxic / maker,
      markouts,
    },
    fills,
    equity: curve.map((p) => ({ atUs: p.atUs, equity: atomsToDecimal(p.equityAtoms) })),
  };
}

/**
 * The report as JSON text: bigints as decimal strings, NaN as null.
 *
 * @example
 * ```ts
 * writeFileSync('report.json', reportToJson(report));
 * ```
 */
export function reportToJson(report: BacktestReport, space = 2): string {
  return JSON.stringify(
    report,
    (key, v) => {
      if (typeof v === 'bigint') return key === 'feeAtoms' ? atomsToDecimal(v) : v.toString();
      if (typeof v === 'number' && !Number.isFinite(v)) return null;
      return v;
    },
    space,
  );
}

/**
 * Fills as CSV, one per line: time (µs), venue, symbol, side, price and quantity (ticks, lots),
 * liquidity, fee (quote), toxic flag, queue position at entry, markouts at 1/10/60 s (ticks).
 */
export function fillsToCsv(fills: readonly Fill[]): string {
  const lines = [
    'fill_id,at_us,order_id,venue,symbol,side,price_ticks,qty_lots,liquidity,fee,toxic,entry_queue_position,markout_1s_ticks,markout_10s_ticks,markout_60s_ticks,tag',
  ];
  for (const f of fills) {
    const m = f.markoutsTicks.map((x) => (Number.isNaN(x) ? '' : String(x)));
    lines.push(
      [
        f.fillId,
        f.atUs,
        f.orderId,
        f.venue,
        f.symbol,
        f.side,
        f.priceTicks,
        f.qtyLots,
        f.liquidity,
        atomsToDecimal(f.feeAtoms),
        f.toxic,
        f.entryQueuePosition,
        ...m,
        csvText(f.tag ?? ''),
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The equity curve as CSV: `at_us,equity`. */
export function equityToCsv(report: BacktestReport): string {
  return `at_us,equity\n${report.equity.map((p) => `${p.atUs},${p.equity}`).join('\n')}\n`;
}

function csvText(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function escapeHtml(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/** An SVG polyline chart of `ys` against `xs` (at most 2,000 points drawn). */
function svgChart(xs: readonly number[], ys: readonly number[], title: string, color: string): string {
  const W = 900;
  const H = 240;
  const pad = 40;
  if (xs.length === 0) return `<p>${escapeHtml(title)}: no data</p>`;
  const step = Math.max(1, Math.ceil(xs.length / 2000));
  const x0 = xs[0] as number;
  const x1 = xs[xs.length - 1] as number;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const y of ys) {
    if (y < lo) lo = y;
    if (y > hi) hi = y;
  }
  if (hi === lo) {
    hi += 1;
    lo -= 1;
  }
  const px = (x: number) => pad + ((x - x0) / (x1 - x0 || 1)) * (W - 2 * pad);
  const py = (y: number) => H - pad - ((y - lo) / (hi - lo)) * (H - 2 * pad);
  const pts: string[] = [];
  for (let i = 0; i < xs.length; i += step)
    pts.push(`${px(xs[i] as number).toFixed(1)},${py(ys[i] as number).toFixed(1)}`);
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(title)}">
<rect x="0" y="0" width="${W}" height="${H}" fill="#fff" stroke="#ccc"/>
<text x="4" y="${pad - 8}" font-size="11">${hi.toPrecision(8)}</text><text x="4" y="${H - pad + 14}" font-size="11">${lo.toPrecision(8)}</text>
<text x="${pad}" y="${H - 6}" font-size="11">${new Date(x0 / 1000).toISOString()}</text><text x="${W - pad - 150}" y="${H - 6}" font-size="11">${new Date(x1 / 1000).toISOString()}</text>
<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${pts.join(' ')}"/></svg></figure>`;
}

/**
 * A self-contained HTML report (no scripts, no external assets): summary table, equity chart and
 * drawdown chart.
 */
export function reportToHtml(report: BacktestReport): string {
  const xs = report.equity.map((p) => p.atUs);
  const eq = report.equity.map((p) => Number(p.equity));
  let peak = Number.NEGATIVE_INFINITY;
  const dd = eq.map((e) => {
    if (e > peak) peak = e;
    return peak > 0 ? -(peak - e) / peak : 0;
  });
  const rows = Object.entries(report.summary)
    .filter(([k]) => k !== 'markouts')
    .map(
      ([k, v]) =>
        `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(typeof v === 'number' && !Number.isFinite(v) ? 'n/a' : String(v))}</td></tr>`,
    )
    .join('\n');
  const markouts = report.summary.markouts
    .map(
      (m) =>
        `<tr><td>+${m.horizonS} s</td><td>${m.count}</td><td>${Number.isNaN(m.meanTicks) ? 'n/a' : m.meanTicks.toFixed(4)}</td><td>${Number.isNaN(m.meanBps) ? 'n/a' : m.meanBps.toFixed(3)}</td><td>${Number.isNaN(m.adverseShare) ? 'n/a' : (m.adverseShare * 100).toFixed(1)} %</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>TickerML backtest: ${escapeHtml(report.summary.strategy)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin-bottom:1.5em}th,td{border:1px solid #ddd;padding:4px 10px;text-align:left}th{background:#f6f6f6}figcaption{font-weight:600;margin:8px 0}</style>
</head><body>
<h1>Backtest: ${escapeHtml(report.summary.strategy)}</h1>
<table>${rows}</table>
<h2>Markouts</h2>
<table><tr><th>horizon</th><th>fills</th><th>mean (ticks)</th><th>mean (bp)</th><th>adverse</th></tr>${markouts}</table>
${svgChart(xs, eq, 'Equity', '#1f6feb')}
${svgChart(xs, dd, 'Drawdown (fraction of peak)', '#d1242f')}
</body></html>
`;
}
