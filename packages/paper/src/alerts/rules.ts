/**
 * The box's alert rules: what `monitoring_config.yaml` `alerts:` thresholds mean, evaluated on an
 * observation of the box taken on the clock. The same rules, under the same names, ship for
 * Prometheus in `ops/prometheus/rules/tickerml.rules.yml`.
 *
 * | rule | holds when | severity |
 * |---|---|---|
 * | `feed_stale` | no book update from a venue for longer than `feedStaleUs` | critical |
 * | `resync_storm` | a venue resynced its books more than `resyncsPerMinute` times in the last minute | warning |
 * | `checksum_mismatch` | a venue reported more than `checksumMismatchesPerMinute` checksum mismatches in the last minute | warning |
 * | `consumer_lag` | a Kafka consumer group lags more than `consumerLagMessages` messages | warning |
 * | `drawdown` | drawdown from the equity peak is over `drawdownFraction` | warning |
 * | `emergency_stop` | the risk engine's drawdown emergency stop is in force | critical |
 * | `circuit_breaker` | a circuit breaker halts a venue or symbol (one alert per halt: trip fires, lift resolves) | warning |
 * | `decision_latency` | p99 decision latency over the last minute is over `decisionLatencyP99Us` | warning |
 * | `model_stale` | the model in use is older than its refresh schedule | warning |
 * | `model_refused` | a model file was refused (bad checksum, wrong I/O) | critical |
 * | `disk_full` | the recordings disk has less than `diskFreeFraction` free | critical |
 *
 * Rates (resyncs, mismatches per minute) are computed here from the feeds' cumulative counters,
 * over a sliding window of `windowUs`.
 *
 * @module
 */
import { type AlertCondition, AlertConfigError, AlertSeverity } from './engine.js';

/** The names of the box's rules (and of the one-off `crash_recovery` notice). */
export const ALERT_RULES = [
  'feed_stale',
  'resync_storm',
  'checksum_mismatch',
  'consumer_lag',
  'drawdown',
  'emergency_stop',
  'circuit_breaker',
  'decision_latency',
  'model_stale',
  'model_refused',
  'disk_full',
] as const;

/** Thresholds of {@link BoxAlertRules} (from `monitoring_config.yaml` `alerts:`). */
export interface AlertThresholds {
  /** A venue with no book update for longer than this is stale, µs (`feed_gap_ms`). */
  readonly feedStaleUs: number;
  /** Resyncs per venue per window above which a storm fires (`resync_storm_per_minute`). */
  readonly resyncsPerMinute: number;
  /** Checksum mismatches per venue per window above which the alert fires (`checksum_mismatches_per_minute`). */
  readonly checksumMismatchesPerMinute: number;
  /** Kafka consumer lag, messages (`consumer_lag_messages`). */
  readonly consumerLagMessages: number;
  /** Drawdown from the peak, a fraction in (0, 1) (`drawdown_fraction`). */
  readonly drawdownFraction: number;
  /** p99 decision latency, µs (`decision_latency_p99_ms`). */
  readonly decisionLatencyP99Us: number;
  /** Free fraction of the recordings disk below which it is nearly full (`disk_free_fraction`). */
  readonly diskFreeFraction: number;
  /** Window of the per-minute rates, µs. Default 60 s. */
  readonly windowUs?: number;
  /**
   * A venue that has sent no book update since the start is stale only after this long, µs
   * (loading recordings, instrument metadata and REST snapshots take a while). Default 60 s.
   */
  readonly startupGraceUs?: number;
}

/** Feed health of one venue at the observation. Counters are cumulative since start. */
export interface FeedObservation {
  readonly venue: string;
  /** `localTs` of the venue's last book update, µs, or `undefined` when none arrived yet. */
  readonly lastBookUpdateUs: number | undefined;
  readonly resyncs: number;
  readonly checksumMismatches: number;
}

