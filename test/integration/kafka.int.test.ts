import { randomUUID } from 'node:crypto';
import { type Consumer, Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { afterAll, expect, it } from 'vitest';
import { describeWithService } from '../support/services.js';

const MESSAGES = 1_000;
const KEYS = 10;
const PARTITIONS = 3;

await describeWithService('kafka', 'kafka plumbing (real broker)', (kafka) => {
  const client = new Kafka({ clientId: 'tickerml-int-test', brokers: [...kafka.brokers], logLevel: logLevel.WARN });
  const topic = `tickerml-it-${randomUUID()}`;
  let producer: Producer | undefined;
  let consumer: Consumer | undefined;

  afterAll(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    const admin = client.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect();
  });

  it(`produces ${MESSAGES} keyed messages and consumes all of them in order per key`, async () => {
    const admin = client.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    await admin.disconnect();

    producer = client.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const sent = Array.from({ length: MESSAGES }, (_, i) => ({
      key: `key-${i % KEYS}`,
      value: JSON.stringify({ seq: i }),
    }));
    // Several batches, so ordering across produce requests is exercised too.
    for (let start = 0; start < MESSAGES; start += 250) {
      await producer.send({ topic, acks: -1, messages: sent.slice(start, start + 250) });
    }

    consumer = client.consumer({ groupId: `tickerml-it-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = new Map<string, number[]>();
    const partitionsSeen = new Set<number>();
    let count = 0;
    const all = new Promise<void>((resolve) => {
      void consumer?.run({
        eachMessage: async ({ partition, message }) => {
          const key = message.key?.toString() ?? '<no key>';
          const { seq } = JSON.parse(message.value?.toString() ?? '{}') as { seq: number };
          const list = received.get(key) ?? [];
          list.push(seq);
          received.set(key, list);
          partitionsSeen.add(partition);
          count += 1;
          if (count === MESSAGES) resolve();
        },
      });
    });
    await all;

    expect(count).toBe(MESSAGES);
    expect(received.size).toBe(KEYS);
    for (let k = 0; k < KEYS; k++) {
      const expected = Array.from({ length: MESSAGES / KEYS }, (_, j) => j * KEYS + k);
      expect(received.get(`key-${k}`), `order of key-${k}`).toEqual(expected);
    }
    // The keys really were spread over more than one partition, so "in order per key" meant something.
    expect(partitionsSeen.size).toBeGreaterThan(1);
  });
});
