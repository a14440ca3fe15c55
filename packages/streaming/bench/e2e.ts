/**
 * End-to-end benchmark of the Kafka bus on loopback: events/s from the first publish to the last
 * event handled, and per-event latency (handled minus published). The producer runs here, the
 * consumer in a child process (bench/consumer.ts), as they run in deployment; both read the same
 * system clock.
 *
 * Compared in the same run, against the same broker, with the same events, keys and partitions:
 * - `raw kafkajs`: the same kafkajs 2.2.4 (with the repo's patch, patches/), producer settings and
 *   pace (idempotent, acks=all, --batch events per request, waiting for each acknowledgement) and
 *   a consumer group with `eachBatch`, `JSON.stringify`/`JSON.parse` only: no envelope checks, no
 *   de-duplication, no sequence topic, no commit-after-processing, no dead letters.
 * - with `--pack N`, `KafkaBus packed`: the same bus with `producer.packMax` N (events of one key
 *   sharing a request go in one version-2 record; the consumer unpacks them), beside the unpacked one.
 * - `kafka ProducerPerformance` (Java, the broker's own tool, producer only, when the jars are
 *   found): the ceiling of producing records of the same size on this machine.
 *
 * Besides events/s and latency, each row gives events per CPU-second of the producing and the
 * consuming process: on a shared machine that tells which side is short of CPU and which waits.
 *
 * Usage: TICKERML_KAFKA_BROKERS=127.0.0.1:9092 pnpm --filter @tickerml/streaming bench
 *   [--events 100000] [--runs 3] [--rate <events/s>] [--batch 2000] [--pack 50] [--json]
 * Without --rate, events are published as fast as the producer accepts them (throughput; the
 * latency then includes queueing). With --rate they are spread evenly (latency at that load).
 */
