import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { RawFrame } from '../readers/raw-frame.js';
import { loadFrames } from '../replay/load.js';
import { krakenChecksumOfText } from './book-state.js';
import { FaultKind, InvalidFaultSpecError, parseFaultSpec } from './faults.js';
import { FrameRole, frameRole } from './protocol.js';
import { ReplayServer } from './server.js';

const fixture = (p: string) => fileURLToPath(new URL(`../../test/fixtures/${p}`, import.meta.url));
const cache = new Map<string, RawFrame[]>();
async function frames(p: string): Promise<RawFrame[]> {
  let f = cache.get(p);
  if (f === undefined) {
    f = (await loadFrames(fixture(p))).frames;
    cache.set(p, f);
  }
  return f;
}

/** A plain ws client that keeps every message and can wait for a condition (no sleeps). */
class Client {
  readonly messages: string[] = [];
  closeCode: number | undefined;
  private waiters: Array<() => void> = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      this.messages.push(d.toString());
      this.poke();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.poke();
    });
  }
  static async open(url: string): Promise<Client> {
    const ws = new WebSocket(url);
    const client = new Client(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }
  private poke() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
  async until(cond: () => boolean): Promise<void> {
    while (!cond()) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
  send(o: unknown) {
    this.ws.send(typeof o === 'string' ? o : JSON.stringify(o));
  }
  close() {
    this.ws.terminate();
  }
}

const servers: ReplayServer[] = [];
const clients: Client[] = [];
async function start(opts: Parameters<typeof ReplayServer.start>[0]) {
  const s = await ReplayServer.start(opts);
  servers.push(s);
  return s;
}
async function connect(url: string) {
  const c = await Client.open(url);
  clients.push(c);
  return c;
}
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.close();
});

const recvData = (fs: readonly RawFrame[]) =>
  fs
    .filter(
      (f) => f.kind === 'recv' && frameRole(f.data) !== FrameRole.Control && frameRole(f.data) !== FrameRole.Greeting,
    )
    .map((f) => f.data);

