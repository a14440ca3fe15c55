import { describe, expect, it } from 'vitest';
import { type AlertCondition, AlertConfigError, AlertEngine, type AlertMessage } from './engine.js';
import { BoxAlertRules, type BoxObservation, quantile } from './rules.js';

const MIN = 60e6;
const lag: AlertCondition = {
  key: 'consumer_lag:g1',
  rule: 'consumer_lag',
  severity: 'warning',
  summary: 'g1 lags 20000',
};

function engine(repeatMinutes = 10) {
  const sent: AlertMessage[] = [];
  const e = new AlertEngine({ repeatUs: repeatMinutes * MIN, send: (m) => sent.push(m), recentLimit: 3 });
  return { e, sent };
}

describe('AlertEngine', () => {
  it('fires once, repeats at most every repeat interval, and resolves once', () => {
    const { e, sent } = engine(10);
    e.update([lag], 0);
    for (let t = MIN; t < 10 * MIN; t += MIN) e.update([lag], t); // 9 evaluations inside the interval
    expect(sent.map((m) => m.status)).toEqual(['firing']);
    e.update([lag], 10 * MIN - 1);
    expect(sent).toHaveLength(1);
    e.update([{ ...lag, summary: 'g1 lags 30000' }], 10 * MIN);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toMatchObject({ status: 'firing', repeat: 1, summary: 'g1 lags 30000', startedAtUs: 0 });
    e.update([lag], 15 * MIN);
    expect(sent).toHaveLength(2);
    expect(e.active()).toHaveLength(1);
    e.update([], 16 * MIN);
    e.update([], 17 * MIN);
    expect(sent.map((m) => m.status)).toEqual(['firing', 'firing', 'resolved']);
    expect(sent[2]).toMatchObject({ startedAtUs: 0, atUs: 16 * MIN, repeat: 1 });
    expect(e.active()).toHaveLength(0);
    expect(e.recent()[0]).toMatchObject({
      key: 'consumer_lag:g1',
      status: 'resolved',
      endedAtUs: 16 * MIN,
      messages: 3,
    });
  });

  it('a condition that clears and returns fires again as a new alert', () => {
    const { e, sent } = engine();
    e.update([lag], 0);
    e.update([], 1);
    e.update([lag], 2);
    expect(sent.map((m) => `${m.status}@${m.startedAtUs}`)).toEqual(['firing@0', 'resolved@0', 'firing@2']);
  });

  it('keys are independent: each venue fires and resolves on its own', () => {
    const { e, sent } = engine();
    const a = { ...lag, key: 'feed_stale:a', rule: 'feed_stale' };
    const b = { ...lag, key: 'feed_stale:b', rule: 'feed_stale' };
    e.update([a, b], 0);
    e.update([b], 1);
    expect(sent.map((m) => `${m.key}:${m.status}`)).toEqual([
      'feed_stale:a:firing',
      'feed_stale:b:firing',
      'feed_stale:a:resolved',
    ]);
  });

  it('notices are sent once and kept in the recent list, newest first, bounded', () => {
    const { e, sent } = engine();
    for (let i = 0; i < 5; i++)
      e.notice({ key: `crash_recovery:${i}`, rule: 'crash_recovery', severity: 'warning', summary: `resumed ${i}` }, i);
    expect(sent.every((m) => m.status === 'notice')).toBe(true);
    expect(e.recent().map((r) => r.key)).toEqual(['crash_recovery:4', 'crash_recovery:3', 'crash_recovery:2']);
    expect(e.active()).toHaveLength(0);
  });

  it('refuses a repeat interval that is not positive', () => {
    expect(() => new AlertEngine({ repeatUs: 0, send: () => undefined })).toThrow(AlertConfigError);
  });
});

const thresholds = {
  feedStaleUs: 5e6,
  resyncsPerMinute: 3,
  checksumMismatchesPerMinute: 0,
  consumerLagMessages: 10_000,
  drawdownFraction: 0.2,
  decisionLatencyP99Us: 50_000,
  diskFreeFraction: 0.1,
};
const base: BoxObservation = {
  nowUs: 100e6,
  startedUs: 0,
  feeds: [{ venue: 'binance', lastBookUpdateUs: 99e6, resyncs: 0, checksumMismatches: 0 }],
  drawdown: 0,
  emergencyStop: false,
  halts: [],
};
const rules = (o: Partial<BoxObservation>, r = new BoxAlertRules(thresholds)) =>
  r.evaluate({ ...base, ...o }).map((c) => c.key);