import { execFileSync, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { homedir, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Trade } from '@tickerml/core';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { KafkaBus } from '../src/index.js';
import type { ConsumerReport } from './consumer.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const EVENTS = arg('--events', 100_000);
const RUNS = arg('--runs', 3);
/** Events per second to publish at (0: as fast as the producer takes them). */
const RATE = arg('--rate', 0);
/** Events per produce request, for both contestants. */
const BATCH = arg('--batch', 2_000);
/** With N > 1, also run KafkaBus with `producer.packMax` N. */
const PACK = arg('--pack', 0);
const PARTITIONS = 3;
const SYMBOLS = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT', 'XRP/USDT', 'ADA/USDT', 'DOGE/USDT'];
const BROKERS = (process.env.TICKERML_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

const nowUs = (): number => Math.round((performance.timeOrigin + performance.now()) * 1000);

/** With --rate, waits until event `i` is due (events spread evenly from `startedMs`). */
function due(startedMs: number, i: number): Promise<void> | undefined {
  if (RATE <= 0) return undefined;
  const waitMs = startedMs + (i / RATE) * 1000 - performance.now();
  return waitMs > 1 ? new Promise((resolve) => setTimeout(resolve, waitMs)) : undefined;
}

function makeTrade(i: number): Trade {
  const t = nowUs();
  return {
    kind: 'trade',
    venue: 'binanceus',
    symbol: SYMBOLS[i % SYMBOLS.length] as string,
    exchTs: t,
    localTs: t,
    seq: i + 1,
    tradeId: String(3_731_840_871 + i),
    priceTicks: 6_508_366 + (i % 50),
    qtyLots: 1 + (i % 13),
    aggressor: i % 2 === 0 ? 'buy' : 'sell',
  };
}

interface Result {
  readonly eventsPerSec: number;
  /** Events per CPU-second of the producing process (from the first publish to the last event handled). */
  readonly producerEventsPerCpuSec: number;
  /** Events per CPU-second of the consuming process (from joining to the last event). */
  readonly consumerEventsPerCpuSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/**
 * Starts the consumer child for `contestant`, resolves once it has joined its group; `report`
 * resolves when it has received every event.
 */
async function startConsumer(
  contestant: 'bus' | 'raw',
  topic: string,
  group: string,
): Promise<{ report: Promise<ConsumerReport> }> {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'consumer.ts');
  const child = fork(script, [contestant, topic, group, String(EVENTS), BROKERS.join(',')], {
    execArgv: process.execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let ready!: () => void;
  let failed!: (error: Error) => void;
  const joined = new Promise<void>((resolve, reject) => {
    ready = resolve;
    failed = reject;
  });
  const report = new Promise<ConsumerReport>((resolve, reject) => {
    child.on('message', (message: { ready?: boolean; report?: ConsumerReport }) => {
      if (message.ready === true) ready();
      if (message.report !== undefined) resolve(message.report);
    });
    child.on('exit', (code) => {
      const error = new Error(`consumer child exited with ${code} before reporting`);
      failed(error);
      reject(error);
    });
  });
  report.catch(() => {});
  await joined;
  return { report };
}

function result(report: ConsumerReport, startedUs: number, cpuAtStart: NodeJS.CpuUsage): Result {
  const cpu = process.cpuUsage(cpuAtStart);
  return {
    eventsPerSec: (report.received / (report.lastUs - startedUs)) * 1e6,
    producerEventsPerCpuSec: (report.received / (cpu.user + cpu.system)) * 1e6,
    consumerEventsPerCpuSec: (report.received / report.cpuUs) * 1e6,
    p50Ms: report.p50Ms,
    p99Ms: report.p99Ms,
  };
}

/** Our bus: publishEvent → broker → a KafkaBus subscription in the child. */
async function runBus(packMax = 1): Promise<Result> {
  const run = randomUUID().slice(0, 8);
  const bus = new KafkaBus<Trade>({
    brokers: BROKERS,
    clientId: `bench-${run}`,
    logLevel: 'error',
    topics: { trades: { name: `bench-${run}.trades`, partitions: PARTITIONS } },
    producer: { lingerMs: 5, maxBatchMessages: BATCH, packMax },
  });
  await bus.connect();
  const { report } = await startConsumer('bus', bus.topicName('trades'), `bench-${run}`);
  const startedUs = nowUs();
  const cpuAtStart = process.cpuUsage();
  const started = performance.now();
  let last: Promise<void> = Promise.resolve();
  for (let i = 0; i < EVENTS; i++) {
    const wait = due(started, i);
    if (wait !== undefined) await wait;
    last = bus.publishEvent(makeTrade(i));
    // Like the peer: BATCH events (one request), then wait for the broker's acknowledgement.
    if (i % BATCH === BATCH - 1) await last;
  }
  await last;
  const outcome = result(await report, startedUs, cpuAtStart);
  const admin = bus.client.admin();
  await bus.close();
  await admin.connect();
  await admin.deleteTopics({ topics: [bus.topicName('trades')] }).catch(() => {});
  await admin.disconnect();
  return outcome;
}

/** The peer: raw kafkajs with JSON only, same producer settings, an eachBatch consumer in the child. */
async function runRaw(): Promise<Result> {
  const run = randomUUID().slice(0, 8);
  const topic = `bench-raw-${run}`;
  const kafka = new Kafka({ clientId: `bench-raw-${run}`, brokers: BROKERS, logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: PARTITIONS }] });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const { report } = await startConsumer('raw', topic, `bench-raw-${run}`);
  const startedUs = nowUs();
  const cpuAtStart = process.cpuUsage();
  const started = performance.now();
  for (let start = 0; start < EVENTS; ) {
    const wait = due(started, start);
    if (wait !== undefined) await wait;
    // Unpaced: BATCH per request. Paced: every event due by now, at most BATCH.
    const dueNow = RATE > 0 ? Math.floor(((performance.now() - started) / 1000) * RATE) + 1 : EVENTS;
    const end = Math.min(EVENTS, start + BATCH, Math.max(start + 1, dueNow));
    const messages = [];
    for (let i = start; i < end; i++) {
      const trade = makeTrade(i);
      messages.push({ key: `${trade.venue}:${trade.symbol}`, value: JSON.stringify(trade) });
    }
    await producer.send({ topic, acks: -1, messages });
    start = end;
  }
  const outcome = result(await report, startedUs, cpuAtStart);
  await producer.disconnect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  await admin.disconnect();
  return outcome;
}

/** Kafka's own producer benchmark (Java), producer only, same record size, acks=all, idempotent, linger 5 ms. */
const javaTopics: string[] = [];
function runJavaProducer(jars: string, recordSize: number): number | undefined {
  const topic = `bench-java-${randomUUID().slice(0, 8)}`;
  javaTopics.push(topic);
  const output = execFileSync(
    'java',
    [
      '-Xmx512m',
      '-cp',
      `${jars}/*`,
      'org.apache.kafka.tools.ProducerPerformance',
      '--topic',
      topic,
      '--num-records',
      // At least 500,000 so the JVM's JIT has warmed up for most of the run.
      String(Math.max(EVENTS, 500_000)),
      '--record-size',
      String(recordSize),
      '--throughput',
      '-1',
      '--producer-props',
      `bootstrap.servers=${BROKERS.join(',')}`,
      'acks=all',
      'linger.ms=5',
      'enable.idempotence=true',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const match = /records sent, ([\d.]+) records\/sec/.exec(output.trim().split('\n').pop() ?? '');
  return match === null ? undefined : Number(match[1]);
}

/** Kafka's tools jars (kafka-tools 4.4.0), fetched once with bench/kafka-tools/pom.xml. */
function findKafkaJars(): string | undefined {
  const dir = process.env.TICKERML_KAFKA_TOOLS_JARS ?? join(homedir(), '.cache', 'tickerml', 'kafka-tools-4.4.0');
  const has = () => existsSync(dir) && readdirSync(dir).some((name) => /^kafka-tools-\d/.test(name));
  if (has()) return dir;
  try {
    const pom = join(dirname(fileURLToPath(import.meta.url)), 'kafka-tools', 'pom.xml');
    execFileSync('mvn', ['-q', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${dir}`], {
      stdio: 'ignore',
    });
  } catch {
    return undefined;
  }
  return has() ? dir : undefined;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

const ours: Result[] = [];
const raw: Result[] = [];
const packed: Result[] = [];
const java: number[] = [];
const jars = findKafkaJars();
const recordSize = Buffer.byteLength(JSON.stringify({ v: 1, ...makeTrade(0) }));
for (let r = 0; r < RUNS; r++) {
  // Alternate the order so neither side always runs on a warmer broker.
  if (r % 2 === 0) {
    ours.push(await runBus());
    if (PACK > 1) packed.push(await runBus(PACK));
    raw.push(await runRaw());
  } else {
    raw.push(await runRaw());
    if (PACK > 1) packed.push(await runBus(PACK));
    ours.push(await runBus());
  }
  if (jars !== undefined && RATE <= 0) {
    const rate = runJavaProducer(jars, recordSize);
    if (rate !== undefined) java.push(rate);
  }
}

if (javaTopics.length > 0) {
  const admin = new Kafka({ brokers: BROKERS, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.deleteTopics({ topics: javaTopics }).catch(() => {});
  await admin.disconnect();
}

const row = (name: string, results: Result[]) => ({
  name,
  eventsPerSec: Math.round(median(results.map((r) => r.eventsPerSec))),
  p50Ms: Number(median(results.map((r) => r.p50Ms)).toFixed(1)),
  p99Ms: Number(median(results.map((r) => r.p99Ms)).toFixed(1)),
  runs: results.map((r) => Math.round(r.eventsPerSec)),
  producerEventsPerCpuSec: Math.round(median(results.map((r) => r.producerEventsPerCpuSec))),
  consumerEventsPerCpuSec: Math.round(median(results.map((r) => r.consumerEventsPerCpuSec))),
});
const ratios = ours.map((r, i) => r.eventsPerSec / (raw[i]?.eventsPerSec ?? Number.NaN));
const packedRatios = packed.map((r, i) => r.eventsPerSec / (raw[i]?.eventsPerSec ?? Number.NaN));
const report = {
  loadAverage1m: loadavg()[0] ?? 0,
  ratioToRawKafkajs: { median: Number(median(ratios).toFixed(2)), runs: ratios.map((r) => Number(r.toFixed(2))) },
  packedRatioToRawKafkajs:
    PACK > 1
      ? { median: Number(median(packedRatios).toFixed(2)), runs: packedRatios.map((r) => Number(r.toFixed(2))) }
      : 'not run',
  events: EVENTS,
  ratePerSec: RATE > 0 ? RATE : 'unpaced',
  runs: RUNS,
  recordBytes: recordSize,
  partitions: PARTITIONS,
  eventsPerRequest: BATCH,
  rows: [
    row('@tickerml/streaming KafkaBus', ours),
    ...(PACK > 1 ? [row(`KafkaBus packed (packMax ${PACK})`, packed)] : []),
    row('raw kafkajs (JSON only)', raw),
  ],
  javaProducerPerformance:
    java.length > 0 ? { recordsPerSec: Math.round(median(java)), runs: java.map(Math.round) } : 'jars not found',
};
if (args.includes('--json')) {
  console.log(JSON.stringify(report, null, 2));
} else {
  console.log(
    `${EVENTS} trades (${recordSize} B envelopes), ${PARTITIONS} partitions, ${BATCH} per request, ${RATE > 0 ? `published at ${RATE}/s` : 'published as fast as accepted'}, ${RUNS} runs, medians (load average ${report.loadAverage1m.toFixed(1)}):`,
  );
  for (const r of report.rows) {
    console.log(
      `${r.name.padEnd(30)} ${String(r.eventsPerSec).padStart(8)} events/s  p50 ${r.p50Ms} ms  p99 ${r.p99Ms} ms  (runs: ${r.runs.join(', ')}); per CPU-second: producer ${r.producerEventsPerCpuSec}, consumer ${r.consumerEventsPerCpuSec}`,
    );
  }
  console.log(
    `KafkaBus / raw kafkajs, per run: ${report.ratioToRawKafkajs.runs.join(', ')} (median ${report.ratioToRawKafkajs.median})`,
  );
  if (typeof report.packedRatioToRawKafkajs === 'object') {
    console.log(
      `KafkaBus packed / raw kafkajs, per run: ${report.packedRatioToRawKafkajs.runs.join(', ')} (median ${report.packedRatioToRawKafkajs.median})`,
    );
  }
  if (typeof report.javaProducerPerformance === 'object') {
    console.log(
      `${'kafka ProducerPerformance'.padEnd(30)} ${String(report.javaProducerPerformance.recordsPerSec).padStart(8)} records/s produced (producer only; runs: ${report.javaProducerPerformance.runs.join(', ')})`,
    );
  }
}
