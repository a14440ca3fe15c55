import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { expect, it } from 'vitest';
import { describeWithService, startKafka, stopKafka } from '../support/services.js';

// Proves the stop/start helpers that other packages' tests use for "broker went away mid-stream":
// the broker really goes away, comes back on the same data dir, and nothing written before is lost.
await describeWithService('kafka', 'kafka broker stopped and restarted (real broker)', (kafka) => {
  it('keeps the topic and its messages across a restart, and serves again afterwards', async () => {
    const client = new Kafka({
      clientId: 'tickerml-restart-test',
      brokers: [...kafka.brokers],
      logLevel: logLevel.NOTHING,
      retry: { retries: 2, initialRetryTime: 100 },
    });
    const topic = `tickerml-restart-${randomUUID()}`;
    const admin = client.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();

    const before = client.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await before.connect();
    await before.send({ topic, acks: -1, messages: Array.from({ length: 100 }, (_, i) => ({ value: `m${i}` })) });
    await before.disconnect();

    await stopKafka();
    // While it is down, a fresh client cannot even fetch metadata.
    const probe = client.admin();
    await expect(probe.connect()).rejects.toThrow();
    await probe.disconnect().catch(() => {});

    await startKafka();
    const after = client.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await after.connect();
    await after.send({ topic, acks: -1, messages: Array.from({ length: 100 }, (_, i) => ({ value: `m${100 + i}` })) });
    await after.disconnect();

    const consumer = client.consumer({ groupId: `tickerml-restart-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const values: string[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          values.push(message.value?.toString() ?? '');
          if (values.length === 200) resolve();
        },
      });
    });
    await consumer.disconnect();
    expect(values).toEqual(Array.from({ length: 200 }, (_, i) => `m${i}`));
  });
});
