/**
 * kafkajs' own log lines go through our logger (structured, at its level), never to the console:
 * a broker outage used to print hundreds of raw JSON lines past the pi-trader's logs.
 */
import { Writable } from 'node:stream';
import { createLogger } from '@tickerml/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isBrokerConnectionError } from './errors.js';
import { KafkaBus } from './kafka-bus.js';

afterEach(() => {
  vi.restoreAllMocks();
});

function memoryLogger(level: 'info' | 'error') {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _e, cb) {
      for (const l of String(chunk).split('\n')) if (l !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, logger: createLogger({ destination: stream, level }) };
}

describe('kafkajs logs', () => {
  it('an unreachable broker: its errors reach our logger with their namespace, nothing reaches the console', async () => {
    const console_ = [
      vi.spyOn(console, 'log'),
      vi.spyOn(console, 'error'),
      vi.spyOn(console, 'warn'),
      vi.spyOn(console, 'info'),
    ];
    const { lines, logger } = memoryLogger('info');
    // Port 1 on loopback: nothing listens, every connect is refused at once.
    const bus = new KafkaBus({ brokers: ['127.0.0.1:1'], connectRetries: 0, connectionTimeoutMs: 500, logger });
    const failure = await bus.connect().catch((e: unknown) => e);
    expect(isBrokerConnectionError(failure)).toBe(true);
    await bus.close().catch(() => undefined);
    await new Promise<void>((r) => logger.flush(() => r()));
    for (const spy of console_) expect(spy).not.toHaveBeenCalled();
    const kafkaLines = lines.filter((l) => l.component === 'kafkajs');
    expect(kafkaLines.length).toBeGreaterThan(0);
    expect(kafkaLines.some((l) => l.level === 50)).toBe(true);
    expect(typeof kafkaLines[0]?.namespace).toBe('string');
    expect(kafkaLines.some((l) => /ECONNREFUSED|Connection/.test(String(l.msg) + JSON.stringify(l)))).toBe(true);
  });

  it('a handler failure is not a connection error; a refused connect is', () => {
    expect(isBrokerConnectionError(new Error('handler threw'))).toBe(false);
    const conn = Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092'), {
      name: 'KafkaJSConnectionError',
    });
    expect(isBrokerConnectionError(new Error('wrapped', { cause: conn }))).toBe(true);
  });
});
