import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MarketEvent, Trade } from '@tickerml/core';
import type { KafkaMessage } from 'kafkajs';
import { afterAll, expect, it, vi } from 'vitest';
import { describeWithService } from '../../../test/support/services.js';
import { readAll, uniqueTopics, watchStoredSequences } from '../test/broker.js';
import { SAMPLE_EVENTS } from '../test/sample-events.js';
import { type BusMessage, decodeRecord, encodeMessageText, packEnvelopes } from './codec.js';
import { type SequenceSnapshot, SequenceTracker } from './dedupe.js';
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

/** One event of a topic as delivered: its trade id and the offset of the record it came in. */
interface Delivered {
  readonly id: string;
  readonly offset: number;
}

/**
 * Forks a consumer child (test/crashing-consumer.ts or test/persisting-consumer.ts) that holds
 * its handler after `--stop-after` events, kills it with SIGKILL there, and returns what it said:
 * how many events it applied and the offset of the record the last one came in.
 */
async function runUntilKilled(script: string, args: readonly string[]): Promise<{ applied: number; offset: number }> {
  const child = fork(fileURLToPath(new URL(`../test/${script}`, import.meta.url)), args, {
    execArgv: ['--conditions=@tickerml/source', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  const stopped = await new Promise<{ applied: number; offset: number }>((resolve, reject) => {
    child.on('message', (message) => {
      if (typeof message === 'object' && message !== null && 'applied' in message)
        resolve(message as { applied: number; offset: number });
    });
    child.on('exit', (code, signal) => reject(new Error(`${script} exited (${code ?? signal}) before it stopped`)));
  });
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  return stopped;
}

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

  /** Every event of a one-partition topic as the broker holds it, in delivery order, and its records. */
  async function layout(bus: KafkaBus, topic: string): Promise<{ records: KafkaMessage[]; stream: Delivered[] }> {
    const records = await readAll(bus, topic, await recordCount(bus, `layout-${randomUUID()}`, topic));
    const stream = records.flatMap((record) =>
      decodeRecord(record.value).map((event) => ({ id: (event as Trade).tradeId, offset: Number(record.offset) })),
    );
    return { records, stream };
  }

  /** A subscription in `group` that records what it applies; resolves once it has settled `total` events. */
  async function successorOf(
    bus: KafkaBus,
    topic: string,
    group: string,
    total: number,
    tracker?: SequenceTracker,
  ): Promise<{ received: Delivered[]; duplicates: number }> {
    const received: Delivered[] = [];
    const successor = bus.subscribe(
      topic,
      (message, meta) => void received.push({ id: (message as Trade).tradeId, offset: meta.offset }),
      { groupId: group, fromBeginning: true, ...(tracker === undefined ? {} : { sequenceTracker: tracker }) },
    );
    await successor.ready;
    await vi.waitFor(() => expect(successor.stats.applied + successor.stats.duplicates).toBe(total), {
      timeout: 30_000,
    });
    await successor.unsubscribe();
    return { received, duplicates: successor.stats.duplicates };
  }

  it('lets the successor of a consumer killed -9 inside a packed record apply exactly the rest', async () => {
    const bus = newBus({ topics: uniqueTopics('pk', 1) });
    await bus.connect();
    const topic = bus.topicName('trades');
    const group = `pk-kill-${randomUUID()}`;
    const symbols = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'];
    const published = Array.from({ length: 300 }, (_, i) => trade(i + 1, symbols[i % 3]));
    for (const event of published) void bus.publishEvent(event);
    await bus.flush();

    const { records, stream } = await layout(bus, topic);
    expect(stream.map((e) => e.id).sort()).toEqual(published.map((e) => e.tradeId).sort());
    // Stop inside the middle packed record: after the records before it and half of its events.
    const packed = records.filter((record) => decodeRecord(record.value).length >= 2);
    const cut = packed[Math.floor(packed.length / 2)];
    if (cut === undefined) throw new Error('the producer packed no record');
    const cutOffset = Number(cut.offset);
    const stopAfter = stream.findIndex((e) => e.offset === cutOffset) + Math.floor(decodeRecord(cut.value).length / 2);
    expect(stream[stopAfter - 1]?.offset).toBe(cutOffset);
    expect(stream[stopAfter]?.offset).toBe(cutOffset);

    const dir = mkdtempSync(join(tmpdir(), 'tickerml-packed-kill-'));
    const appliedFile = join(dir, 'applied');
    const snapshotFile = join(dir, 'snapshot.json');
    writeFileSync(appliedFile, '');
    try {
      // The child applies `stopAfter` events, saving its sequences with each (as an application
      // saving them with what it applied would), then holds its handler and is killed -9. It
      // commits nothing (60 s commit interval).
      const args = [kafka.brokers.join(','), topic, group, appliedFile, snapshotFile];
      const stopped = await runUntilKilled('crashing-consumer.ts', [
        ...args,
        '--ids',
        '--stop-after',
        String(stopAfter),
      ]);
      expect(stopped).toEqual({ applied: stopAfter, offset: cutOffset });
      const appliedByChild = readFileSync(appliedFile, 'utf8').trim().split('\n');
      expect(appliedByChild).toEqual(stream.slice(0, stopAfter).map((e) => e.id));
      // Nothing was committed, so every record, the cut one included, is delivered again.
      expect((await bus.consumerLag(group, [topic])).every((row) => row.currentOffset === null)).toBe(true);

      // The successor in the same group restores the saved sequences, gets everything again, and
      // skips what the child applied: whole records, then the first half of the cut one.
      const restored = SequenceTracker.restore(JSON.parse(readFileSync(snapshotFile, 'utf8')) as SequenceSnapshot);
      const { received, duplicates } = await successorOf(bus, topic, group, stream.length, restored);
      expect(received).toEqual(stream.slice(stopAfter));
      expect(received[0]?.offset).toBe(cutOffset);
      expect(duplicates).toBe(stopAfter);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with only the sequences stored in Kafka, re-applies after a kill -9 just the unsaved part of the batch in hand', async () => {
    const bus = newBus({ topics: uniqueTopics('pk', 1) });
    await bus.connect();
    const topic = bus.topicName('trades');
    const group = `pk-kill-stored-${randomUUID()}`;
    const symbols = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'];
    const events = Array.from({ length: 300 }, (_, i) => trade(i + 1, symbols[i % 3]));
    const [before, after] = [events.slice(0, 150), events.slice(150)];
    for (const event of before) void bus.publishEvent(event);
    await bus.flush();
    const firstRecords = await recordCount(bus, `layout-${randomUUID()}`, topic);

    // Watch the sequence topic the child writes after each batch it applied.
    const stored = new Map<string, number | undefined>();
    const watcher = await watchStoredSequences(bus, group, (key, highestTrade) => stored.set(key, highestTrade));

    const dir = mkdtempSync(join(tmpdir(), 'tickerml-packed-kill-stored-'));
    const appliedFile = join(dir, 'applied');
    writeFileSync(appliedFile, '');
    try {
      // The child applies the first 150 events and stores their sequences (one batch or more,
      // each saved once applied). Then three packed records of 50 (one per instrument) arrive in
      // a new batch; the child holds after 25 events of the first, unsaved, and is killed -9.
      const stopAfter = before.length + 25;
      const args = [kafka.brokers.join(','), topic, group, appliedFile, '--ids', '--stop-after', String(stopAfter)];
      const killed = runUntilKilled('persisting-consumer.ts', args);
      const highest = (symbol: string) => Math.max(...before.filter((e) => e.symbol === symbol).map((e) => e.seq ?? 0));
      await vi.waitFor(() => expect(symbols.map((s) => stored.get(`binanceus:${s}`))).toEqual(symbols.map(highest)), {
        timeout: 60_000,
        interval: 50,
      });
      for (const symbol of symbols) {
        const record = packEnvelopes(after.filter((e) => e.symbol === symbol).map((e) => encodeMessageText(e)));
        void bus.publishRaw(topic, `binanceus:${symbol}`, Buffer.from(record), {});
      }
      await bus.flush();
      expect(await killed).toEqual({ applied: stopAfter, offset: firstRecords });
      const { stream } = await layout(bus, topic);
      const appliedByChild = readFileSync(appliedFile, 'utf8').trim().split('\n');
      expect(appliedByChild).toEqual(stream.slice(0, stopAfter).map((e) => e.id));
      expect(stored.get('binanceus:BTC/USDT')).toBe(highest('BTC/USDT')); // the cut batch was never saved
      expect((await bus.consumerLag(group, [topic])).every((row) => row.currentOffset === null)).toBe(true);

      // The successor brings no state: it reads the stored sequences, skips the 150 events of the
      // saved batches, and applies the whole cut batch, the 25 the child applied unsaved included.
      const { received, duplicates } = await successorOf(bus, topic, group, stream.length);
      expect(received).toEqual(stream.slice(before.length));
      // Applied twice: exactly the child's 25 of the cut batch, nothing of the saved ones.
      expect(received.filter((e) => appliedByChild.includes(e.id))).toEqual(stream.slice(before.length, stopAfter));
      expect(duplicates).toBe(before.length);
    } finally {
      await watcher.disconnect();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
