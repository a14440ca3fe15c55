/**
 * The pi-trader's alerting: `monitoring_config.yaml` `alerts:` read into {@link BoxAlertRules}, an
 * {@link AlertEngine} evaluated on the clock every `evaluate_every_ms`, and the channels of
 * `alerts.channels` (log, webhook, Telegram, Slack) behind an {@link AlertDispatcher} that
 * delivers in the background. The app reports what the rules need (book updates per venue,
 * decision latencies, a crash recovery) and reads the active and recent alerts for the dashboard.
 *
 * @module
 */
import { statfs } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { Clock, Logger, MetricsRegistry, TickerMLConfig } from '@tickerml/core';
import {
  ALERT_RULES,
  type AlertChannel,
  AlertDispatcher,
  AlertEngine,
  type AlertRecord,
  alertChannelsFromConfig,
  BoxAlertRules,
  type BoxObservation,
  quantile,
} from '@tickerml/paper';
import type { RiskEngine } from '@tickerml/risk';

/** Feed counters of one venue, cumulative since start. */
export interface VenueCounters {
  readonly venue: string;
  readonly resyncs: number;
  readonly checksumMismatches: number;
}

/** Options of {@link startMonitoring}. */
export interface MonitoringOptions {
  readonly config: TickerMLConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
  readonly risk: RiskEngine;
  /** The feeds' counters, per venue. */
  readonly feeds: () => readonly VenueCounters[];
  /** Environment the channels read their secrets from. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Extra channels (tests). */
  readonly channels?: readonly AlertChannel[];
  /**
   * The model deciding now, for `model_stale`: its version, its age (now − as-of, µs) and the age
   * at which its refresh is due (model_config.yaml `training.refresh_every`, µs).
   */
  readonly model?: () => { readonly name: string; readonly ageUs: number; readonly maxAgeUs: number } | undefined;
  /** Model files refused since start (hot reload), for `model_refused`. */
  readonly refusedModels?: () => readonly { readonly file: string; readonly reason: string }[];
}

/** The running alerting of a pi-trader. */
export interface Monitoring {
  readonly engine: AlertEngine;
  readonly dispatcher: AlertDispatcher;
  /** A venue's book moved (snapshot or delta), stamped `localTs` µs. */
  onBookUpdate(venue: string, localTs: number): void;
  /** `localTs` of the venue's last book update, µs, or `undefined` before the first. */
  lastBookUpdateUs(venue: string): number | undefined;
  /** One decision latency, µs (kept for the last minute's p99). */
  onDecisionLatency(us: number): void;
  /** The process resumed from a checkpoint after a crash or restart. */
  onRecovered(seq: number, fills: number, atUs: number): void;
  /** Evaluates the rules now (the timer calls this); resolves when the disk was checked. */
  evaluate(): Promise<void>;
  /** Active alerts (oldest first) and recent ones (newest first), for the dashboard. */
  alerts(): { active: AlertRecord[]; recent: AlertRecord[] };
  /** Stops the timer and gives the channels up to `timeoutMs` to deliver what is queued. */
  stop(timeoutMs?: number): Promise<void>;
}

const TIMER = 'pi-trader-alerts';
const LATENCY_WINDOW_US = 60_000_000;

/**
 * Builds the channels (throws `AlertConfigError` for an enabled channel whose environment variable
 * is missing), the rules and the engine, and starts evaluating on `clock`.
 */
