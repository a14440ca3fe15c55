import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InProcessBus, type MarketEvent } from '@tickerml/core';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { instruments, numberedTrades, trade } from '../test/events.js';
import { WriterClosedError, WriterFailedError } from './errors.js';
import { SqliteStore } from './sqlite.js';
import { type EventSink, EventWriter } from './writer.js';

const here = dirname(fileURLToPath(import.meta.url));
const child = join(here, '..', 'test', 'ingest-child.ts');
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tickerml-writer-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A sink that records batch sizes and can be told to fail. */
class RecordingSink implements EventSink {
  batches: number[] = [];
  failOn: number | undefined;
  writeEvents(events: readonly MarketEvent[]): void {
    if (this.failOn === this.batches.length) throw new Error('disk full');
    this.batches.push(events.length);
  }
}

describe('EventWriter', () => {
  it('acknowledges each write only after its batch is committed, in batches', async () => {
    const store = SqliteStore.open(join(dir, 'w.db'), { instruments });
    const writer = new EventWriter(store, { maxBatchEvents: 100 });
    const acks = [...numberedTrades(1000)].map((e) =>
      writer.write(e).then(() => store.query('trades', { fromUs: e.exchTs, toUs: e.exchTs + 1 }).length),
    );
    // Every acknowledged event is found in the database at the moment of its acknowledgement.
    expect(await Promise.all(acks)).toEqual(new Array(1000).fill(1));
    expect(writer.committedCount).toBe(1000);
    await writer.close();
    store.close();
  });

  it('applies back-pressure: the queue never holds more than its bound', async () => {
    const sink = new RecordingSink();
    const writer = new EventWriter(sink, { maxQueuedEvents: 50, maxBatchEvents: 20 });
    let maxQueued = 0;
    async function* source() {
      for (const e of numberedTrades(1000)) {
        maxQueued = Math.max(maxQueued, writer.queuedCount);
        yield e;
      }
    }
    expect(await writer.pipeFrom(source())).toBe(1000);
    expect(maxQueued).toBeLessThanOrEqual(50);
    expect(sink.batches.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(Math.max(...sink.batches)).toBeLessThanOrEqual(20);
    expect(sink.batches.length).toBeGreaterThan(1);
  });

  it('on a failed commit rejects the unacknowledged events and keeps the acknowledged ones', async () => {
    const sink = new RecordingSink();
    sink.failOn = 1;
    const writer = new EventWriter(sink, { maxBatchEvents: 10 });
    const results = await Promise.allSettled([...numberedTrades(30)].map((e) => writer.write(e)));
    const fulfilled = results.filter((r) => r.status === 'fulfilled').length;
    expect(fulfilled).toBe(10);
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(rejected).toHaveLength(20);
    const reason = (rejected[0] as PromiseRejectedResult).reason as WriterFailedError;
    expect(reason).toBeInstanceOf(WriterFailedError);
    expect(reason.message).toContain('disk full');
    await expect(writer.write(trade(0))).rejects.toBeInstanceOf(WriterFailedError);
  });

  it("takes events from core's in-process bus, slowing the publisher when the queue is full", async () => {
    const store = SqliteStore.open(':memory:', { instruments });
    const writer = new EventWriter(store, { maxQueuedEvents: 100, maxBatchEvents: 40 });
    const bus = new InProcessBus<MarketEvent>();
    let maxQueued = 0;
    bus.subscribe('trades', async (event) => {
      await writer.push(event);
      maxQueued = Math.max(maxQueued, writer.queuedCount);
    });
    for (const event of numberedTrades(2_000)) await bus.publish('trades', event);
    await bus.close();
    await writer.flush();
    expect(maxQueued).toBeLessThanOrEqual(100);
    expect(store.count('trades')).toBe(2_000);
    expect(store.query('trades').map((r) => Number(r.trade_id))).toEqual(Array.from({ length: 2_000 }, (_, i) => i));
    store.close();
  });

  it('commits what is queued on close and refuses writes afterwards', async () => {
    const sink = new RecordingSink();
    const writer = new EventWriter(sink);
    const pending = [...numberedTrades(10)].map((e) => writer.write(e));
    await writer.close();
    await Promise.all(pending);
    expect(sink.batches.reduce((a, b) => a + b, 0)).toBe(10);
    await expect(writer.write(trade(0))).rejects.toBeInstanceOf(WriterClosedError);
    await expect(writer.push(trade(0))).rejects.toBeInstanceOf(WriterClosedError);
  });
});

function startChild(path: string, args: string[] = []): ChildProcess {
  return spawn(process.execPath, ['--conditions=@tickerml/source', '--import', 'tsx', child, path, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** Feeds stdout lines to `onLine` until the process exits; resolves with its exit code and signal. */
function follow(
  proc: ChildProcess,
  onLine: (line: string) => void,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let buffer = '';
  proc.stdout?.setEncoding('utf8');
  proc.stdout?.on('data', (chunk: string) => {
    buffer += chunk;
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      onLine(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf('\n');
    }
  });
  return new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
}

describe('EventWriter in a real child process', () => {
  it('after kill -9 during ingest, the database opens cleanly and holds every acknowledged event', async () => {
    const path = join(dir, 'crash.db');
    const proc = startChild(path);
    let acked = 0;
    let lastId = -1;
    const exit = follow(proc, (line) => {
      const [tag, total, last] = line.split(' ');
      if (tag !== 'ACK') return;
      acked = Number(total);
      lastId = Number(last);
      if (acked >= 20_000) proc.kill('SIGKILL');
    });
    expect(await exit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(acked).toBeGreaterThanOrEqual(20_000);
    expect(lastId).toBe(acked - 1);

    const db = new Database(path);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    const store = SqliteStore.open(path);
    const ids = store.query('trades').map((r) => Number(r.trade_id));
    store.close();
    // Every acknowledged trade 0..acked-1 is there, once; anything beyond was committed but not yet acknowledged.
    expect(ids.length).toBeGreaterThanOrEqual(acked);
    expect(ids.slice(0, acked)).toEqual(Array.from({ length: acked }, (_, i) => i));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('on SIGTERM commits everything it accepted, closes the database and exits 0', async () => {
    const path = join(dir, 'term.db');
    const proc = startChild(path, ['--signals']);
    let closedWith = -1;
    let acked = 0;
    let signalled = false;
    const exit = follow(proc, (line) => {
      const [tag, total] = line.split(' ');
      if (tag === 'ACK') acked = Number(total);
      if (tag === 'ACK' && acked >= 5_000 && !signalled) {
        signalled = true;
        proc.kill('SIGTERM');
      }
      if (tag === 'CLOSED') closedWith = Number(total);
    });
    expect(await exit).toEqual({ code: 0, signal: null });
    expect(closedWith).toBeGreaterThanOrEqual(acked);
    const store = SqliteStore.open(path);
    expect(store.count('trades')).toBe(closedWith);
    store.close();
  });
});