describe('BoxAlertRules', () => {
  it('nothing holds on a healthy box', () => {
    expect(rules({})).toEqual([]);
  });

  it('feed_stale: strictly over the threshold; a venue silent since start is stale after the startup grace (60 s)', () => {
    const feed = (last: number | undefined) => [
      { venue: 'binance', lastBookUpdateUs: last, resyncs: 0, checksumMismatches: 0 },
    ];
    expect(rules({ feeds: feed(95e6) })).toEqual([]);
    expect(rules({ feeds: feed(95e6 - 1) })).toEqual(['feed_stale:binance']);
    expect(rules({ feeds: feed(undefined), startedUs: 90e6 })).toEqual([]);
    expect(rules({ feeds: feed(undefined), startedUs: 40e6 })).toEqual([]);
    expect(rules({ feeds: feed(undefined), startedUs: 40e6 - 1 })).toEqual(['feed_stale:binance']);
  });

  it('resync_storm and checksum_mismatch count within the last minute from cumulative counters', () => {
    const r = new BoxAlertRules(thresholds);
    const at = (t: number, resyncs: number, mismatches: number) =>
      rules(
        { nowUs: t, feeds: [{ venue: 'kraken', lastBookUpdateUs: t, resyncs, checksumMismatches: mismatches }] },
        r,
      );
    expect(at(0, 10, 0)).toEqual([]); // history starts here: counts before it are not a storm
    expect(at(30e6, 13, 0)).toEqual([]); // 3 in the window: not over 3
    expect(at(50e6, 14, 1)).toEqual(['resync_storm:kraken', 'checksum_mismatch:kraken']);
    expect(at(125e6, 14, 1)).toEqual([]); // the window moved past them
  });

  it('drawdown, emergency stop, breakers, lag, latency, model and disk', () => {
    expect(rules({ drawdown: 0.2 })).toEqual([]);
    expect(rules({ drawdown: 0.21, emergencyStop: true })).toEqual(['drawdown', 'emergency_stop']);
    expect(rules({ halts: [{ rule: 'spread_blowout', venue: 'binance', symbol: 'BTC/USDT', detail: 'x' }] })).toEqual([
      'circuit_breaker:spread_blowout:binance:BTC/USDT',
    ]);
    expect(rules({ consumerLag: [{ group: 'g', messages: 10_000 }] })).toEqual([]);
    expect(rules({ consumerLag: [{ group: 'g', messages: 10_001 }] })).toEqual(['consumer_lag:g']);
    expect(rules({ decisionLatencyP99Us: 50_001 })).toEqual(['decision_latency']);
    expect(rules({ decisionLatencyP99Us: undefined })).toEqual([]);
    expect(rules({ model: { name: 'dt', ageUs: 8 * 86_400e6, maxAgeUs: 7 * 86_400e6 } })).toEqual(['model_stale:dt']);
    expect(rules({ refusedModels: [{ file: 'm.onnx', reason: 'sha256 mismatch' }] })).toEqual(['model_refused:m.onnx']);
    expect(rules({ disk: { path: '/data', freeBytes: 9, totalBytes: 100 } })).toEqual(['disk_full:/data']);
    expect(rules({ disk: { path: '/data', freeBytes: 10, totalBytes: 100 } })).toEqual([]);
  });

  it('refuses a negative threshold, naming it', () => {
    expect(() => new BoxAlertRules({ ...thresholds, drawdownFraction: -1 })).toThrow(/drawdownFraction/);
  });

  it('quantile is nearest-rank', () => {
    expect(quantile([], 0.99)).toBeUndefined();
    expect(quantile([3, 1, 2], 0.5)).toBe(2);
    expect(
      quantile(
        Array.from({ length: 100 }, (_, i) => i + 1),
        0.99,
      ),
    ).toBe(99);
  });
});
