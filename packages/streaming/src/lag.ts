/**
 * Consumer-lag reports: how far each consumer group is behind the end of each partition.
 *
 * @module
 */
import type { Admin } from 'kafkajs';
import { Gauge, type Registry } from 'prom-client';
import { BrokerUnreachableError, isTransient, LagReportError } from './errors.js';

/** One partition of a group's lag, as `kafka-consumer-groups --describe` prints it. */
export interface PartitionLag {
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  /** The group's committed offset (next message it will read), or `null` when it has none. */
  readonly currentOffset: number | null;
  /** The partition's log-end offset (high watermark). */
  readonly logEndOffset: number;
  /** `logEndOffset - currentOffset`, or `null` without a committed offset. */
  readonly lag: number | null;
}

/**
 * Reads a group's committed offsets and the log-end offsets of their partitions.
 *
 * @param admin a connected kafkajs admin client
 * @param groupId the consumer group
 * @param options `topics` limits the report (default: every topic the group committed offsets
 *   for); `brokers` are named in the error when the broker cannot be reached
 * @returns one row per partition, sorted by topic then partition (empty for an unknown group)
 * @throws {BrokerUnreachableError} when the broker cannot be reached
 * @throws {LagReportError} for any other failure (an unknown topic, a coordinator error)
 * @example
 * ```ts
 * const rows = await fetchConsumerLag(admin, 'books');
 * console.log(formatLagTable(rows));
 * ```
 */
export async function fetchConsumerLag(
  admin: Admin,
  groupId: string,
  options: { readonly topics?: readonly string[]; readonly brokers?: readonly string[] } = {},
): Promise<PartitionLag[]> {
  const topics = options.topics;
  const rows: PartitionLag[] = [];
  try {
    const committed = await admin.fetchOffsets({ groupId, ...(topics === undefined ? {} : { topics: [...topics] }) });
    for (const { topic, partitions } of committed) {
      const ends = new Map<number, number>();
      for (const entry of await admin.fetchTopicOffsets(topic)) ends.set(entry.partition, Number(entry.high));
      for (const { partition, offset } of partitions) {
        const current = Number(offset) >= 0 ? Number(offset) : null;
        const logEnd = ends.get(partition) ?? 0;
        rows.push({
          group: groupId,
          topic,
          partition,
          currentOffset: current,
          logEndOffset: logEnd,
          lag: current === null ? null : Math.max(0, logEnd - current),
        });
      }
    }
  } catch (cause) {
    if (isTransient(cause)) throw new BrokerUnreachableError(options.brokers ?? ['the configured brokers'], cause);
    throw new LagReportError(groupId, cause);
  }
  rows.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  return rows;
}

const COLUMNS = ['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG'] as const;

/**
 * Formats lag rows as the aligned table of `kafka-consumer-groups --describe`
 * (`GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG`, `-` where there is no commit).
 *
 * @example
 * ```ts
 * formatLagTable([{ group: 'g', topic: 't', partition: 0, currentOffset: 5, logEndOffset: 8, lag: 3 }]);
 * // GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG
 * // g     t     0         5              8              3
 * ```
 */
export function formatLagTable(rows: readonly PartitionLag[]): string {
  const cells: string[][] = [
    [...COLUMNS],
    ...rows.map((row) => [
      row.group,
      row.topic,
      String(row.partition),
      row.currentOffset === null ? '-' : String(row.currentOffset),
      String(row.logEndOffset),
      row.lag === null ? '-' : String(row.lag),
    ]),
  ];
  const widths = COLUMNS.map((_, column) => Math.max(...cells.map((line) => (line[column] ?? '').length)));
  return cells
    .map((line) =>
      line
        .map((cell, column) => (column === line.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
        .join(' ')
        .trimEnd(),
    )
    .join('\n');
}

/**
 * Registers a gauge, `tickerml_kafka_group_lag_messages{group,topic,partition}`, whose value is
 * read from the broker each time the registry is scraped (committed offsets, so it measures what
 * the group has made durable). The subscriptions' own gauge
 * (`tickerml_kafka_consumer_lag_messages`) is updated after every batch instead.
 *
 * @param registry prom-client registry to register into
 * @param admin a connected kafkajs admin client, used at each scrape
 * @param groups the consumer groups to report
 * @returns the gauge
 * @example
 * ```ts
 * registerGroupLagGauge(registry, admin, ['books', 'features']);
 * const text = await registry.metrics();
 * ```
 */
export function registerGroupLagGauge(registry: Registry, admin: Admin, groups: readonly string[]): Gauge {
  return new Gauge({
    name: 'tickerml_kafka_group_lag_messages',
    help: 'Committed lag of a consumer group per partition (log-end offset minus committed offset)',
    labelNames: ['group', 'topic', 'partition'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const group of groups) {
        for (const row of await fetchConsumerLag(admin, group)) {
          if (row.lag !== null) this.set({ group, topic: row.topic, partition: String(row.partition) }, row.lag);
        }
      }
    },
  });
}