export function startMonitoring(options: MonitoringOptions): Monitoring {
  const { config, clock, logger, metrics, risk } = options;
  const a = config.monitoring.alerts;
  const channels = [
    ...alertChannelsFromConfig(a.channels, options.env ?? process.env, logger),
    ...(options.channels ?? []),
  ];
  const messages = metrics.counter('alert_messages_total', 'Alert messages handed to a channel, by outcome', [
    'channel',
    'outcome',
  ]);
  const diskFree = metrics.gauge(
    'recordings_disk_free_ratio',
    'Free fraction of the file system holding the recordings directory (0.1 = 10 % free)',
  );
  const firing = metrics.gauge('alerts_firing', 'Alerts of the in-box engine firing now, by rule (count)', ['rule']);
  const dispatcher = new AlertDispatcher({
    channels,
    logger,
    retry: {
      attempts: a.retry.attempts,
      baseDelayMs: a.retry.baseDelayMs,
      maxDelayMs: a.retry.maxDelayMs,
      timeoutMs: a.retry.timeoutMs,
    },
    onOutcome: (channel, _m, error) => messages.inc({ channel, outcome: error === undefined ? 'delivered' : 'failed' }),
  });
  const engine = new AlertEngine({
    repeatUs: a.repeatMinutes * 60e6,
    send: (m) => dispatcher.send(m),
    recentLimit: a.recent,
    source: a.source ?? hostname(),
  });
  const rules = new BoxAlertRules({
    feedStaleUs: a.feedGapMs * 1000,
    resyncsPerMinute: a.resyncStormPerMinute,
    checksumMismatchesPerMinute: a.checksumMismatchesPerMinute,
    consumerLagMessages: a.consumerLagMessages,
    drawdownFraction: a.drawdownFraction,
    decisionLatencyP99Us: a.decisionLatencyP99Ms * 1000,
    diskFreeFraction: a.diskFreeFraction,
  });
  const startedUs = clock.nowUs();
  const lastBook = new Map<string, number>();
  const latencies: { atUs: number; us: number }[] = [];
  const recordingsDir = resolve(config.app.storage.recordingsDir);
  let disk: BoxObservation['disk'];
  // Every series exported (at 0) from the start, not only once something happened.
  const knownRules = new Set<string>(ALERT_RULES);
  for (const r of knownRules) firing.set({ rule: r }, 0);
  for (const c of channels)
    for (const outcome of ['delivered', 'failed']) messages.inc({ channel: c.name, outcome }, 0);

  const consumerLag = async (): Promise<{ group: string; messages: number }[]> => {
    const metric = metrics.registry.getSingleMetric(`${metrics.prefix}kafka_consumer_lag_messages`);
    if (metric === undefined) return [];
    const byGroup = new Map<string, number>();
    for (const v of (await metric.get()).values) {
      const group = String(v.labels['group'] ?? '');
      byGroup.set(group, (byGroup.get(group) ?? 0) + v.value);
    }
    return [...byGroup].map(([group, messages]) => ({ group, messages }));
  };

  const evaluate = async (): Promise<void> => {
    const now = clock.nowUs();
    while (latencies.length > 0 && (latencies[0]?.atUs ?? now) < now - LATENCY_WINDOW_US) latencies.shift();
    disk = await diskUsage(recordingsDir).catch(() => disk);
    if (disk !== undefined && disk.totalBytes > 0) diskFree.set(disk.freeBytes / disk.totalBytes);
    const feeds = options.feeds().map((f) => ({ ...f, lastBookUpdateUs: lastBook.get(f.venue) }));
    const conditions = rules.evaluate({
      nowUs: now,
      startedUs,
      feeds,
      consumerLag: await consumerLag(),
      drawdown: risk.drawdown.drawdown,
      emergencyStop: risk.drawdown.tripped,
      halts: risk.breakers.allHalts(),
      decisionLatencyP99Us: quantile(
        latencies.map((l) => l.us),
        0.99,
      ),
      disk,
      model: options.model?.(),
      refusedModels: options.refusedModels?.() ?? [],
    });
    engine.update(conditions, clock.nowUs());
    const counts = new Map<string, number>();
    for (const r of engine.active()) counts.set(r.rule, (counts.get(r.rule) ?? 0) + 1);
    for (const r of counts.keys()) knownRules.add(r);
    for (const r of knownRules) firing.set({ rule: r }, counts.get(r) ?? 0);
  };

  const intervalUs = a.evaluateEveryMs * 1000;
  clock.setTimer(TIMER, intervalUs, undefined, undefined, () => {
    evaluate().catch((error: unknown) => logger.error({ err: error }, 'alert evaluation failed'));
  });

  return {
    engine,
    dispatcher,
    onBookUpdate: (venue, localTs) => {
      lastBook.set(venue, localTs);
    },
    lastBookUpdateUs: (venue) => lastBook.get(venue),
    onDecisionLatency: (us) => {
      latencies.push({ atUs: clock.nowUs(), us });
      if (latencies.length > 100_000) latencies.splice(0, latencies.length - 100_000);
    },
    onRecovered: (seq, fills, atUs) => {
      engine.notice(
        {
          key: `crash_recovery:${seq}`,
          rule: 'crash_recovery',
          severity: 'warning',
          summary: `restarted and resumed from checkpoint ${seq} (${fills} fills, taken ${new Date(Math.floor(atUs / 1000)).toISOString()}); events since then were missed`,
        },
        clock.nowUs(),
      );
    },
    evaluate,
    alerts: () => ({ active: engine.active(), recent: engine.recent() }),
    stop: async (timeoutMs = 3_000) => {
      clock.cancelTimer(TIMER);
      await dispatcher.close(timeoutMs);
    },
  };
}

/** Free and total bytes of the file system holding `dir` (or its nearest existing parent). */
async function diskUsage(dir: string): Promise<{ path: string; freeBytes: number; totalBytes: number }> {
  let path = dir;
  for (;;) {
    try {
      const s = await statfs(path);
      return { path: dir, freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
    } catch (error) {
      const parent = dirname(path);
      if (parent === path) throw error;
      path = parent;
    }
  }
}
