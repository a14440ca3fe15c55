import { parseConfig } from '@tickerml/core';
import { describe, expect, it } from 'vitest';
import { BrokerUnreachableError, KafkaOptionsError } from './errors.js';
import { KafkaBus } from './kafka-bus.js';

// Constructing a bus opens no connection, so these run without a broker.
describe('KafkaBus options', () => {
  it.each([
    [{ brokers: [] }, 'brokers: expected at least one host:port'],
    [{ brokers: ['localhost'] }, 'brokers: expected host:port, found "localhost"'],
    [
      { brokers: ['127.0.0.1:9092'], producer: { maxBatchMessages: 0 } },
      'producer.maxBatchMessages: expected a positive integer, found 0',
    ],
    [
      { brokers: ['127.0.0.1:9092'], producer: { lingerMs: -1 } },
      'producer.lingerMs: expected a non-negative integer, found -1',
    ],
  ])('rejects %j naming the option', (options, message) => {
    expect(() => new KafkaBus(options)).toThrow(KafkaOptionsError);
    expect(() => new KafkaBus(options)).toThrow(message);
  });

  it('takes brokers, client id and topics from kafka_config.yaml', () => {
    const { kafka } = parseConfig(
      { kafka: { brokers: ['k1:9092', 'k2:9092'], topics: { trades: 'prod.trades' }, partitions: 12 } },
      { env: {} },
    );
    const bus = KafkaBus.fromConfig(kafka);
    expect(bus.brokers).toEqual(['k1:9092', 'k2:9092']);
    expect(bus.topics.trades).toEqual({ name: 'prod.trades', partitions: 12, replicationFactor: 1 });
    expect(bus.topicName('orderBooks')).toBe('tickerml.book');
    expect(bus.topicName('deadLetter')).toBe('tickerml.dead-letter');
  });

  it('refuses a second topic in one consumer group (kafkajs members must read the same topics)', async () => {
    // Nothing listens on port 1 of the loopback: the subscription cannot start, and says why.
    const bus = new KafkaBus({
      brokers: ['127.0.0.1:1'],
      connectRetries: 0,
      connectionTimeoutMs: 200,
      logLevel: 'nothing',
    });
    const sub = bus.subscribe('a', () => {}, { groupId: 'g' });
    expect(() => bus.subscribe('b', () => {}, { groupId: 'g' })).toThrow(
      "subscribe(b): group 'g' already reads 'a'; use one group per topic",
    );
    await expect(sub.ready).rejects.toThrow(BrokerUnreachableError);
    await expect(sub.ready).rejects.toThrow('Kafka broker unreachable at 127.0.0.1:1');
    await sub.unsubscribe();
  });
});
