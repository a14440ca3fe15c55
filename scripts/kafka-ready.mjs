#!/usr/bin/env node
// Waits until a Kafka broker answers a metadata request, then creates and deletes a probe topic
// so that "ready" means the controller accepts writes, not just that the port is open.
// Usage: node scripts/kafka-ready.mjs <host:port> [timeoutSeconds]
// Exit 0 when ready, 1 (with the last error) when the deadline passes.
import { Kafka, logLevel } from 'kafkajs';

const broker = process.argv[2] ?? '127.0.0.1:9092';
const timeoutMs = Number(process.argv[3] ?? 90) * 1000;
const deadline = Date.now() + timeoutMs;
const kafka = new Kafka({
  clientId: 'tickerml-services-ready',
  brokers: [broker],
  logLevel: logLevel.NOTHING,
  retry: { retries: 0 },
  connectionTimeout: 2000,
  requestTimeout: 5000,
});

let lastError;
while (Date.now() < deadline) {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length > 0 && cluster.controller !== null) {
      const topic = `__tickerml_ready_${process.pid}`;
      await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
      await admin.deleteTopics({ topics: [topic] });
      await admin.disconnect();
      console.log(`kafka: ${broker} answers (cluster ${cluster.clusterId}, controller ${cluster.controller})`);
      process.exit(0);
    }
    lastError = new Error(`metadata from ${broker} lists no controller yet`);
  } catch (error) {
    lastError = error;
  }
  await admin.disconnect().catch(() => {});
  await new Promise((resolve) => setTimeout(resolve, 500));
}
console.error(`kafka: ${broker} did not answer within ${timeoutMs / 1000}s: ${lastError?.message ?? 'no reply'}`);
process.exit(1);
