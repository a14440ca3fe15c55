import { randomUUID } from 'node:crypto';
import type { Consumer, KafkaMessage } from 'kafkajs';
import type { KafkaBus } from '../src/kafka-bus.js';
import { sequenceTopicName } from '../src/sequence-store.js';
import type { TopicMap } from '../src/topics.js';

/** Topic names of one test, unique so runs and tests never see each other's messages. */
export function uniqueTopics(prefix: string, partitions = 3): Partial<TopicMap> {
  const run = randomUUID().slice(0, 8);
  return {
    orderBooks: { name: `${prefix}-${run}.books`, partitions },
    trades: { name: `${prefix}-${run}.trades`, partitions },
    funding: { name: `${prefix}-${run}.funding`, partitions: 1 },
    features: { name: `${prefix}-${run}.features`, partitions },
    decisions: { name: `${prefix}-${run}.decisions`, partitions: 1 },
    news: { name: `${prefix}-${run}.news`, partitions: 1 },
    deadLetter: { name: `${prefix}-${run}.dlq`, partitions: 1 },
  };
}

/** Reads the first `count` messages of a topic from the beginning with a throwaway group. */
export async function readAll(bus: KafkaBus, topic: string, count: number): Promise<KafkaMessage[]> {
  const consumer = bus.client.consumer({ groupId: `reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const messages: KafkaMessage[] = [];
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        messages.push(message);
        if (messages.length >= count) resolve();
      },
    });
  });
  await consumer.disconnect();
  return messages;
}

/**
 * Watches, from the beginning, the sequence topic a consumer group with persisted sequences writes
 * after each batch it applied (client id `tickerml`), calling `onRecord` with each record's key
 * (`venue:symbol`) and highest trade sequence. Returns the watching consumer, to disconnect.
 */
export async function watchStoredSequences(
  bus: KafkaBus,
  group: string,
  onRecord: (key: string, highestTrade: number | undefined) => void,
): Promise<Consumer> {
  const topic = sequenceTopicName('tickerml', group);
  const watcher = bus.client.consumer({ groupId: `${group}.watch`, maxWaitTimeInMs: 50 });
  await watcher.connect();
  await bus.ensureTopics([{ name: topic, partitions: 1, cleanupPolicy: 'compact' }]);
  await watcher.subscribe({ topics: [topic], fromBeginning: true });
  await watcher.run({
    eachMessage: async ({ message }) => {
      const state = JSON.parse(message.value?.toString('utf8') ?? '{}') as { highestSeq?: { trade?: number } };
      onRecord(message.key?.toString('utf8') ?? '', state.highestSeq?.trade);
    },
  });
  return watcher;
}
