import { MARKET_EVENT_KINDS } from '@tickerml/core';
import { describe, expect, it } from 'vitest';
import { KafkaOptionsError } from './errors.js';
import { DEFAULT_TOPICS, instrumentKey, resolveTopics, topicKindOf } from './topics.js';

describe('topics', () => {
  it('routes every market event kind to a topic, health events with the books', () => {
    const routed = Object.fromEntries(MARKET_EVENT_KINDS.map((k) => [k, topicKindOf(k)]));
    expect(routed).toEqual({
      book_snapshot: 'orderBooks',
      book_delta: 'orderBooks',
      order_added: 'orderBooks',
      order_changed: 'orderBooks',
      order_removed: 'orderBooks',
      trade: 'trades',
      funding_rate: 'funding',
      connected: 'orderBooks',
      disconnected: 'orderBooks',
      gap_detected: 'orderBooks',
      resynced: 'orderBooks',
      checksum_mismatch: 'orderBooks',
    });
  });

  it('keys by venue:symbol', () => {
    expect(instrumentKey({ venue: 'kraken', symbol: 'BTC/USD' })).toBe('kraken:BTC/USD');
  });

  it('fills defaults and keeps overrides', () => {
    const topics = resolveTopics({ trades: { name: 'prod.trades', partitions: 12 } });
    expect(topics.trades).toEqual({ name: 'prod.trades', partitions: 12 });
    expect(topics.orderBooks).toBe(DEFAULT_TOPICS.orderBooks);
  });

  it.each([
    [{ trades: { name: 'bad name!' } }, /topics\.trades\.name: expected a Kafka topic name/],
    [{ trades: { name: 'tickerml.book' } }, /topics\.trades\.name: 'tickerml.book' is already the topic of orderBooks/],
    [{ news: { name: 'n', partitions: 0 } }, /topics\.news\.partitions: expected a positive integer, found 0/],
  ])('rejects %j', (overrides, message) => {
    expect(() => resolveTopics(overrides)).toThrow(KafkaOptionsError);
    expect(() => resolveTopics(overrides)).toThrow(message);
  });
});