describe('ReplayServer over a real WebSocket', () => {
  it('binds 127.0.0.1 on an ephemeral port and plays Binance frames in order, byte for byte', async () => {
    const all = await frames('binance/hftbacktest_spot_btcusdt_20240808.gz');
    const server = await start({ frames: all });
    expect(server.wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(server.port).toBeGreaterThan(0);
    // Before the tape reaches the recorded snapshot, REST serves the recorded body.
    const early = await fetch(`${server.httpUrl}/api/v3/depth?symbol=BTCUSDT&limit=1000`);
    expect((await early.text()).startsWith('{"lastUpdateId":50093239218,')).toBe(true);
    const client = await connect(`${server.wsUrl}/stream?streams=btcusdt@depth@100ms/btcusdt@trade/btcusdt@bookTicker`);
    const expected = recvData(all);
    await client.until(() => client.messages.length >= expected.length);
    await server.finished;
    expect(client.messages).toEqual(expected);
    // Afterwards the snapshot is the book now: lastUpdateId is the last diff's `u`.
    const lastU = Number(/"u":(\d+)/.exec(expected.filter((t) => t.includes('depthUpdate')).at(-1) as string)?.[1]);
    const late = (await (await fetch(`${server.httpUrl}/api/v3/depth?symbol=BTCUSDT&limit=1000`)).json()) as {
      lastUpdateId: number;
      bids: string[][];
      asks: string[][];
    };
    expect(late.lastUpdateId).toBe(lastU);
    // Reference figures from an independent Python replay of the same file (diffs buffered before
    // the snapshot, those with u > lastUpdateId applied after it: the 61820.99 bid goes, line 6).
    expect([late.bids[0]?.[0], late.asks[0]?.[0], late.bids.length, late.asks.length]).toEqual([
      '61685.99000000',
      '61686.00000000',
      1209,
      2196,
    ]);
    expect(late.lastUpdateId).toBe(50093421584);
    expect(server.requests.map((r) => r.source)).toEqual(['recorded', 'tracked']);
    const missing = await fetch(`${server.httpUrl}/api/v3/nothing`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toMatch(/no recorded response for GET \/api\/v3\/nothing/);
  });

  it('answers KuCoin bullet-public, welcome, subscribe acks and pings, then streams after the first subscribe', async () => {
    const all = await frames('kucoin/cryptofeed_KUCOIN.jsonl.gz');
    const server = await start({ frames: all });
    const bullet = (await (await fetch(`${server.httpUrl}/api/v1/bullet-public`, { method: 'POST' })).json()) as {
      data: { token: string; instanceServers: { endpoint: string; pingInterval: number }[] };
    };
    const endpoint = bullet.data.instanceServers[0]?.endpoint as string;
    expect(endpoint).toBe(`${server.wsUrl}/kucoin`);
    const client = await connect(`${endpoint}?token=${bullet.data.token}`);
    await client.until(() => client.messages.length >= 1);
    expect(JSON.parse(client.messages[0] as string).type).toBe('welcome');
    expect(server.position).toBe(0); // nothing played before the client subscribes
    client.send({ id: 'sub-1', type: 'subscribe', topic: '/market/level2:BTC-USDT', response: true });
    client.send({ id: 'ping-7', type: 'ping' });
    await client.until(() => client.messages.some((m) => m.includes('"pong"')));
    expect(client.messages).toContain('{"id":"sub-1","type":"ack"}');
    await server.finished;
    await client.until(() => client.messages.length >= 3 + recvData(all).length);
    // REST snapshots are served for the recorded symbols, now from the tracked book.
    const snap = (await (await fetch(`${server.httpUrl}/api/v3/market/orderbook/level2?symbol=SNX-BTC`)).json()) as {
      data: { sequence: string };
    };
    expect(Number(snap.data.sequence)).toBeGreaterThan(1612844051657);
  });

  it('Kraken: a mid-stream re-subscribe gets a snapshot of the current book whose checksum is right', async () => {
    const all = await frames('kraken/crossbook_kraken_btcusd_sample.cbcap');
    // The tracker's checksum reproduces the venue's on the recorded snapshot itself.
    const recordedSnap = all.find((f) => f.data.startsWith('{"channel":"book","type":"snapshot"'))?.data as string;
    const lv = (side: string) =>
      [
        ...(new RegExp(`"${side}":\\[(.*?)\\]`).exec(recordedSnap)?.[1] ?? '').matchAll(
          /\{"price":([^,]+),"qty":([^}]+)\}/g,
        ),
      ].map((m) => ({ price: m[1] as string, qty: m[2] as string }));
    expect(krakenChecksumOfText(lv('asks'), lv('bids'))).toBe(Number(/"checksum":(\d+)/.exec(recordedSnap)?.[1]));

    const server = await start({ frames: all, startOn: 'first-message' });
    const client = await connect(`${server.wsUrl}/v2`);
    server.stall();
    client.send({ method: 'subscribe', params: { channel: 'book', symbol: ['BTC/USD'], depth: 25 }, req_id: 1 });
    client.send({ method: 'ping', req_id: 2 });
    await client.until(() => client.messages.some((m) => m.startsWith('{"method":"pong","req_id":2')));
    // Stalled: the acks and pong came, no data did.
    expect(client.messages.filter((m) => m.startsWith('{"channel":"book"'))).toHaveLength(0);
    expect(JSON.parse(client.messages[0] as string)).toMatchObject({ channel: 'status' });
    expect(JSON.parse(client.messages[1] as string)).toMatchObject({
      method: 'subscribe',
      success: true,
      req_id: 1,
      result: { channel: 'book', symbol: 'BTC/USD', depth: 25 },
    });
    server.resume();
    await client.until(
      () => client.messages.filter((m) => m.startsWith('{"channel":"book","type":"update"')).length >= 500,
    );
    client.send({ method: 'subscribe', params: { channel: 'book', symbol: ['BTC/USD'], depth: 25 }, req_id: 3 });
    await client.until(
      () => client.messages.filter((m) => m.startsWith('{"channel":"book","type":"snapshot"')).length >= 2,
    );
    const fresh = client.messages.filter((m) => m.startsWith('{"channel":"book","type":"snapshot"'))[1] as string;
    const bids = [...(/"bids":\[(.*?)\]/.exec(fresh)?.[1] ?? '').matchAll(/\{"price":([^,]+),"qty":([^}]+)\}/g)];
    expect(bids).toHaveLength(25);
    expect(fresh).not.toBe(recordedSnap.replace(/"timestamp":"[^"]*"/, ''));
    expect(server.injected.map((f) => f.kind)).toEqual([FaultKind.Stall]);
  });
});

describe('faults on command', () => {
  /** Book updates the client received, as their index in the tape's book updates. */
  async function playWith(fault: FaultKind, afterUpdates: number) {
    const all = await frames('binance/hftbacktest_spot_btcusdt_20240808.gz');
    const updates = all.filter((f) => f.data.includes('"e":"depthUpdate"')).map((f) => f.data);
    const server = await start({ frames: all.slice(0, 400) });
    server.stall();
    const client = await connect(`${server.wsUrl}/stream?streams=btcusdt@depth@100ms`);
    // Arm the fault for the (afterUpdates+1)-th update: let `afterUpdates` updates through first.
    server.resume();
    await client.until(() => client.messages.filter((m) => m.includes('depthUpdate')).length >= afterUpdates);
    server.inject(fault);
    await server.finished;
    const expectedUpdates = all.slice(0, 400).filter((f) => f.data.includes('"e":"depthUpdate"')).length;
    return { server, client, updates: updates.slice(0, expectedUpdates) };
  }
  const gotUpdates = (c: Client) => c.messages.filter((m) => m.includes('depthUpdate'));

  it('drop: exactly one book update never arrives', async () => {
    const { client, updates, server } = await playWith(FaultKind.Drop, 5);
    await client.until(() => gotUpdates(client).length >= updates.length - 1);
    const got = gotUpdates(client);
    expect(got).toHaveLength(updates.length - 1);
    const missing = updates.filter((u) => !got.includes(u));
    expect(missing).toHaveLength(1);
    expect(server.injected.filter((f) => f.kind !== 'stall')).toMatchObject([{ kind: 'drop' }]);
  });

  it('dup: one book update arrives twice, in place', async () => {
    const { client, updates } = await playWith(FaultKind.Duplicate, 5);
    await client.until(() => gotUpdates(client).length >= updates.length + 1);
    const got = gotUpdates(client);
    const i = got.findIndex((u, k) => k > 0 && u === got[k - 1]);
    expect(i).toBeGreaterThan(0);
    expect([...got.slice(0, i), ...got.slice(i + 1)]).toEqual(updates);
  });

  it('reorder: two consecutive book updates swap places', async () => {
    const { client, updates } = await playWith(FaultKind.Reorder, 5);
    await client.until(() => gotUpdates(client).length >= updates.length);
    const got = gotUpdates(client);
    const diff = got.map((u, k) => (u === updates[k] ? -1 : k)).filter((k) => k >= 0);
    expect(diff).toHaveLength(2);
    const [a, b] = diff as [number, number];
    expect(b).toBe(a + 1);
    expect(got[a]).toBe(updates[b]);
    expect(got[b]).toBe(updates[a]);
  });

  it('corrupt (Binance): one update is cut so it no longer parses', async () => {
    const { client, updates } = await playWith(FaultKind.Corrupt, 5);
    await client.until(() => client.messages.length >= 1 && gotUpdates(client).length >= updates.length);
    const bad = gotUpdates(client).filter((m) => !updates.includes(m));
    expect(bad).toHaveLength(1);
    expect(() => JSON.parse(bad[0] as string)).toThrow();
  });

  it('corrupt (Kraken): the checksum is changed and nothing else', async () => {
    const all = await frames('kraken/crossbook_kraken_btcusd_l2.cbcap');
    const server = await start({ frames: all, startOn: 'first-message' });
    const client = await connect(server.wsUrl);
    server.inject(FaultKind.Corrupt);
    client.send({ method: 'subscribe', params: { channel: 'book', symbol: ['BTC/USD'], depth: 10 }, req_id: 1 });
    await server.finished;
    const expected = recvData(all).filter((t) => t.startsWith('{"channel":"book","type":"update"'));
    await client.until(
      () => client.messages.filter((m) => m.startsWith('{"channel":"book","type":"update"')).length >= expected.length,
    );
    const got = client.messages.filter((m) => m.startsWith('{"channel":"book","type":"update"'));
    const changed = got.map((m, k) => [m, expected[k] as string] as const).filter(([m, e]) => m !== e);
    expect(changed).toHaveLength(1);
    const [m, e] = changed[0] as readonly [string, string];
    const sum = (t: string) => Number(/"checksum":(\d+)/.exec(t)?.[1]);
    expect(sum(m)).toBe((sum(e) + 1) % 4294967296);
    expect(m.replace(/"checksum":\d+/, '')).toBe(e.replace(/"checksum":\d+/, ''));
  });

  it('close: the socket dies with 1006 and a new connection resumes where the stream is', async () => {
    const all = await frames('binance/hftbacktest_spot_btcusdt_20240808.gz');
    const tape = all.slice(0, 300);
    const server = await start({ frames: tape });
    server.stall();
    const first = await connect(`${server.wsUrl}/stream?streams=btcusdt@depth@100ms`);
    server.resume();
    await first.until(() => first.messages.length >= 50);
    server.inject(FaultKind.Close);
    await first.until(() => first.closeCode !== undefined);
    expect(first.closeCode).toBe(1006);
    const second = await connect(`${server.wsUrl}/stream?streams=btcusdt@depth@100ms`);
    await server.finished;
    const expected = recvData(tape);
    await second.until(() => first.messages.length + second.messages.length >= expected.length);
    // Nothing lost, nothing repeated across the two connections.
    expect([...first.messages, ...second.messages]).toEqual(expected);
    expect(server.connectionsAccepted).toBe(2);
  });

  it('stale-snapshot: the next REST snapshot is the first recorded one, then fresh again', async () => {
    const all = await frames('binance/hftbacktest_spot_btcusdt_20240808.gz');
    const server = await start({ frames: all.slice(0, 2000), startOn: 'connect' });
    const client = await connect(server.wsUrl);
    // Mid-stream (a stale snapshot is only served while updates still follow to expose it).
    await client.until(() => client.messages.filter((m) => m.includes('depthUpdate')).length >= 40);
    server.stall();
    server.inject(FaultKind.StaleSnapshot);
    const stale = (await (await fetch(`${server.httpUrl}/api/v3/depth?symbol=BTCUSDT&limit=1000`)).json()) as {
      lastUpdateId: number;
    };
    const fresh = (await (await fetch(`${server.httpUrl}/api/v3/depth?symbol=BTCUSDT&limit=1000`)).json()) as {
      lastUpdateId: number;
    };
    expect(stale.lastUpdateId).toBe(50093239218);
    expect(fresh.lastUpdateId).toBeGreaterThan(stale.lastUpdateId);
    expect(server.injected.filter((f) => f.kind !== 'stall')).toMatchObject([{ kind: 'stale-snapshot' }]);
    expect(server.requests.map((r) => r.source)).toEqual(['stale', 'tracked']);
  });
});

describe('seeded fault plans', () => {
  it('parses the CLI spec and rejects bad keys and values by name', () => {
    expect(parseFaultSpec('drop=0.01,dup=0.02,reorder=0,corrupt=5,close=2,stale-snapshot=1')).toEqual({
      drop: 0.01,
      dup: 0.02,
      reorder: 0,
      corrupt: 5,
      close: 2,
      staleSnapshot: 1,
    });
    expect(() => parseFaultSpec('drop=2')).toThrow(/drop is a probability in 0..1, was 2/);
    expect(() => parseFaultSpec('explode=1')).toThrow(InvalidFaultSpecError);
    expect(() => parseFaultSpec('corrupt=1.5')).toThrow(/corrupt is a count/);
  });

  it('the same seed injects the same faults; Coinbase sequence numbers show each drop as one gap', async () => {
    const all = await frames('coinbase/cryptofeed_COINBASE_advtrade.jsonl.gz');
    async function run(seed: number) {
      const server = await start({ frames: all, faults: { drop: 0.02, corrupt: 0 }, seed });
      const client = await connect(server.wsUrl);
      client.send({ type: 'subscribe', product_ids: ['BTC-USD', 'ETH-USD'], channel: 'level2' });
      await server.finished;
      const expectedCount = recvData(all).length - server.injected.length + 1; // + the synthesized ack
      await client.until(() => client.messages.length >= expectedCount);
      const seqs = client.messages.map((m) => Number(/"sequence_num":(\d+)/.exec(m.slice(0, 300))?.[1]));
      let gaps = 0;
      for (let k = 1; k < seqs.length; k++)
        if ((seqs[k] as number) !== (seqs[k - 1] as number) + 1)
          gaps += (seqs[k] as number) - (seqs[k - 1] as number) - 1;
      return { injected: server.injected.map((f) => `${f.kind}@${f.tapeIndex}`), gaps, first: seqs[0] };
    }
    const a = await run(42);
    const b = await run(42);
    const c = await run(43);
    expect(a.injected.length).toBeGreaterThan(3);
    expect(a.injected).toEqual(b.injected);
    expect(c.injected).not.toEqual(a.injected);
    expect(a.first).toBe(0);
    expect(a.gaps).toBe(a.injected.length);
  });
});

describe('pacing', () => {
  /** A timer provider the test fires by hand: no real waiting. */
  function manualTimers() {
    const queue: { cb: () => void; delayMs: number }[] = [];
    let waiter: (() => void) | undefined;
    return {
      queue,
      timers: {
        setTimeout: (cb: () => void, delayMs: number) => {
          queue.push({ cb, delayMs });
          waiter?.();
          return queue.length;
        },
        clearTimeout: () => {},
      },
      async next(): Promise<{ cb: () => void; delayMs: number }> {
        while (queue.length === 0) await new Promise<void>((r) => (waiter = r));
        waiter = undefined;
        return queue.shift() as { cb: () => void; delayMs: number };
      },
    };
  }
  const tape: RawFrame[] = [0, 10_000, 30_000, 30_500, 90_000].map((dt, i) => ({
    localTs: 1_700_000_000_000_000 + dt,
    kind: 'recv',
    data: `{"stream":"x@trade","data":{"i":${i}}}`,
  }));

  it('plays the recorded gaps divided by the speed (x10), waiting on the timer provider', async () => {
    const t = manualTimers();
    const server = await start({ frames: tape, pace: { speed: 10 }, timers: t.timers });
    const client = await connect(`${server.wsUrl}/stream?streams=x@trade`);
    await client.until(() => client.messages.length >= 1);
    const delays: number[] = [];
    for (let k = 1; k < 5; k++) {
      if (k !== 3) {
        const timer = await t.next();
        delays.push(timer.delayMs);
        expect(client.messages).toHaveLength(k); // nothing more until the timer fires
        timer.cb();
      }
      await client.until(() => client.messages.length >= k + 1);
    }
    // 10 ms, 20 ms and 59.5 ms of recorded time at x10; the 0.5 ms gap is under 1 ms and not waited for.
    expect(delays).toEqual([1, 2, 5.95]);
    expect(client.messages).toEqual(tape.map((f) => f.data));
  });

  it("'recorded' waits the recorded gaps", async () => {
    const t = manualTimers();
    const server = await start({ frames: tape.slice(0, 2), pace: 'recorded', timers: t.timers });
    const client = await connect(`${server.wsUrl}/stream?streams=x@trade`);
    const timer = await t.next();
    expect(timer.delayMs).toBe(10);
    timer.cb();
    await client.until(() => client.messages.length >= 2);
    await server.finished;
  });
});

describe('loop', () => {
  const tape: RawFrame[] = [0, 1, 2].map((i) => ({
    localTs: 1_700_000_000_000_000 + i,
    kind: 'recv',
    data: `{"stream":"x@trade","data":{"i":${i}}}`,
  }));

  it('plays the whole tape, closes the socket with 1012 after its last frame, and plays it again to the next connection', async () => {
    const passes: number[] = [];
    const server = await start({ frames: tape, loop: true, onLoop: (p) => passes.push(p) });
    const first = await connect(`${server.wsUrl}/stream?streams=x@trade`);
    await first.until(() => first.closeCode !== undefined);
    expect(first.closeCode).toBe(1012);
    expect(first.messages).toEqual(tape.map((f) => f.data));
    const second = await connect(`${server.wsUrl}/stream?streams=x@trade`);
    await second.until(() => second.closeCode !== undefined);
    expect(second.messages).toEqual(tape.map((f) => f.data));
    expect(passes).toEqual([2, 3]);
    expect(server.passes).toBe(3);
  });
});