/** What the rules look at, taken at `nowUs`. Optional parts are skipped when absent. */
export interface BoxObservation {
  /** µs. */
  readonly nowUs: number;
  /** When the box started, µs (a venue silent since then is stale too). */
  readonly startedUs: number;
  readonly feeds: readonly FeedObservation[];
  /** Kafka consumer lag per group, messages (only with `--bus kafka`). */
  readonly consumerLag?: readonly { readonly group: string; readonly messages: number }[];
  /** Drawdown from the equity peak, a fraction. */
  readonly drawdown: number;
  readonly emergencyStop: boolean;
  /** Circuit-breaker halts in force. */
  readonly halts: readonly {
    readonly rule: string;
    readonly venue: string;
    readonly symbol?: string | undefined;
    readonly detail: string;
  }[];
  /** p99 of the decision latencies of the last window, µs; `undefined` when there were none. */
  readonly decisionLatencyP99Us?: number | undefined;
  /** The model in use: its age and the age at which its refresh is due, µs. */
  readonly model?: { readonly name: string; readonly ageUs: number; readonly maxAgeUs: number } | undefined;
  /** Model files refused since start (name and why). */
  readonly refusedModels?: readonly { readonly file: string; readonly reason: string }[];
  /** The recordings disk. */
  readonly disk?: { readonly path: string; readonly freeBytes: number; readonly totalBytes: number } | undefined;
}

interface Sample {
  readonly tsUs: number;
  readonly resyncs: number;
  readonly mismatches: number;
}

/**
 * Evaluates the box's rules on each observation; keeps the counter history the rates need.
 *
 * @example
 * ```ts
 * const rules = new BoxAlertRules({ feedStaleUs: 5e6, resyncsPerMinute: 5, checksumMismatchesPerMinute: 0,
 *   consumerLagMessages: 10_000, drawdownFraction: 0.2, decisionLatencyP99Us: 50_000, diskFreeFraction: 0.1 });
 * engine.update(rules.evaluate(observation), observation.nowUs);
 * ```
 */
export class BoxAlertRules {
  readonly thresholds: Required<AlertThresholds>;
  readonly #history = new Map<string, Sample[]>();

  /** @throws {@link AlertConfigError} for a threshold that is negative or not a number. */
  constructor(thresholds: AlertThresholds) {
    const t = { windowUs: 60_000_000, startupGraceUs: 60_000_000, ...thresholds };
    for (const [k, v] of Object.entries(t))
      if (!(v >= 0) || !Number.isFinite(v)) throw new AlertConfigError(`alert threshold ${k} must be ≥ 0, was ${v}`);
    if (!(t.windowUs > 0)) throw new AlertConfigError(`alert windowUs must be > 0, was ${t.windowUs}`);
    this.thresholds = t;
  }

