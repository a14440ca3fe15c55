/**
 * `--bus kafka`: the feeds publish to the real broker and the trader consumes from it; the
 * pi-trader still trades and exits 0. Needs the broker of `pnpm services:up`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, expect, it } from 'vitest';
import { describeWithService } from '../../../test/support/services.js';

const APP = fileURLToPath(new URL('..', import.meta.url));
const CONFIG = fileURLToPath(new URL('../../../config', import.meta.url));
const TSX = new URL('../../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
const dir = mkdtempSync(join(tmpdir(), 'pi-trader-kafka-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function topicOffsets(brokers: readonly string[], topic: string): Promise<number> {
  const admin = new Kafka({ brokers: [...brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const topics = await admin.listTopics();
    if (!topics.includes(topic)) return 0;
    return (await admin.fetchTopicOffsets(topic)).reduce((a, p) => a + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

await describeWithService('kafka', 'pnpm pi-trader --bus kafka', (kafka) => {
  it('carries the feed through the broker to the trader, trades, and exits 0 on SIGINT', async () => {
    const before = await topicOffsets(kafka.brokers, 'tickerml.book');
    const newsBefore = await topicOffsets(kafka.brokers, 'tickerml.news');
    const child = spawn(
      process.execPath,
      [
        '--conditions=@tickerml/source',
        '--import',
        TSX,
        join(APP, 'src/main.ts'),
        '--config',
        CONFIG,
        '--bus',
        'kafka',
        '--duration',
        '90',
        '--port',
        '0',
        '--metrics-port',
        '0',
        '--db',
        join(dir, 'k.sqlite'),
        '--speed',
        '20',
        '--status-every',
        '1',
        // a baseline that trades within seconds (the default demo model mostly holds)
        '--strategy',
        'obi-momentum',
      ],
      {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          TICKERML__KAFKA__BROKERS: `[${kafka.brokers.join(',')}]`,
          TICKERML__LOGGING__DIR: join(dir, 'logs'),
          TICKERML__STORAGE__RECORDINGS_DIR: join(dir, 'rec'),
        },
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const t0 = performance.now();
      while (!/orders [1-9]/.test(out)) {
        if (child.exitCode !== null || performance.now() - t0 > 60_000)
          throw new Error(`no order seen; stdout: ${out.slice(-500)} stderr: ${err.slice(-1000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    // The book events really went through the broker.
    expect(await topicOffsets(kafka.brokers, 'tickerml.book')).toBeGreaterThan(before);
    // And the demo's harvested news items were published on the news topic.
    expect(await topicOffsets(kafka.brokers, 'tickerml.news')).toBeGreaterThan(newsBefore);
    expect(out).toMatch(/pi-trader stopped \(SIGINT\): [1-9]\d* events/);
  }, 120_000);
});
