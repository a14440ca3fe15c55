import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMetricsRegistry, type MarketEvent, type Trade } from '@tickerml/core';
import { afterAll, expect, it, vi } from 'vitest';
import { describeWithService, startKafka, stopKafka } from '../../../test/support/services.js';
import { readAll, uniqueTopics, watchStoredSequences } from '../test/broker.js';
import { SAMPLE_EVENTS } from '../test/sample-events.js';
import { type BusMessage, encodeMessage } from './codec.js';
import { type SequenceSnapshot, SequenceTracker } from './dedupe.js';
import { readDeadLetterHeaders } from './dlq.js';
import { BrokerUnreachableError, PublishFailedError } from './errors.js';
import { KafkaBus, type KafkaBusOptions } from './kafka-bus.js';
import { registerGroupLagGauge } from './lag.js';

/** Resolves waiters when a counter reaches their target: a condition to wait on, not a sleep. */
class Progress {
  count = 0;
  readonly #waiters: { target: number; resolve: () => void }[] = [];
  add(n = 1): void {
    this.count += n;
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      const waiter = this.#waiters[i];
      if (waiter !== undefined && this.count >= waiter.target) {
        this.#waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }
  reached(target: number): Promise<void> {
    if (this.count >= target) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ target, resolve }));
  }
}

const trade = (seq: number, tradeId = String(seq)): Trade => ({
  kind: 'trade',
  venue: 'binanceus',
  symbol: 'BTC/USDT',
  exchTs: 1_700_000_000_000_000 + seq,
  localTs: 1_700_000_000_000_500 + seq,
  seq,
  tradeId,
  priceTicks: 6_500_000 + (seq % 100),
  qtyLots: 1 + (seq % 7),
  aggressor: seq % 2 === 0 ? 'buy' : 'sell',
});

