import { describe, expect, it } from 'vitest';
import { InvalidMetricNameError, MetricConflictError } from './errors.js';
import { createMetricsRegistry } from './metrics.js';

describe('createMetricsRegistry', () => {
  it('gets or creates metrics by name and exposes them in Prometheus text', async () => {
    const metrics = createMetricsRegistry({ defaultLabels: { box: 'pi-1' } });
    const frames = metrics.counter('ws_frames_total', 'WebSocket frames received', ['venue']);
    expect(metrics.counter('ws_frames_total', 'WebSocket frames received', ['venue'])).toBe(frames);
    frames.inc({ venue: 'kraken' });
    frames.inc({ venue: 'kraken' }, 2);
    metrics.gauge('equity_usd', 'Account equity').set(10_000);
    metrics
      .histogram('feed_latency_seconds', 'localTs - exchTs', ['venue'], [0.01, 0.1, 1])
      .observe({ venue: 'kraken' }, 0.05);
    const text = await metrics.metrics();
    expect(text).toContain('tickerml_ws_frames_total{venue="kraken",box="pi-1"} 3');
    expect(text).toContain('tickerml_equity_usd{box="pi-1"} 10000');
    expect(text).toContain('tickerml_feed_latency_seconds_bucket{le="0.1",box="pi-1",venue="kraken"} 1');
    expect(metrics.registry.contentType).toContain('text/plain');
  });

  it('keeps registries independent', async () => {
    const a = createMetricsRegistry();
    const b = createMetricsRegistry({ prefix: '' });
    a.counter('x_total', 'x').inc();
    b.counter('x_total', 'x');
    expect(await b.metrics()).toContain('x_total 0');
    expect(await a.metrics()).toContain('tickerml_x_total 1');
  });

  it('refuses conflicting and invalid registrations', () => {
    const metrics = createMetricsRegistry();
    metrics.counter('orders_total', 'orders', ['venue']);
    expect(() => metrics.gauge('orders_total', 'orders', ['venue'])).toThrow(MetricConflictError);
    expect(() => metrics.counter('orders_total', 'orders', ['side'])).toThrow(
      "metric 'tickerml_orders_total' is already a counter with labels [venue], asked for a counter with labels [side]",
    );
    expect(() => metrics.counter('frames-total', 'x')).toThrow(InvalidMetricNameError);
    expect(() => metrics.counter('ok_total', 'x', ['bad-label'])).toThrow(InvalidMetricNameError);
  });
});
