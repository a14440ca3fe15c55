/**
 * Pretraining labels: what happened to an instrument's book after a decision time `t0`. Labels
 * look only forward, over `(t0, t0 + h]`, and are computed from the same book the encoder keeps;
 * features look only backward (events with `localTs ≤ t0`), so nothing of a label leaks into its
 * row's features.
 *
 * "The mid at time t" is the mid after every event with `localTs ≤ t` was applied.
 *
 * @module
 */
import { parseDuration } from '@tickerml/core';
import { RlOptionError } from './errors.js';

/** The kinds of label. */
export const LabelKind = {
  /** Future mid log-return direction: −1, 0 (inside the dead band), +1. */
  Direction: 'direction',
  /** Future realised volatility of the mid, bps. */
  Volatility: 'volatility',
  /** Future time-weighted mean spread, bps. */
  Spread: 'spread',
} as const;
/** One of {@link LabelKind}'s values. */
export type LabelKind = (typeof LabelKind)[keyof typeof LabelKind];

/** One label column of a dataset. */
export interface LabelSpec {
  /** Column name: `dir_<h>`, `vol_<h>` or `spread_<h>` with `h` as written (`dir_10s`). */
  readonly name: string;
  readonly kind: LabelKind;
  /** The horizon as written, e.g. `10s`. */
  readonly horizon: string;
  /** The horizon, µs. */
  readonly horizonUs: number;
  /** Unit of the value. */
  readonly unit: string;
  /** Arrow type of the column: `Int8` for directions, `Float32` otherwise. */
  readonly type: 'Int8' | 'Float32';
  /** What it is, in a sentence (with the window). */
  readonly definition: string;
  /** Directions only: the flat class is `|r| ≤ deadBandBps`. */
  readonly deadBandBps?: number;
}

/** Settings of the labels (`model_config.yaml` `dataset`). */
export interface LabelSettings {
  /** Direction horizons as written, e.g. `['1s', '10s', '60s']`. */
  readonly horizons: readonly string[];
  /** A future log return within ± this many bps is the flat class (0). */
  readonly deadBandBps: number;
  /** Window of the future realised volatility label, e.g. `60s`. */
  readonly volatilityHorizon: string;
  /** Window of the future mean spread label, e.g. `10s`. */
  readonly spreadHorizon: string;
}

/** The default label settings: directions at 1, 10 and 60 s with a 0.5 bp dead band, volatility over 60 s, spread over 10 s. */
export const DEFAULT_LABEL_SETTINGS: LabelSettings = {
  horizons: ['1s', '10s', '60s'],
  deadBandBps: 0.5,
  volatilityHorizon: '60s',
  spreadHorizon: '10s',
};

function horizon(text: string, option: string): { text: string; us: number } {
  let us: number;
  try {
    us = parseDuration(text);
  } catch {
    throw new RlOptionError(option, 'a duration such as 1s, 10s or 1m', text);
  }
  if (us <= 0) throw new RlOptionError(option, 'a positive duration', text);
  return { text: text.trim(), us };
}

/**
 * The label columns for `settings`, in column order: directions in the order given, then the
 * volatility, then the spread.
 *
 * @throws {RlOptionError} on an unparsable or non-positive horizon, a negative dead band, or two
 * labels with the same name.
 * @example
 * ```ts
 * labelSpecs(DEFAULT_LABEL_SETTINGS).map((l) => l.name); // ['dir_1s', 'dir_10s', 'dir_60s', 'vol_60s', 'spread_10s']
 * ```
 */
export function labelSpecs(settings: LabelSettings): LabelSpec[] {
  if (!(settings.deadBandBps >= 0) || !Number.isFinite(settings.deadBandBps))
    throw new RlOptionError('deadBandBps', 'a non-negative number of bps', settings.deadBandBps);
  if (settings.horizons.length === 0) throw new RlOptionError('horizons', 'at least one horizon', settings.horizons);
  const specs: LabelSpec[] = settings.horizons.map((h, i) => {
    const { text, us } = horizon(h, `horizons[${i}]`);
    return {
      name: `dir_${text}`,
      kind: LabelKind.Direction,
      horizon: text,
      horizonUs: us,
      unit: 'class: -1 down, 0 flat, +1 up',
      type: 'Int8',
      definition: `sign of ln(mid(t0 + ${text}) / mid(t0)) x 1e4, 0 when within +-${settings.deadBandBps} bps`,
      deadBandBps: settings.deadBandBps,
    };
  });
  const vol = horizon(settings.volatilityHorizon, 'volatilityHorizon');
  specs.push({
    name: `vol_${vol.text}`,
    kind: LabelKind.Volatility,
    horizon: vol.text,
    horizonUs: vol.us,
    unit: 'bps over the window, not annualised',
    type: 'Float32',
    definition: `sqrt(sum r^2) x 1e4 of the mid log returns between consecutive mid changes in (t0, t0 + ${vol.text}], the first from mid(t0)`,
  });
  const spread = horizon(settings.spreadHorizon, 'spreadHorizon');
  specs.push({
    name: `spread_${spread.text}`,
    kind: LabelKind.Spread,
    horizon: spread.text,
    horizonUs: spread.us,
    unit: 'bps of mid',
    type: 'Float32',
    definition: `time-weighted mean of (ask - bid) / mid x 1e4 over [t0, t0 + ${spread.text}]`,
  });
  const names = new Set<string>();
  for (const s of specs) {
    if (names.has(s.name)) throw new RlOptionError('horizons', 'distinct label names', s.name);
    names.add(s.name);
  }
  return specs;
}

