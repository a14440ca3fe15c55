import { randomUUID } from 'node:crypto';
import type { MarketEvent, Trade } from '@tickerml/core';
import { afterAll, expect, it, vi } from 'vitest';
import { describeWithService } from '../../../test/support/services.js';
import { readAll, uniqueTopics } from '../test/broker.js';
import { SAMPLE_EVENTS } from '../test/sample-events.js';
import { type BusMessage, encodeMessageText, packEnvelopes } from './codec.js';
import { SequenceTracker } from './dedupe.js';
import { readDeadLetterHeaders } from './dlq.js';
import { KafkaBus, type KafkaBusOptions } from './kafka-bus.js';

const trade = (seq: number, symbol = 'BTC/USDT'): Trade => ({
  kind: 'trade',
  venue: 'binanceus',
  symbol,
  exchTs: 1_700_000_000_000_000 + seq,
  localTs: 1_700_000_000_000_500 + seq,
  seq,
  tradeId: `${symbol}-${seq}`,
  priceTicks: 6_500_000 + (seq % 100),
  qtyLots: 1 + (seq % 7),
  aggressor: seq % 2 === 0 ? 'buy' : 'sell',
});

/** Messages per key, in delivery order. */
function byKey(list: readonly BusMessage[]): Map<string, BusMessage[]> {
  const map = new Map<string, BusMessage[]>();
  for (const m of list) {
    const e = m as MarketEvent;
    const key = `${e.venue}:${e.symbol}`;
    map.set(key, [...(map.get(key) ?? []), m]);
  }
  return map;
}

