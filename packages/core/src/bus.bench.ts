/**
 * In-process bus throughput against Node's EventEmitter (no buffering, no back-pressure).
 * Run: `pnpm vitest bench --run packages/core/src/bus.bench.ts`.
 */
import { EventEmitter } from 'node:events';
import { bench, describe } from 'vitest';
import { InProcessBus } from './bus.js';

const N = 10_000;
let sink = 0;

describe('publish 10,000 messages to 2 subscribers', () => {
  bench('@tickerml/core InProcessBus (awaited publish, bounded buffers)', async () => {
    const bus = new InProcessBus<number>();
    bus.subscribe('t', (m) => {
      sink += m;
    });
    bus.subscribe('t', (m) => {
      sink -= m;
    });
    for (let i = 0; i < N; i++) await bus.publish('t', i);
    await bus.close();
  });
  bench('@tickerml/core InProcessBus, delivery synchronous (awaited publish, bounded buffers)', async () => {
    const bus = new InProcessBus<number>({ delivery: 'synchronous' });
    bus.subscribe('t', (m) => {
      sink += m;
    });
    bus.subscribe('t', (m) => {
      sink -= m;
    });
    for (let i = 0; i < N; i++) await bus.publish('t', i);
    await bus.close();
  });
  bench('node:events EventEmitter (peer, synchronous, unbounded)', () => {
    const emitter = new EventEmitter();
    emitter.on('t', (m: number) => {
      sink += m;
    });
    emitter.on('t', (m: number) => {
      sink -= m;
    });
    for (let i = 0; i < N; i++) emitter.emit('t', i);
  });
});

export { sink };
