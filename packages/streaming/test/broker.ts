import { randomUUID } from 'node:crypto';
import type { KafkaMessage } from 'kafkajs';
import type { KafkaBus } from '../src/kafka-bus.js';
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