await describeWithService('kafka', 'KafkaBus packed records (v2) against a real broker', (kafka) => {
  const buses: KafkaBus[] = [];
  const newBus = (options: Partial<KafkaBusOptions> = {}): KafkaBus => {
    const bus = new KafkaBus({
      brokers: kafka.brokers,
      topics: uniqueTopics('pk'),
      logLevel: 'nothing',
      producer: { packMax: 50, lingerMs: 20 },
      ...options,
    });
    buses.push(bus);
    return bus;
  };
  afterAll(async () => {
    await Promise.allSettled(buses.map((bus) => bus.close()));
  });

  /** Records in a topic (log-end offsets summed), read from the group's lag report. */
  async function recordCount(bus: KafkaBus, group: string, topic: string): Promise<number> {
    const rows = await bus.consumerLag(group, [topic]);
    return rows.reduce((n, row) => n + row.logEndOffset, 0);
  }

  it('round-trips every market event kind packed, in order per instrument, in fewer records than events', async () => {
    const bus = newBus();
    await bus.connect();
    const topic = bus.topicName('orderBooks');
    const events = SAMPLE_EVENTS.filter((e) => e.kind !== 'trade' && e.kind !== 'funding_rate');
    const received: BusMessage[] = [];
    const group = `pk-rt-${randomUUID()}`;
    // Sequence de-duplication off: the samples repeat their venue sequences.
    const sub = bus.subscribe(topic, (message) => void received.push(message), {
      groupId: group,
      fromBeginning: true,
      dedupeBySequence: false,
    });
    await sub.ready;
    for (const event of events) void bus.publishEvent(event);
    for (const event of SAMPLE_EVENTS) {
      if (event.kind === 'trade' || event.kind === 'funding_rate') void bus.publishEvent(event);
    }
    await bus.flush();
    await vi.waitFor(() => expect(received).toHaveLength(events.length), { timeout: 15_000 });
    expect(byKey(received)).toEqual(byKey(events));
    await vi.waitFor(async () => expect(await recordCount(bus, group, topic)).toBeLessThan(events.length));
  });

  it('keeps the publish order of each instrument across packed records', async () => {
    const bus = newBus();
    await bus.connect();
    const topic = bus.topicName('trades');
    const symbols = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'];
    const published: Trade[] = [];
    for (let seq = 1; seq <= 600; seq++) published.push(trade(seq, symbols[seq % 3]));
    const received: BusMessage[] = [];
    const group = `pk-order-${randomUUID()}`;
    const sub = bus.subscribe(topic, (message) => void received.push(message), { groupId: group, fromBeginning: true });
    await sub.ready;
    for (const event of published) void bus.publishEvent(event);
    await bus.flush();
    await vi.waitFor(() => expect(received).toHaveLength(published.length), { timeout: 15_000 });
    expect(byKey(received)).toEqual(byKey(published));
    // 600 events of 3 keys, at most 50 per record: at least 12 records, far fewer than 600.
    const records = await recordCount(bus, group, topic);
    expect(records).toBeGreaterThanOrEqual(12);
    expect(records).toBeLessThan(600);
  });

  it('reads v1 and v2 records mixed in one topic, in order', async () => {
    const bus = newBus({ topics: uniqueTopics('pk', 1) });
    await bus.connect();
    const topic = bus.topicName('trades');
    const received: BusMessage[] = [];
    const sub = bus.subscribe(topic, (message) => void received.push(message), {
      groupId: `pk-mixed-${randomUUID()}`,
      fromBeginning: true,
    });
    await sub.ready;
    const key = 'binanceus:BTC/USDT';
    const text = (seq: number) => encodeMessageText(trade(seq));
    void bus.publishRaw(topic, key, Buffer.from(text(1)), {});
    void bus.publishRaw(topic, key, Buffer.from(packEnvelopes([text(2), text(3), text(4)])), {});
    void bus.publishRaw(topic, key, Buffer.from(text(5)), {});
    void bus.publishRaw(topic, key, Buffer.from(packEnvelopes([text(6), text(7)])), {});
    await bus.flush();
    await vi.waitFor(() => expect(received).toHaveLength(7));
    expect(received).toEqual([1, 2, 3, 4, 5, 6, 7].map((seq) => trade(seq)));
  });

  it('sends a packed record that cannot be decoded to the dead-letter topic whole, with the error, and goes on', async () => {
    const bus = newBus({ topics: uniqueTopics('pk', 1) });
    await bus.connect();
    const topic = bus.topicName('trades');
    const group = `pk-poison-${randomUUID()}`;
    const received: BusMessage[] = [];
    const sub = bus.subscribe(topic, (message) => void received.push(message), { groupId: group, fromBeginning: true });
    await sub.ready;
    const key = 'binanceus:BTC/USDT';
    const bad = encodeMessageText(trade(2)).replace('"priceTicks":6500002', '"priceTicks":1.5');
    const poison = packEnvelopes([encodeMessageText(trade(1)), bad]);
    void bus.publishRaw(topic, key, Buffer.from(poison), {});
    void bus.publishRaw(
      topic,
      key,
      Buffer.from(packEnvelopes([encodeMessageText(trade(3)), encodeMessageText(trade(4))])),
      {},
    );
    await bus.flush();
    await vi.waitFor(() => expect(received).toHaveLength(2));
    expect(received).toEqual([trade(3), trade(4)]);
    await vi.waitFor(() => expect(sub.stats).toMatchObject({ applied: 2, deadLettered: 1 }));
    const [letter] = await readAll(bus, bus.topicName('deadLetter'), 1);
    const info = readDeadLetterHeaders(letter?.headers);
    expect(info?.errorName).toBe('MalformedMessageError');
    expect(info?.error).toMatch(/packed record: events\[1\]: trade\.priceTicks: expected a safe integer, found 1\.5/);
    expect(letter?.value?.toString()).toBe(poison);
  });

  it('applies only the rest of a packed record redelivered after part of it was applied', async () => {
    const bus = newBus({ topics: uniqueTopics('pk', 1) });
    await bus.connect();
    const topic = bus.topicName('trades');
    const published = Array.from({ length: 40 }, (_, i) => trade(i + 1));
    for (const event of published) void bus.publishEvent(event);
    await bus.flush();
    const firstGroup = `pk-first-${randomUUID()}`;
    expect(await recordCount(bus, firstGroup, topic)).toBeLessThan(published.length);

    // What a consumer that died inside a packed record had applied: up to seq 17.
    const tracker = new SequenceTracker();
    for (const event of published.slice(0, 17)) tracker.record(event);
    const received: BusMessage[] = [];
    const sub = bus.subscribe(topic, (message) => void received.push(message), {
      groupId: `pk-restart-${randomUUID()}`,
      fromBeginning: true,
      sequenceTracker: tracker,
      persistSequences: false,
    });
    await sub.ready;
    await vi.waitFor(() => expect(sub.stats.applied + sub.stats.duplicates).toBe(published.length));
    expect(received).toEqual(published.slice(17));
    expect(sub.stats.duplicates).toBe(17);
  });
});
