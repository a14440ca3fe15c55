import { randomUUID } from 'node:crypto';
import { KafkaBus } from '@tickerml/streaming';
import { afterAll, expect, it } from 'vitest';
import { describeWithService } from '../../../../test/support/services.js';
import { kafkaCommand } from './kafka.js';

function capture() {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: { stdout: (t: string) => (out.stdout += t), stderr: (t: string) => (out.stderr += t), env: {} },
  };
}

await describeWithService('kafka', 'tickerml kafka lag (real broker)', (kafka) => {
  const run = randomUUID().slice(0, 8);
  const topic = `it-${run}.lag`;
  const group = `lag-${run}`;
  const bus = new KafkaBus({ brokers: kafka.brokers, logLevel: 'nothing' });
  afterAll(() => bus.close());

  it('prints GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG per partition', async () => {
    await bus.connect();
    await bus.ensureTopics([{ name: topic, partitions: 2 }]);
    // Keys hash (murmur2) to fixed partitions; the assertions read the log-end offsets back.
    for (let i = 0; i < 10; i++) void bus.publish(topic, { kind: 'news', i }, { key: 'a' });
    for (let i = 0; i < 3; i++) void bus.publish(topic, { kind: 'news', i }, { key: 'b' });
    await bus.flush();
    const admin = bus.client.admin();
    await admin.connect();
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
    // The group has read 4 messages of partition 0 and all of partition 1.
    await admin.setOffsets({
      groupId: group,
      topic,
      partitions: [
        { partition: 0, offset: '4' },
        { partition: 1, offset: String(ends.get(1)) },
      ],
    });
    await admin.disconnect();

    const { out, io } = capture();
    const code = await kafkaCommand(['lag', '--group', group, '--brokers', kafka.brokers.join(',')], io);
    expect(out.stderr).toBe('');
    expect(code).toBe(0);
    const rows = out.stdout
      .trimEnd()
      .split('\n')
      .map((line) => line.split(/\s+/));
    expect(rows).toEqual([
      ['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG'],
      [group, topic, '0', '4', String(ends.get(0)), String((ends.get(0) ?? 0) - 4)],
      [group, topic, '1', String(ends.get(1)), String(ends.get(1)), '0'],
    ]);
    expect((ends.get(0) ?? 0) + (ends.get(1) ?? 0)).toBe(13);

    const json = capture();
    expect(await kafkaCommand(['lag', '--group', group, '--brokers', kafka.brokers.join(','), '--json'], json.io)).toBe(
      0,
    );
    expect(JSON.parse(json.out.stdout)[0]).toEqual({
      group,
      topic,
      partition: 0,
      currentOffset: 4,
      logEndOffset: ends.get(0),
      lag: (ends.get(0) ?? 0) - 4,
    });
  });

  it('says so when the group has committed nothing (exit 1)', async () => {
    const { out, io } = capture();
    const code = await kafkaCommand(['lag', '--group', `nobody-${run}`, '--brokers', kafka.brokers.join(',')], io);
    expect(code).toBe(1);
    expect(out.stderr).toBe(`Consumer group 'nobody-${run}' has no committed offsets.\n`);
  });
});

it('names the unreachable broker (exit 1)', async () => {
  const { out, io } = capture();
  const code = await kafkaCommand(['lag', '--group', 'g', '--brokers', '127.0.0.1:1', '--timeout-ms', '300'], io);
  expect(code).toBe(1);
  expect(out.stderr).toMatch(/^tickerml kafka lag: Kafka broker unreachable at 127\.0\.0\.1:1\n/);
});

it.each([
  [['lag'], /--group <group> is required/],
  [['lag', '--group'], /--group needs a value/],
  [['lag', '--group', 'g', '--nope'], /unknown option '--nope'/],
  [['lag', '--group', 'g', '--timeout-ms', 'x'], /--timeout-ms: expected a positive integer, found 'x'/],
  [['offsets'], /unknown subcommand 'offsets'/],
])('rejects %j with usage (exit 2)', async (args, message) => {
  const { out, io } = capture();
  expect(await kafkaCommand(args, io)).toBe(2);
  expect(out.stderr).toMatch(message);
  expect(out.stderr).toContain('Usage: tickerml kafka lag --group <group>');
});
