import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError, kafkaConfigSchema, loadConfig, parseConfig } from '@tickerml/core';
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
    [
      { brokers: ['127.0.0.1:9092'], producer: { packMax: 0 } },
      'producer.packMax: expected a positive integer, found 0',
    ],
    [
      { brokers: ['127.0.0.1:9092'], producer: { packMaxBytes: 2_000_000 } },
      'producer.packMaxBytes: expected at most producer.maxBatchBytes (900000), found 2000000',
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

  it('takes pack_max from kafka_config.yaml and refuses 0 naming file, key and value', () => {
    expect(parseConfig({ kafka: { pack_max: 50 } }, { env: {} }).kafka.packMax).toBe(50);
    expect(parseConfig({}, { env: {} }).kafka.packMax).toBe(50);
    expect(() => parseConfig({ kafka: { pack_max: 0 } }, { env: {} })).toThrow(/kafka_config\.yaml.*pack_max/);
  });

  it('takes retention from kafka_config.yaml, and refuses a bad one naming file, key and value', () => {
    const { kafka } = parseConfig({ kafka: { retention_ms: 86_400_000, max_attempts: 5 } }, { env: {} });
    const bus = KafkaBus.fromConfig(kafka);
    expect(bus.topics.trades.retentionMs).toBe(86_400_000);
    expect(KafkaBus.fromConfig(parseConfig({}, { env: {} }).kafka).topics.trades.retentionMs).toBeUndefined();
    let error: unknown;
    try {
      parseConfig({ kafka: { retention_ms: 5 } }, { env: {} });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).shortMessage).toMatch(/^kafka_config\.yaml: retention_ms = 5 /);
  });

  it('finds every key it reads written out, with a comment, in the repo config/kafka_config.yaml', () => {
    const dir = fileURLToPath(new URL('../../../config', import.meta.url));
    const text = readFileSync(`${dir}/kafka_config.yaml`, 'utf8');
    const lines = text.split('\n');
    for (const key of Object.keys(kafkaConfigSchema.shape)) {
      const at = lines.findIndex((line) => line.startsWith(`${key}:`));
      expect(at, `${key} is in kafka_config.yaml`).toBeGreaterThanOrEqual(0);
      const commented = (lines[at] ?? '').includes('#') || (lines[at - 1] ?? '').startsWith('#');
      expect(commented, `${key} has a comment`).toBe(true);
    }
    // And the file loads as it is.
    expect(KafkaBus.fromConfig(loadConfig(dir, { env: {} }).kafka).topicName('trades')).toBe('tickerml.trades');
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
