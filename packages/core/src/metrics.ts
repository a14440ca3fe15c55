/**
 * Prometheus metrics: one registry per process (or per test) that every package registers into.
 *
 * @module
 */

import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { InvalidMetricNameError, MetricConflictError } from './errors.js';

/** The metric types the registry hands out. */
export const MetricKind = { Counter: 'counter', Gauge: 'gauge', Histogram: 'histogram' } as const;
/** One of {@link MetricKind}'s values. */
export type MetricKind = (typeof MetricKind)[keyof typeof MetricKind];

/** Options of {@link createMetricsRegistry}. */
export interface MetricsRegistryOptions {
  /** Prepended to every metric name, e.g. `tickerml_`. Defaults to `tickerml_`. */
  readonly prefix?: string;
  /** Labels added to every sample, e.g. `{ box: 'pi-1' }`. */
  readonly defaultLabels?: Readonly<Record<string, string>>;
  /** Also collect Node process metrics (CPU, memory, event-loop lag). Defaults to false. */
  readonly processMetrics?: boolean;
}

/**
 * A Prometheus registry with get-or-create helpers: asking twice for the same name returns the
 * same metric, so packages can register lazily without coordinating.
 */
export interface MetricsRegistry {
  /** The prom-client registry (serve `await registry.metrics()` with `registry.contentType`). */
  readonly registry: Registry;
  /** The name prefix applied to every metric. */
  readonly prefix: string;
  /**
   * The counter `prefix + name`, created on first use.
   * @throws {@link MetricConflictError} when the name holds another type or other label names.
   * @throws {@link InvalidMetricNameError} when the name or a label is not a valid Prometheus name.
   */
  counter<L extends string = string>(name: string, help: string, labelNames?: readonly L[]): Counter<L>;
  /** The gauge `prefix + name`, created on first use. Same errors as {@link counter}. */
  gauge<L extends string = string>(name: string, help: string, labelNames?: readonly L[]): Gauge<L>;
  /**
   * The histogram `prefix + name`, created on first use. Name units in the name
   * (`…_seconds`, `…_bytes`); `buckets` in that unit.
   */
  histogram<L extends string = string>(
    name: string,
    help: string,
    labelNames?: readonly L[],
    buckets?: readonly number[],
  ): Histogram<L>;
  /** The exposition text of every metric. */
  metrics(): Promise<string>;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface Entry {
  readonly kind: MetricKind;
  readonly labelNames: string;
  readonly metric: Counter<string> | Gauge<string> | Histogram<string>;
}

/**
 * Creates a metrics registry. Packages take one as an option and register their metrics into it;
 * an app creates one and serves it.
 *
 * @example
 * ```ts
 * const metrics = createMetricsRegistry({ defaultLabels: { box: 'pi-1' } });
 * const frames = metrics.counter('ws_frames_total', 'WebSocket frames received', ['venue']);
 * frames.inc({ venue: 'kraken' });
 * const lag = metrics.histogram('feed_latency_seconds', 'localTs - exchTs', ['venue'], [0.001, 0.01, 0.1, 1]);
 * lag.observe({ venue: 'kraken' }, 0.042);
 * const text = await metrics.metrics();
 * ```
 */
export function createMetricsRegistry(options: MetricsRegistryOptions = {}): MetricsRegistry {
  const registry = new Registry();
  const prefix = options.prefix ?? 'tickerml_';
  if (options.defaultLabels !== undefined) registry.setDefaultLabels({ ...options.defaultLabels });
  if (options.processMetrics === true) collectDefaultMetrics({ register: registry, prefix });
  const entries = new Map<string, Entry>();

  function getOrCreate(
    kind: MetricKind,
    name: string,
    labelNames: readonly string[],
    create: (fullName: string) => Entry['metric'],
  ): Entry['metric'] {
    const fullName = prefix + name;
    if (!METRIC_NAME.test(fullName))
      throw new InvalidMetricNameError(`metric name '${fullName}' is not a valid Prometheus name`);
    for (const label of labelNames) {
      if (!LABEL_NAME.test(label) || label.startsWith('__')) {
        throw new InvalidMetricNameError(
          `label '${label}' of metric '${fullName}' is not a valid Prometheus label name`,
        );
      }
    }
    const labelKey = [...labelNames].sort().join(',');
    const existing = entries.get(fullName);
    if (existing !== undefined) {
      if (existing.kind !== kind || existing.labelNames !== labelKey) {
        throw new MetricConflictError(
          `metric '${fullName}' is already a ${existing.kind} with labels [${existing.labelNames}], asked for a ${kind} with labels [${labelKey}]`,
        );
      }
      return existing.metric;
    }
    if (registry.getSingleMetric(fullName) !== undefined) {
      throw new MetricConflictError(`metric '${fullName}' was registered directly on the registry; use the helpers`);
    }
    const metric = create(fullName);
    entries.set(fullName, { kind, labelNames: labelKey, metric });
    return metric;
  }

  return {
    registry,
    prefix,
    counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []) {
      return getOrCreate(
        MetricKind.Counter,
        name,
        labelNames,
        (fullName) => new Counter({ name: fullName, help, labelNames, registers: [registry] }),
      ) as Counter<L>;
    },
    gauge<L extends string>(name: string, help: string, labelNames: readonly L[] = []) {
      return getOrCreate(
        MetricKind.Gauge,
        name,
        labelNames,
        (fullName) => new Gauge({ name: fullName, help, labelNames, registers: [registry] }),
      ) as Gauge<L>;
    },
    histogram<L extends string>(
      name: string,
      help: string,
      labelNames: readonly L[] = [],
      buckets?: readonly number[],
    ) {
      return getOrCreate(
        MetricKind.Histogram,
        name,
        labelNames,
        (fullName) =>
          new Histogram({
            name: fullName,
            help,
            labelNames,
            registers: [registry],
            ...(buckets === undefined ? {} : { buckets: [...buckets] }),
          }),
      ) as Histogram<L>;
    },
    metrics: () => registry.metrics(),
  };
}
