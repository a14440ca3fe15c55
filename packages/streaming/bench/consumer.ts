/**
 * The consuming side of bench/e2e.ts, run as a child process (as a consumer runs on another box
 * or process in deployment): joins a group, records each event's latency (now minus the
 * `localTs` the producer stamped, both from the system clock), and reports to the parent.
 *
 * argv: <bus|raw> <topic> <group> <events> <brokers>
 */
import type { Trade } from '@tickerml/core';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaBus } from '../src/index.js';

/** What the child sends back to bench/e2e.ts. */
export interface ConsumerReport {
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Wall time of the last event received, microseconds since the epoch. */
  readonly lastUs: number;
  readonly received: number;
  /** CPU time of the consumer process from joining to the last event, in microseconds. */
  readonly cpuUs: number;
}

const nowUs = (): number => Math.round((performance.timeOrigin + performance.now()) * 1000);

const [contestant, topic, group, eventsText, brokersText] = process.argv.slice(2);
if (contestant === undefined || topic === undefined || group === undefined || brokersText === undefined) {
  throw new Error('usage: consumer.ts <bus|raw> <topic> <group> <events> <brokers>');
}
const events = Number(eventsText);
const brokers = brokersText.split(',');
const latencies = new Float64Array(events);
let received = 0;
let lastUs = 0;
let done!: () => void;
const all = new Promise<void>((resolve) => {
  done = resolve;
});
const record = (localTs: number): void => {
  lastUs = nowUs();
  if (received < events) latencies[received] = lastUs - localTs;
  received++;
  if (received === events) done();
};

let stop: () => Promise<void>;
if (contestant === 'bus') {
  const bus = new KafkaBus<Trade>({
    brokers,
    clientId: `bench-consumer-${group}`,
    createTopics: false,
    logLevel: 'error',
  });
  const sub = bus.subscribe(topic, (trade) => record(trade.localTs), {
    groupId: group,
    fromBeginning: true,
    maxWaitTimeMs: 20,
  });
  await sub.ready;
  stop = () => bus.close();
} else {
  const kafka = new Kafka({ clientId: `bench-consumer-${group}`, brokers, logLevel: logLevel.ERROR });
  const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: 20 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) {
        record((JSON.parse(message.value?.toString() ?? '{}') as Trade).localTs);
      }
    },
  });
  await joined;
  stop = () => consumer.disconnect();
}
process.send?.({ ready: true });
const cpuAtReady = process.cpuUsage();
await all;
const cpu = process.cpuUsage(cpuAtReady);
const sorted = latencies.slice().sort();
const at = (q: number) => (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) / 1000;
const report: ConsumerReport = { p50Ms: at(0.5), p99Ms: at(0.99), lastUs, received, cpuUs: cpu.user + cpu.system };
process.send?.({ report });
await stop();
process.disconnect?.();