/** The longest horizon of `specs`, µs: a row's `t1 = t0 + maxHorizonUs(specs)`. */
export function maxHorizonUs(specs: readonly LabelSpec[]): number {
  let max = 0;
  for (const s of specs) if (s.horizonUs > max) max = s.horizonUs;
  return max;
}

/**
 * The mid and spread history of one instrument's book, as change points, kept back to the oldest
 * decision time whose labels are still open; computes the labels of a decision once its horizon
 * has passed. A book that is absent (not synchronised, one-sided, crossed) records `NaN`, and a
 * label whose window touches such a stretch is `NaN` (the builder drops that row).
 *
 * @example
 * ```ts
 * const track = new LabelTracker(labelSpecs(DEFAULT_LABEL_SETTINGS));
 * track.record(ts, midTicks, spreadBps); // after each book event of the instrument
 * track.labels(t0, mid0, spread0, out); // once every event up to t0 + 60 s is recorded
 * ```
 */
export class LabelTracker {
  private ts: number[] = [];
  private mid: number[] = [];
  private spread: number[] = [];
  private head = 0;
  private lastMid = Number.NaN;
  private lastSpread = Number.NaN;
  private started = false;

  constructor(readonly specs: readonly LabelSpec[]) {}

  /** Records the book's mid (any price unit) and spread (bps) after an event at `ts` µs; `NaN` when absent. */
  record(ts: number, mid: number, spreadBps: number): void {
    if (this.started && sameValue(mid, this.lastMid) && sameValue(spreadBps, this.lastSpread)) return;
    this.started = true;
    this.lastMid = mid;
    this.lastSpread = spreadBps;
    this.ts.push(ts);
    this.mid.push(mid);
    this.spread.push(spreadBps);
  }

  /** Forgets change points at or before `ts` µs except the last one (decisions before `ts` are closed). */
  forgetBefore(ts: number): void {
    let h = this.head;
    while (h + 1 < this.ts.length && (this.ts[h + 1] as number) <= ts) h++;
    this.head = h;
    if (h > 4096 && h * 2 > this.ts.length) {
      this.ts = this.ts.slice(h);
      this.mid = this.mid.slice(h);
      this.spread = this.spread.slice(h);
      this.head = 0;
    }
  }

  /**
   * Writes each label of the decision at `t0` (mid `mid0` and spread `spread0Bps` at `t0`) into
   * `out` (in `specs` order) and returns false when one of them is undefined (`NaN`: the book was
   * absent somewhere in its window). Every change point up to `t0 + horizon` must be recorded.
   */
  labels(t0: number, mid0: number, spread0Bps: number, out: Float64Array): boolean {
    let ok = Number.isFinite(mid0) && Number.isFinite(spread0Bps);
    const specs = this.specs;
    for (let k = 0; k < specs.length; k++) {
      const spec = specs[k] as LabelSpec;
      const end = t0 + spec.horizonUs;
      let value: number;
      if (spec.kind === LabelKind.Direction) {
        const m = this.midAt(end, mid0, t0);
        const r = 1e4 * Math.log(m / mid0);
        value = Number.isNaN(r) ? Number.NaN : Math.abs(r) <= (spec.deadBandBps ?? 0) ? 0 : r > 0 ? 1 : -1;
        // A window that crossed an absent book is undefined even if the end is present.
        if (this.absentIn(t0, end)) value = Number.NaN;
      } else if (spec.kind === LabelKind.Volatility) {
        value = this.volatilityBps(t0, end, mid0);
      } else {
        value = this.meanSpreadBps(t0, end, spread0Bps);
      }
      out[k] = value;
      if (Number.isNaN(value)) ok = false;
    }
    return ok;
  }

  /** First index with ts > t. */
  private after(t: number): number {
    let lo = this.head;
    let hi = this.ts.length;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if ((this.ts[m] as number) <= t) lo = m + 1;
      else hi = m;
    }
    return lo;
  }

  private midAt(t: number, mid0: number, t0: number): number {
    const i = this.after(t) - 1;
    if (i < this.head || (this.ts[i] as number) <= t0) return mid0;
    return this.mid[i] as number;
  }

  private absentIn(t0: number, end: number): boolean {
    for (let i = this.after(t0); i < this.ts.length && (this.ts[i] as number) <= end; i++)
      if (Number.isNaN(this.mid[i] as number)) return true;
    return false;
  }

  private volatilityBps(t0: number, end: number, mid0: number): number {
    let prev = mid0;
    let sum = 0;
    for (let i = this.after(t0); i < this.ts.length && (this.ts[i] as number) <= end; i++) {
      const m = this.mid[i] as number;
      if (Number.isNaN(m)) return Number.NaN;
      if (m !== prev) {
        const r = Math.log(m / prev);
        sum += r * r;
        prev = m;
      }
    }
    return 1e4 * Math.sqrt(sum);
  }

  private meanSpreadBps(t0: number, end: number, spread0: number): number {
    let s = spread0;
    let last = t0;
    let area = 0;
    for (let i = this.after(t0); i < this.ts.length && (this.ts[i] as number) <= end; i++) {
      const t = this.ts[i] as number;
      area += s * (t - last);
      s = this.spread[i] as number;
      last = t;
    }
    area += s * (end - last);
    return area / (end - t0);
  }
}

function sameValue(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}
