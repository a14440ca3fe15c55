/**
 * The pi-trader's alert wiring: monitoring_config.yaml read into rules, what the app reports (book
 * updates, decision latencies, a recovery, the Kafka lag gauge, the risk engine) turned into
 * messages on the configured channels, and the alert series in the metrics.
 */
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createLogger, createMetricsRegistry, loadConfig, TestClock } from '@tickerml/core';
import type { AlertChannel, AlertMessage } from '@tickerml/paper';
import { RiskEngine, resolveRiskLimits } from '@tickerml/risk';
import { describe, expect, it } from 'vitest';
import { startMonitoring } from './monitoring.js';

const CONFIG = fileURLToPath(new URL('../../../config', import.meta.url));

interface ModelHooks {
  model?: () => { name: string; ageUs: number; maxAgeUs: number } | undefined;
  refusedModels?: () => { file: string; reason: string }[];
}

function setup(env: Record<string, string> = {}, hooks: ModelHooks = {}) {
  const config = loadConfig(CONFIG, { env });
  const lines: string[] = [];
  const logger = createLogger({
    level: 'info',
    destination: new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    }),
  });
  const metrics = createMetricsRegistry({ prefix: 'tickerml_pi_' });
  const risk = new RiskEngine(resolveRiskLimits({ maxDrawdown: 0.25 }));
  const t0 = 1_765_000_000_000_000;
  const clock = new TestClock(t0);
  const received: AlertMessage[] = [];
  const capture: AlertChannel = {
    name: 'capture',
    deliver: async (m) => {
      received.push(m);
    },
  };
  const counters = { resyncs: 0, checksumMismatches: 0 };
  const monitoring = startMonitoring({
    config,
    clock,
    logger,
    metrics,
    risk,
    feeds: () => [{ venue: 'binance', ...counters }],
    env: {},
    channels: [capture],
    ...hooks,
  });
  return { monitoring, metrics, risk, clock, t0, received, lines, counters };
}

describe('pi-trader monitoring', () => {
  it('turns what the app reports into alerts on the channels, and resolves them', async () => {
    const s = setup({
      TICKERML__MONITORING__ALERTS__CONSUMER_LAG_MESSAGES: '100',
      TICKERML__MONITORING__ALERTS__DECISION_LATENCY_P99_MS: '10',
    });
    const { monitoring, metrics, clock, t0, received } = s;
    // Healthy: a book update just now, fast decisions, no lag.
    monitoring.onBookUpdate('binance', t0);
    for (let i = 0; i < 100; i++) monitoring.onDecisionLatency(2_000);
    const lag = metrics.gauge('kafka_consumer_lag_messages', 'lag', ['group', 'topic', 'partition']);
    lag.set({ group: 'pi-trader.orderBooks.1', topic: 'books', partition: '0' }, 60);
    lag.set({ group: 'pi-trader.orderBooks.1', topic: 'books', partition: '1' }, 30);
    await monitoring.evaluate();
    await monitoring.dispatcher.idle();
    expect(received).toEqual([]);

    // 6 s without a book update (threshold 5 s), p99 over 10 ms, lag 120 > 100 over two partitions.
    clock.advanceTo(t0 + 6_000_000);
    for (let i = 0; i < 5; i++) monitoring.onDecisionLatency(40_000);
    lag.set({ group: 'pi-trader.orderBooks.1', topic: 'books', partition: '1' }, 60);
    await monitoring.evaluate();
    await monitoring.dispatcher.idle();
    expect(received.map((m) => `${m.status} ${m.key}`).sort()).toEqual([
      'firing consumer_lag:pi-trader.orderBooks.1',
      'firing decision_latency',
      'firing feed_stale:binance',
    ]);
    const text = await metrics.metrics();
    expect(text).toMatch(/tickerml_pi_alerts_firing\{rule="feed_stale"\} 1/);
    expect(text).toMatch(/tickerml_pi_alerts_firing\{rule="disk_full"\} 0/);
    expect(text).toMatch(/tickerml_pi_alert_messages_total\{channel="capture",outcome="delivered"\} 3/);
    expect(text).toMatch(/tickerml_pi_recordings_disk_free_ratio 0\.\d+/);
    expect(monitoring.alerts().active).toHaveLength(3);

    // The feed is back: feed_stale resolves; the others still hold and are not sent again.
    monitoring.onBookUpdate('binance', t0 + 7_000_000);
    clock.advanceTo(t0 + 7_500_000);
    await monitoring.evaluate();
    await monitoring.dispatcher.idle();
    expect(received.slice(3).map((m) => `${m.status} ${m.key}`)).toEqual(['resolved feed_stale:binance']);
    expect(monitoring.alerts().recent[0]).toMatchObject({ key: 'feed_stale:binance', status: 'resolved' });
    await monitoring.stop();
  });

  it('the emergency stop, a breaker halt, a resync storm and a crash recovery reach the log channel', async () => {
    const s = setup();
    const { monitoring, risk, clock, t0, lines, counters } = s;
    monitoring.onBookUpdate('binance', t0);
    await monitoring.evaluate();
    risk.updateEquity(10_000, t0);
    risk.updateEquity(7_000, t0 + 1); // 30 % down: the stop trips
    risk.breakers.onDisconnected('binance', t0 + 1, 'socket closed');
    counters.resyncs = 6;
    monitoring.onRecovered(12, 340, t0 - 60_000_000);
    clock.advanceTo(t0 + 1_000_000);
    monitoring.onBookUpdate('binance', t0 + 1_000_000);
    await monitoring.evaluate();
    await monitoring.dispatcher.idle();
    const rules = s.received.map((m) => m.rule).sort();
    expect(rules).toEqual(['circuit_breaker', 'crash_recovery', 'drawdown', 'emergency_stop', 'resync_storm']);
    const log = lines.join('');
    expect(log).toContain('alert: emergency stop in force');
    expect(log).toContain('alert notice: restarted and resumed from checkpoint 12 (340 fills');
    expect(log).toContain('"alert":"resync_storm"');
    await monitoring.stop();
  });

  it('a model older than its refresh schedule and a refused model file reach the channels', async () => {
    let refused: { file: string; reason: string }[] = [];
    const day = 86_400_000_000;
    let ageUs = 6 * day;
    const s = setup(
      {},
      {
        model: () => ({ name: 'dt-1', ageUs, maxAgeUs: 7 * day }),
        refusedModels: () => refused,
      },
    );
    s.monitoring.onBookUpdate('binance', s.t0);
    await s.monitoring.evaluate();
    expect(s.monitoring.alerts().active.map((a) => a.rule)).not.toContain('model_stale');
    ageUs = 8 * day;
    refused = [{ file: 'models/policy.onnx', reason: 'model encoder version 2, runtime encoder version 1' }];
    await s.monitoring.evaluate();
    const rules = s.monitoring.alerts().active.map((a) => a.rule);
    expect(rules).toContain('model_stale');
    expect(rules).toContain('model_refused');
    await s.monitoring.stop();
    expect(s.received.map((m) => m.rule)).toEqual(expect.arrayContaining(['model_stale', 'model_refused']));
  });

  it('an enabled channel without its environment variable stops the start, naming the variable', () => {
    expect(() => setup({ TICKERML__MONITORING__ALERTS__CHANNELS__SLACK__ENABLED: 'true' })).toThrow(
      /alerts\.channels\.slack is enabled but the environment variable TICKERML_SLACK_WEBHOOK_URL is not set/,
    );
  });
});