  /** The conditions that hold at `o.nowUs`. */
  evaluate(o: BoxObservation): AlertCondition[] {
    const t = this.thresholds;
    const out: AlertCondition[] = [];
    for (const f of o.feeds) {
      const since = f.lastBookUpdateUs ?? o.startedUs;
      const ageUs = o.nowUs - since;
      const limitUs = f.lastBookUpdateUs === undefined ? Math.max(t.feedStaleUs, t.startupGraceUs) : t.feedStaleUs;
      if (ageUs > limitUs)
        out.push({
          key: `feed_stale:${f.venue}`,
          rule: 'feed_stale',
          severity: AlertSeverity.Critical,
          summary: `${f.venue}: no book update for ${s(ageUs)} (threshold ${s(limitUs)})${f.lastBookUpdateUs === undefined ? ', none since start' : ''}`,
          labels: { venue: f.venue },
        });
      const { resyncs, mismatches } = this.#rates(f, o.nowUs);
      if (resyncs > t.resyncsPerMinute)
        out.push({
          key: `resync_storm:${f.venue}`,
          rule: 'resync_storm',
          severity: AlertSeverity.Warning,
          summary: `${f.venue}: ${resyncs} book resyncs in the last ${s(t.windowUs)} (threshold ${t.resyncsPerMinute})`,
          labels: { venue: f.venue },
        });
      if (mismatches > t.checksumMismatchesPerMinute)
        out.push({
          key: `checksum_mismatch:${f.venue}`,
          rule: 'checksum_mismatch',
          severity: AlertSeverity.Warning,
          summary: `${f.venue}: ${mismatches} checksum mismatches in the last ${s(t.windowUs)} (threshold ${t.checksumMismatchesPerMinute})`,
          labels: { venue: f.venue },
        });
    }
    for (const lag of o.consumerLag ?? [])
      if (lag.messages > t.consumerLagMessages)
        out.push({
          key: `consumer_lag:${lag.group}`,
          rule: 'consumer_lag',
          severity: AlertSeverity.Warning,
          summary: `Kafka consumer group ${lag.group} lags ${lag.messages} messages (threshold ${t.consumerLagMessages})`,
          labels: { group: lag.group },
        });
    if (o.drawdown > t.drawdownFraction)
      out.push({
        key: 'drawdown',
        rule: 'drawdown',
        severity: AlertSeverity.Warning,
        summary: `drawdown ${pct(o.drawdown)} from the equity peak (threshold ${pct(t.drawdownFraction)})`,
      });
    if (o.emergencyStop)
      out.push({
        key: 'emergency_stop',
        rule: 'emergency_stop',
        severity: AlertSeverity.Critical,
        summary: `emergency stop in force: drawdown ${pct(o.drawdown)}; new exposure refused until reset`,
      });
    for (const h of o.halts)
      out.push({
        key: `circuit_breaker:${h.rule}:${h.venue}${h.symbol === undefined ? '' : `:${h.symbol}`}`,
        rule: 'circuit_breaker',
        severity: AlertSeverity.Warning,
        summary: `${h.rule} halts ${h.venue}${h.symbol === undefined ? '' : ` ${h.symbol}`}: ${h.detail}`,
        labels: { breaker: h.rule, venue: h.venue, ...(h.symbol === undefined ? {} : { symbol: h.symbol }) },
      });
    if (o.decisionLatencyP99Us !== undefined && o.decisionLatencyP99Us > t.decisionLatencyP99Us)
      out.push({
        key: 'decision_latency',
        rule: 'decision_latency',
        severity: AlertSeverity.Warning,
        summary: `decision latency p99 ${ms(o.decisionLatencyP99Us)} over the last ${s(t.windowUs)} (threshold ${ms(t.decisionLatencyP99Us)})`,
      });
    if (o.model !== undefined && o.model.ageUs > o.model.maxAgeUs)
      out.push({
        key: `model_stale:${o.model.name}`,
        rule: 'model_stale',
        severity: AlertSeverity.Warning,
        summary: `model ${o.model.name} is ${days(o.model.ageUs)} old; its refresh was due at ${days(o.model.maxAgeUs)}`,
        labels: { model: o.model.name },
      });
    for (const r of o.refusedModels ?? [])
      out.push({
        key: `model_refused:${r.file}`,
        rule: 'model_refused',
        severity: AlertSeverity.Critical,
        summary: `model file ${r.file} refused: ${r.reason}`,
        labels: { file: r.file },
      });
    if (o.disk !== undefined && o.disk.totalBytes > 0) {
      const free = o.disk.freeBytes / o.disk.totalBytes;
      if (free < t.diskFreeFraction)
        out.push({
          key: `disk_full:${o.disk.path}`,
          rule: 'disk_full',
          severity: AlertSeverity.Critical,
          summary: `recordings disk ${o.disk.path}: ${pct(free)} free (${(o.disk.freeBytes / 2 ** 30).toFixed(2)} GiB; threshold ${pct(t.diskFreeFraction)})`,
          labels: { path: o.disk.path },
        });
    }
    return out;
  }

  /** Resyncs and mismatches of `f` within the window ending at `nowUs` (from its cumulative counters). */
  #rates(f: FeedObservation, nowUs: number): { resyncs: number; mismatches: number } {
    let h = this.#history.get(f.venue);
    if (h === undefined) {
      h = [];
      this.#history.set(f.venue, h);
    }
    h.push({ tsUs: nowUs, resyncs: f.resyncs, mismatches: f.checksumMismatches });
    // Keep one sample at or before the window's start, as the base of the difference.
    const start = nowUs - this.thresholds.windowUs;
    while (h.length > 2 && (h[1] as Sample).tsUs <= start) h.shift();
    const base = h[0] as Sample;
    // Counters restart at 0 with a new feed object: never report a negative rate.
    return {
      resyncs: Math.max(0, f.resyncs - base.resyncs),
      mismatches: Math.max(0, f.checksumMismatches - base.mismatches),
    };
  }
}

/**
 * The `q` quantile (0..1) of `values` by the nearest-rank method; `undefined` for none.
 *
 * @example
 * quantile([5, 1, 3, 2, 4], 0.99); // 5
 */
export function quantile(values: readonly number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1];
}

const s = (us: number): string => `${(us / 1e6).toFixed(1)} s`;
const ms = (us: number): string => `${(us / 1e3).toFixed(2)} ms`;
const pct = (f: number): string => `${(f * 100).toFixed(2)} %`;
const days = (us: number): string => `${(us / 86_400e6).toFixed(1)} d`;
