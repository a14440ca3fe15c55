import { TestClock } from '@tickerml/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { waitFor } from '../contract/wait.js';
import { backoffDelayMs } from './backoff.js';
import { ManagedConnection } from './connection.js';
import { PacedSender } from './paced-sender.js';

describe('backoffDelayMs', () => {
  it('grows exponentially, is capped, and jitter only shortens it', () => {
    const o = { initialMs: 500, maxMs: 8000, multiplier: 2, jitter: 0.5 };
    expect([0, 1, 2, 3, 4, 5, 9].map((a) => backoffDelayMs(a, o, () => 0))).toEqual([
      500, 1000, 2000, 4000, 8000, 8000, 8000,
    ]);
    expect(backoffDelayMs(3, o, () => 0.999999)).toBe(2000);
    for (let a = 0; a < 10; a++) {
      const d = backoffDelayMs(a, o, Math.random);
      const full = Math.min(8000, 500 * 2 ** a);
      expect(d).toBeGreaterThanOrEqual(full / 2);
      expect(d).toBeLessThanOrEqual(full);
    }
  });
});

describe('PacedSender', () => {
  it('never puts more than the limit in any one-second window, using the clock, not sleeps', () => {
    const clock = new TestClock(1_700_000_000_000_000);
    const sent: string[] = [];
    const s = new PacedSender((m) => sent.push(m), 2, clock);
    s.enqueue(['a', 'b', 'c', 'd', 'e']);
    expect(sent).toEqual(['a', 'b']); // a burst up to the limit goes at once
    clock.advanceBy(999_000);
    expect(sent).toEqual(['a', 'b']);
    clock.advanceBy(1_000);
    expect(sent).toEqual(['a', 'b', 'c', 'd']);
    clock.advanceBy(300_000);
    s.enqueue(['f']);
    expect(sent).toEqual(['a', 'b', 'c', 'd']);
    clock.advanceBy(700_000);
    expect(sent).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(s.pending).toBe(0);
    s.close();
  });
});

describe('ManagedConnection against a loopback server, on a manual clock', () => {
  let wss: WebSocketServer | undefined;
  let conn: ManagedConnection | undefined;
  afterEach(async () => {
    conn?.stop();
    await new Promise<void>((r) => (wss ? wss.close(() => r()) : r()));
  });

  async function server(onConnection: (ws: WebSocket, n: number) => void): Promise<string> {
    let n = 0;
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => wss!.once('listening', () => r()));
    wss.on('connection', (ws) => onConnection(ws, ++n));
    const addr = wss.address();
    return `ws://127.0.0.1:${addr !== null && typeof addr === 'object' ? addr.port : 0}`;
  }

  it('reconnects with capped exponential backoff, resets it once data flows, resubscribes each time', async () => {
    const received: string[] = [];
    const url = await server((ws, n) => {
      ws.on('message', (m) => {
        received.push(`${n}:${m.toString()}`);
        if (n <= 3)
          ws.terminate(); // the first three sockets die right after subscribing
        else ws.send('{"hello":1}');
      });
    });
    // core's TestClock drives every timer here: the connection takes it directly
    const core = new TestClock(1_700_000_000_000_000);
    const clock = core;
    const frames: string[] = [];
    const downs: string[] = [];
    conn = new ManagedConnection({
      name: 'test',
      url: () => url,
      clock: core,
      random: () => 0,
      backoff: { initialMs: 100, maxMs: 250, multiplier: 2 },
      idleTimeoutMs: 60_000,
      maxMessagesPerSecond: 5,
      subscribeMessages: () => ['sub'],
      onMessage: (t) => frames.push(t),
      onDown: ({ reason }) => downs.push(reason),
    });
    conn.start();
    for (const expected of [100, 200, 250]) {
      await waitFor(() => conn!.state === 'waiting', 'reconnect scheduled');
      expect(conn.reconnectDelaysMs.at(-1)).toBe(expected);
      clock.advanceBy((expected - 1) * 1000);
      expect(conn.state).toBe('waiting'); // not a millisecond early
      clock.advanceBy(1_000);
    }
    await waitFor(() => frames.length === 1, 'data on the 4th socket');
    expect(received).toEqual(['1:sub', '2:sub', '3:sub', '4:sub']);
    expect(conn.connects).toBe(4);
    expect(conn.outages).toBe(3);
    expect(downs).toHaveLength(3);
    expect(downs[0]).toMatch(/closed \(code 1006/);
  });

  it('treats a silent socket as dead after the idle timeout and sends application pings', async () => {
    const pings: string[] = [];
    let connections = 0;
    const url = await server((ws) => {
      connections++;
      ws.on('message', (m) => pings.push(m.toString()));
    });
    const clock = new TestClock(1_700_000_000_000_000);
    conn = new ManagedConnection({
      name: 'test',
      url: () => url,
      clock,
      random: () => 0,
      backoff: { initialMs: 10 },
      idleTimeoutMs: 10_000,
      ping: { intervalMs: 3_000, message: () => '{"method":"ping"}' },
      maxMessagesPerSecond: 10,
      subscribeMessages: () => [],
      onMessage: () => {},
    });
    conn.start();
    await waitFor(() => conn!.state === 'open', 'open');
    clock.advanceBy(6_000_000);
    await waitFor(() => pings.length === 2, 'two pings');
    expect(pings).toEqual(['{"method":"ping"}', '{"method":"ping"}']);
    clock.advanceBy(4_000_000); // 10 s without a frame from the venue
    await waitFor(() => conn!.state === 'waiting', 'idle socket dropped');
    expect(conn.outages).toBe(1);
    clock.advanceBy(10_000);
    await waitFor(() => connections === 2 && conn!.state === 'open', 'reconnected');
  });

  it('hands a text frame with invalid UTF-8 on as U+FFFD and keeps the socket', async () => {
    const url = await server((ws) => {
      ws.send(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]), { binary: false }); // {"\xff"}
      ws.send('{"ok":1}');
    });
    const frames: string[] = [];
    conn = new ManagedConnection({
      name: 'test',
      url: () => url,
      clock: new TestClock(1_700_000_000_000_000),
      random: () => 0,
      idleTimeoutMs: 10_000,
      maxMessagesPerSecond: 10,
      subscribeMessages: () => [],
      onMessage: (text) => frames.push(text),
    });
    conn.start();
    await waitFor(() => frames.length === 2, 'both frames');
    expect(frames).toEqual(['{"\uFFFD"}', '{"ok":1}']);
    expect(conn.outages).toBe(0);
    expect(conn.state).toBe('open');
  });

  it('stop() closes the socket and cancels every timer', async () => {
    const url = await server(() => {});
    const clock = new TestClock(1_700_000_000_000_000);
    conn = new ManagedConnection({
      name: 'test',
      url: () => url,
      clock,
      random: () => 0,
      idleTimeoutMs: 1000,
      ping: { intervalMs: 100, message: () => 'p' },
      lifetime: { lifetimeMs: 10_000, rolloverBeforeMs: 1000 },
      maxMessagesPerSecond: 1,
      subscribeMessages: () => ['a', 'b'],
      onMessage: () => {},
    });
    conn.start();
    await waitFor(() => conn!.state === 'open', 'open');
    conn.stop();
    clock.advanceBy(0);
    // the paced sender's timer, idle check, ping and lifetime timers are all gone
    expect(clock.timerNames().length).toBe(0);
    expect(conn.state).toBe('stopped');
  });
});