await describeWithService('kafka', 'KafkaBus against a real broker', (kafka) => {
  const buses: KafkaBus[] = [];
  const newBus = (options: Partial<KafkaBusOptions> = {}): KafkaBus => {
    const bus = new KafkaBus({ brokers: kafka.brokers, topics: uniqueTopics('it'), logLevel: 'nothing', ...options });
    buses.push(bus);
    return bus;
  };
  afterAll(async () => {
    await Promise.allSettled(buses.map((bus) => bus.close()));
  });

  it('round-trips every market event kind and a feature record, each on the topic of its kind', async () => {
    const bus = newBus();
    await bus.connect();
    const group = `rt-${randomUUID()}`;
    const received = new Map<string, BusMessage[]>();
    const progress = new Progress();
    const subs = (['orderBooks', 'trades', 'funding', 'features'] as const).map((kind) =>
      bus.subscribe(
        bus.topicName(kind),
        (message, context) => {
          const list = received.get(context.topic) ?? [];
          list.push(message);
          received.set(context.topic, list);
          progress.add();
        },
        // One group per topic: every member of a kafkajs group must read the same topics.
        { groupId: `${group}-${kind}`, fromBeginning: true },
      ),
    );
    await Promise.all(subs.map((sub) => sub.ready));

    for (const event of SAMPLE_EVENTS) void bus.publishEvent(event);
    const feature = { kind: 'feature', venue: 'kraken', symbol: 'BTC/USD', ts: 5, values: [0.25, -1.5] };
    void bus.publish(bus.topicName('features'), feature);
    await bus.flush();
    await progress.reached(SAMPLE_EVENTS.length + 1);

    const expectedByTopic = new Map<string, BusMessage[]>();
    for (const event of SAMPLE_EVENTS) {
      const topic = bus.topicName(
        event.kind === 'trade' ? 'trades' : event.kind === 'funding_rate' ? 'funding' : 'orderBooks',
      );
      expectedByTopic.set(topic, [...(expectedByTopic.get(topic) ?? []), event]);
    }
    expectedByTopic.set(bus.topicName('features'), [feature]);
    for (const [topic, expected] of expectedByTopic) {
      const got = received.get(topic) ?? [];
      // Across instruments order is per partition; within one instrument it is the publish order.
      const byKey = (list: readonly BusMessage[]) => {
        const map = new Map<string, BusMessage[]>();
        for (const m of list) {
          const e = m as MarketEvent;
          map.set(`${e.venue}:${e.symbol}`, [...(map.get(`${e.venue}:${e.symbol}`) ?? []), m]);
        }
        return map;
      };
      expect(byKey(got), topic).toEqual(byKey(expected));
    }
    await vi.waitFor(() => expect(subs.reduce((n, sub) => n + sub.stats.applied, 0)).toBe(SAMPLE_EVENTS.length + 1));
  });

  it('sends a poison message to the dead-letter topic with the error and where it came from, and goes on', async () => {
    const metrics = createMetricsRegistry();
    const bus = newBus({ topics: uniqueTopics('it', 1), metrics });
    await bus.connect();
    const tradesTopic = bus.topicName('trades');
    const group = `poison-${randomUUID()}`;
    const applied: string[] = [];
    const attemptsOnPoison: number[] = [];
    const progress = new Progress();
    const sub = bus.subscribe(
      tradesTopic,
      (message, context) => {
        const t = message as Trade;
        if (t.tradeId === 'poison') {
          attemptsOnPoison.push(context.attempt);
          throw new Error('cannot apply trade poison');
        }
        applied.push(t.tradeId);
        progress.add();
      },
      { groupId: group, fromBeginning: true, maxAttempts: 3, retryBackoffMs: 0 },
    );
    await sub.ready;

    const key = 'binanceus:BTC/USDT';
    void bus.publishRaw(tradesTopic, key, Buffer.from('{"v":1,"kind":"trade",garbage'), {}); // offset 0
    void bus.publishRaw(tradesTopic, key, Buffer.from('{"v":3,"kind":"trade"}'), {}); // offset 1
    void bus.publishEvent(trade(1, 'poison')); // offset 2: decodes, but the handler always throws
    for (let seq = 2; seq <= 4; seq++) void bus.publishEvent(trade(seq)); // offsets 3..5
    await bus.flush();
    await progress.reached(3);
    expect(applied).toEqual(['2', '3', '4']);
    expect(attemptsOnPoison).toEqual([1, 2, 3]);
    await vi.waitFor(() => expect(sub.stats).toMatchObject({ applied: 3, deadLettered: 3, retries: 2 }));

    // Read the dead-letter topic back with a plain kafkajs consumer.
    const letters = await readAll(bus, bus.topicName('deadLetter'), 3);
    const infos = letters.map((m) => readDeadLetterHeaders(m.headers));
    expect(infos.map((i) => [i?.errorName, i?.topic, i?.partition, i?.offset, i?.group, i?.attempts])).toEqual([
      ['MalformedMessageError', tradesTopic, 0, '0', group, 0],
      ['UnsupportedVersionError', tradesTopic, 0, '1', group, 0],
      ['HandlerFailedError', tradesTopic, 0, '2', group, 3],
    ]);
    expect(infos[0]?.error).toMatch(/message is not JSON/);
    expect(infos[1]?.error).toMatch(/envelope version 3 is not supported/);
    expect(infos[2]?.error).toMatch(/handler failed 3 time\(s\)[\s\S]*cannot apply trade poison/);
    // The original bytes and key travel unchanged.
    expect(letters[0]?.value?.toString()).toBe('{"v":1,"kind":"trade",garbage');
    expect(letters[2]?.value?.equals(encodeMessage(trade(1, 'poison')))).toBe(true);
    expect(letters.map((m) => m.key?.toString())).toEqual([key, key, key]);

    // Offsets are committed after processing (within commitIntervalMs): the group reaches the end.
    await vi.waitFor(
      async () =>
        expect(await bus.consumerLag(group)).toEqual([
          { group, topic: tradesTopic, partition: 0, currentOffset: 6, logEndOffset: 6, lag: 0 },
        ]),
      { timeout: 10_000, interval: 100 },
    );
    // and the subscription's gauge says the same, as does the broker-read gauge of a monitor.
    const admin = bus.client.admin();
    await admin.connect();
    registerGroupLagGauge(metrics.registry, admin, [group]);
    const exposition = await metrics.metrics();
    await admin.disconnect();
    expect(exposition).toContain(
      `tickerml_kafka_consumer_lag_messages{group="${group}",topic="${tradesTopic}",partition="0"} 0`,
    );
    expect(exposition).toContain(
      `tickerml_kafka_group_lag_messages{group="${group}",topic="${tradesTopic}",partition="0"} 0`,
    );
  });

  it('loses nothing and applies nothing twice when the broker is stopped and restarted mid-stream', async () => {
    const total = 3_000;
    const chunk = 100;
    const bus = newBus();
    await bus.connect();
    const group = `restart-${randomUUID()}`;
    const applied: number[] = [];
    const progress = new Progress();
    const errors: unknown[] = [];
    const sub = bus.subscribe(
      bus.topicName('trades'),
      (message) => {
        applied.push((message as Trade).seq ?? -1);
        progress.add();
      },
      { groupId: group, fromBeginning: true, onError: (e) => errors.push(e) },
    );
    await sub.ready;

    // A second producer that may not wait long: its publish must fail, clearly, while the
    // broker is away (it connected before, so this exercises the retry loop's deadline).
    const impatient = newBus({ producer: { deliveryTimeoutMs: 2_000 }, connectRetries: 1 });
    await impatient.connect();

    // Publishes seq from..to in chunks of 100, each chunk awaited (acknowledged by the broker).
    const produce = async (from: number, to: number) => {
      for (let start = from; start <= to; start += chunk) {
        const sends: Promise<void>[] = [];
        for (let seq = start; seq < start + chunk && seq <= to; seq++) sends.push(bus.publishEvent(trade(seq)));
        await Promise.all(sends);
      }
    };
    // The first half is on the broker and partly consumed when it stops; the next sixth is
    // published while it stops (in flight or waiting); the last third only once it is down, so
    // the stream is certainly cut in the middle.
    await produce(1, total / 2);
    await progress.reached(total / 3);
    const racing = produce(total / 2 + 1, (total * 2) / 3);
    racing.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
    await stopKafka();
    const appliedWhileStopped = applied.length;
    const lastThird = produce((total * 2) / 3 + 1, total);
    lastThird.catch(() => {});
    const refused = await impatient.publishEvent(trade(1)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PublishFailedError);
    expect((refused as PublishFailedError).shortMessage).toBe(
      `could not publish 1 message(s) to ${impatient.topicName('trades')}`,
    );
    expect((refused as Error).message).toMatch(/ECONNREFUSED|Connection error|connect/i);
    await startKafka();
    await racing;
    await lastThird;
    // A second publisher of the same feed sends the first 100 again, then one new event: the
    // copies arrive at new offsets and are recognised by venue sequence.
    const replays: Promise<void>[] = [];
    for (let seq = 1; seq <= 100; seq++) replays.push(bus.publishEvent(trade(seq)));
    replays.push(bus.publishEvent(trade(total + 1)));
    await Promise.all(replays);
    await progress.reached(total + 1);

    expect(appliedWhileStopped).toBeLessThanOrEqual((total * 2) / 3);
    expect(applied).toEqual(Array.from({ length: total + 1 }, (_, i) => i + 1));
    await vi.waitFor(() => expect(sub.stats.applied).toBe(total + 1));
    expect(sub.stats.duplicates).toBeGreaterThanOrEqual(100);
  }, 240_000);

  it('lets the successor of a killed consumer skip, by restored venue sequence, what was applied but not committed', async () => {
    const bus = newBus({ topics: uniqueTopics('it', 1) });
    await bus.connect();
    const topic = bus.topicName('trades');
    const group = `crash-${randomUUID()}`;
    const dir = mkdtempSync(join(tmpdir(), 'tickerml-crash-'));
    const appliedFile = join(dir, 'applied');
    const snapshotFile = join(dir, 'snapshot.json');
    writeFileSync(appliedFile, '');
    const first = 500;
    for (let seq = 1; seq <= first; seq++) void bus.publishEvent(trade(seq));
    await bus.flush();

    // The child applies everything, commits nothing (60 s commit interval), and is killed -9.
    const child = fork(
      fileURLToPath(new URL('../test/crashing-consumer.ts', import.meta.url)),
      [kafka.brokers.join(','), topic, group, appliedFile, snapshotFile],
      {
        execArgv: ['--conditions=@tickerml/source', '--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    await vi.waitFor(
      () => {
        const state = JSON.parse(readFileSync(snapshotFile, 'utf8')) as SequenceSnapshot;
        expect(state.binanceus?.['BTC/USDT']?.highestSeq.trade).toBe(first);
      },
      { timeout: 60_000, interval: 50 },
    );
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const appliedByChild = readFileSync(appliedFile, 'utf8').trim().split('\n').map(Number);
    expect(appliedByChild).toEqual(Array.from({ length: first }, (_, i) => i + 1));
    // Nothing was committed, so everything will be delivered again.
    expect((await bus.consumerLag(group)).every((row) => row.currentOffset === null)).toBe(true);

    // The successor restores the snapshot, gets all 500 again, skips them, applies what is new.
    const restored = SequenceTracker.restore(JSON.parse(readFileSync(snapshotFile, 'utf8')) as SequenceSnapshot);
    const applied: number[] = [];
    const progress = new Progress();
    const successor = bus.subscribe(
      topic,
      (message) => {
        applied.push((message as Trade).seq ?? -1);
        progress.add();
      },
      { groupId: group, fromBeginning: true, sequenceTracker: restored },
    );
    await successor.ready;
    for (let seq = first + 1; seq <= first + 100; seq++) void bus.publishEvent(trade(seq));
    await bus.flush();
    await progress.reached(100);
    expect(applied).toEqual(Array.from({ length: 100 }, (_, i) => first + 1 + i));
    await vi.waitFor(() => expect(successor.stats.duplicates).toBe(first));
  });

  it('lets the successor of a killed consumer skip, by the sequences it stored in Kafka, what was applied but not committed', async () => {
    const bus = newBus({ topics: uniqueTopics('it', 1) });
    await bus.connect();
    const topic = bus.topicName('trades');
    const group = `persist-${randomUUID()}`;
    const dir = mkdtempSync(join(tmpdir(), 'tickerml-persist-'));
    const appliedFile = join(dir, 'applied');
    writeFileSync(appliedFile, '');
    const first = 500;
    for (let seq = 1; seq <= first; seq++) void bus.publishEvent(trade(seq));
    await bus.flush();

    // Watch the sequence topic the child writes after each batch it applied.
    let lastStored: number | undefined;
    const watcher = await watchStoredSequences(bus, group, (_key, highestTrade) => {
      lastStored = highestTrade;
    });

    // The child applies everything, commits nothing (60 s commit interval), and is killed -9 once
    // its sequence record says it applied all of them.
    const child = fork(
      fileURLToPath(new URL('../test/persisting-consumer.ts', import.meta.url)),
      [kafka.brokers.join(','), topic, group, appliedFile],
      {
        execArgv: ['--conditions=@tickerml/source', '--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    await vi.waitFor(() => expect(lastStored).toBe(first), { timeout: 60_000, interval: 50 });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    await watcher.disconnect();
    const appliedByChild = readFileSync(appliedFile, 'utf8').trim().split('\n').map(Number);
    expect(appliedByChild).toEqual(Array.from({ length: first }, (_, i) => i + 1));
    // Nothing was committed, so everything will be delivered again.
    expect((await bus.consumerLag(group, [topic])).every((row) => row.currentOffset === null)).toBe(true);

    // The successor brings no state of its own: it reads the sequence topic, gets all 500 again,
    // skips them, and applies what is new.
    const applied: number[] = [];
    const progress = new Progress();
    const successor = bus.subscribe(
      topic,
      (message) => {
        applied.push((message as Trade).seq ?? -1);
        progress.add();
      },
      { groupId: group, fromBeginning: true },
    );
    await successor.ready;
    for (let seq = first + 1; seq <= first + 100; seq++) void bus.publishEvent(trade(seq));
    await bus.flush();
    await progress.reached(100);
    expect(applied).toEqual(Array.from({ length: 100 }, (_, i) => first + 1 + i));
    await vi.waitFor(() => expect(successor.stats.duplicates).toBe(first));
  });

  it.each([
    // A tiny buffer: most publishes wait in line for room.
    ['under back-pressure', { maxBufferedMessages: 50, lingerMs: 0 }],
    // One burst of about 3 MiB: it must be split, since the broker refuses a record batch over
    // 1 MiB (with 5,000-message requests alone, all 3,000 would go in one).
    ['in a burst larger than one request may carry', {}],
  ])('keeps publish order of one key %s', async (_case, producer) => {
    const bus = newBus({ topics: uniqueTopics('it', 1), producer });
    await bus.connect();
    const topic = bus.topicName('news');
    const total = 3_000;
    const received: number[] = [];
    const progress = new Progress();
    const sub = bus.subscribe(
      topic,
      (message) => {
        received.push((message as unknown as { i: number }).i);
        progress.add();
      },
      { groupId: `order-${randomUUID()}`, fromBeginning: true },
    );
    await sub.ready;
    const padding = 'x'.repeat(1_024);
    const sends: Promise<void>[] = [];
    for (let i = 0; i < total; i++) sends.push(bus.publish(topic, { kind: 'news', i, padding }, { key: 'one-key' }));
    await Promise.all(sends);
    await progress.reached(total);
    expect(received).toEqual(Array.from({ length: total }, (_, i) => i));
  });

  it('reports an unreachable broker once, naming its address, quickly', async () => {
    const bus = new KafkaBus({
      brokers: ['127.0.0.1:1'],
      connectionTimeoutMs: 500,
      connectRetries: 1,
      logLevel: 'nothing',
    });
    buses.push(bus);
    const started = process.hrtime.bigint();
    const error = await bus.connect().catch((e: unknown) => e);
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    expect(error).toBeInstanceOf(BrokerUnreachableError);
    expect((error as BrokerUnreachableError).shortMessage).toBe('Kafka broker unreachable at 127.0.0.1:1');
    expect((error as Error).message).toMatch(/ECONNREFUSED|Connection error/);
    expect(elapsedMs).toBeLessThan(10_000);
    // A publish on that bus fails the same way instead of hanging.
    await expect(bus.publishEvent(trade(1))).rejects.toThrow(/Kafka broker unreachable at 127\.0\.0\.1:1/);
  });
});
