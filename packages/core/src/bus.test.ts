import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { Delivery, InProcessBus, type MessageMeta } from './bus.js';
import { BusClosedError, BusOverflowError, SubscriberFailedError } from './errors.js';
import { type ContractMessage, ContractViolation, eventBusContract } from './testing/bus-contract.js';

/** A promise the test opens by hand: lets a handler stay "slow" until the test decides. */
function gate() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Lets every queued microtask and one macrotask run (no timer, no sleep). */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('InProcessBus', () => {
  it('delivers each message to every subscriber of its topic, in order, with key and offset', async () => {
    const bus = new InProcessBus<number>();
    const a: string[] = [];
    const b: number[] = [];
    bus.subscribe('trades', (m, meta) => {
      a.push(`${m}:${meta.key}:${meta.offset}`);
    });
    bus.subscribe('trades', async (m) => {
      await flush();
      b.push(m);
    });
    bus.subscribe('book', () => {
      throw new Error('never called');
    });
    for (let i = 0; i < 5; i++) await bus.publish('trades', i, { key: i % 2 === 0 ? 'even' : 'odd' });
    await bus.publish('nobody-listens', 1);
    await bus.close();
    expect(a).toEqual(['0:even:0', '1:odd:1', '2:even:2', '3:odd:3', '4:even:4']);
    expect(b).toEqual([0, 1, 2, 3, 4]);
  });

  it('blocks the producer when a block-policy subscriber is full, and resumes in order', async () => {
    const bus = new InProcessBus<number>();
    const slow = gate();
    const handled: number[] = [];
    bus.subscribe(
      't',
      async (m) => {
        if (m === 0) await slow.promise;
        handled.push(m);
      },
      { bufferSize: 2 },
    );
    const accepted: number[] = [];
    const publishes = [0, 1, 2, 3, 4].map((m) => bus.publish('t', m).then(() => accepted.push(m)));
    await vi.waitFor(() => expect(accepted).toEqual([0, 1, 2]));
    await flush();
    expect(accepted).toEqual([0, 1, 2]); // 0 in flight, 1 and 2 buffered; 3 and 4 wait
    slow.open();
    await Promise.all(publishes);
    await bus.close();
    expect(accepted).toEqual([0, 1, 2, 3, 4]);
    expect(handled).toEqual([0, 1, 2, 3, 4]);
  });

  it('rejects with BusOverflowError when an error-policy subscriber is full, delivering to nobody', async () => {
    const bus = new InProcessBus<string>();
    const slow = gate();
    const got: string[] = [];
    const other: string[] = [];
    const recorder = bus.subscribe(
      't',
      async (m) => {
        await slow.promise;
        got.push(m);
      },
      { bufferSize: 1, overflow: 'error', id: 'recorder' },
    );
    bus.subscribe('t', (m) => {
      other.push(m);
    });
    await bus.publish('t', 'a');
    await vi.waitFor(() => expect(recorder.buffered).toBe(0)); // 'a' is being handled
    await bus.publish('t', 'b'); // fills the one-message buffer
    await expect(bus.publish('t', 'c')).rejects.toThrow(BusOverflowError);
    await expect(bus.publish('t', 'c')).rejects.toThrow("subscriber recorder on topic 't' has 1 messages buffered");
    slow.open();
    await bus.close();
    expect(got).toEqual(['a', 'b']);
    expect(other).toEqual(['a', 'b']);
  });

  it('reports a failed subscriber on the next publish and on close, never silently', async () => {
    const bus = new InProcessBus<number>();
    bus.subscribe('t', (m) => {
      if (m === 1) throw new Error('disk full');
    });
    await bus.publish('t', 0);
    await bus.publish('t', 1);
    await flush();
    const error = await bus.publish('t', 2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SubscriberFailedError);
    expect((error as SubscriberFailedError).walk()).toMatchObject({ message: 'disk full' });
    await expect(bus.close()).rejects.toThrow(SubscriberFailedError);
  });

  it('passes handler errors to onError and keeps delivering', async () => {
    const bus = new InProcessBus<number>();
    const errors: string[] = [];
    const seen: number[] = [];
    bus.subscribe(
      't',
      (m) => {
        seen.push(m);
        if (m % 2 === 1) throw new Error(`bad ${m}`);
      },
      { onError: (e, m, meta: MessageMeta) => errors.push(`${(e as Error).message}@${meta.offset}/${m}`) },
    );
    for (let i = 0; i < 4; i++) await bus.publish('t', i);
    await bus.close();
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(errors).toEqual(['bad 1@1/1', 'bad 3@3/3']);
  });

  it('unsubscribe handles what was accepted, then stops; close refuses new work', async () => {
    const bus = new InProcessBus<number>();
    const seen: number[] = [];
    const sub = bus.subscribe('t', async (m) => {
      await flush();
      seen.push(m);
    });
    await bus.publish('t', 1);
    await bus.publish('t', 2);
    expect(sub.buffered).toBeGreaterThan(0);
    await sub.unsubscribe();
    expect(seen).toEqual([1, 2]);
    await bus.publish('t', 3);
    await bus.close();
    expect(seen).toEqual([1, 2]);
    await expect(bus.publish('t', 4)).rejects.toThrow(BusClosedError);
    expect(() => bus.subscribe('t', () => {})).toThrow(BusClosedError);
  });

  it('close waits for blocked publishes and slow handlers to finish', async () => {
    const bus = new InProcessBus<number>();
    const seen: number[] = [];
    bus.subscribe(
      't',
      async (m) => {
        await flush();
        seen.push(m);
      },
      { bufferSize: 1 },
    );
    const all = Array.from({ length: 10 }, (_, i) => bus.publish('t', i));
    await bus.close();
    await Promise.all(all);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('delivers every message exactly once and in order, whatever the buffer sizes and handler speeds (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ bufferSize: fc.integer({ min: 1, max: 4 }), slowEvery: fc.integer({ min: 1, max: 5 }) }), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.integer({ min: 0, max: 60 }),
        fc.boolean(),
        fc.constantFrom(Delivery.Microtask, Delivery.Synchronous),
        async (subscribers, count, awaitEach, delivery) => {
          const bus = new InProcessBus<number>({ delivery });
          const received = subscribers.map(() => [] as number[]);
          subscribers.forEach((s, i) => {
            bus.subscribe(
              't',
              async (m, meta) => {
                expect(meta.offset).toBe(m);
                if (m % s.slowEvery === 0) await flush();
                (received[i] as number[]).push(m);
              },
              { bufferSize: s.bufferSize },
            );
          });
          const publishes: Promise<void>[] = [];
          for (let m = 0; m < count; m++) {
            const p = bus.publish('t', m);
            if (awaitEach) await p;
            else publishes.push(p);
          }
          await Promise.all(publishes);
          await bus.close();
          const expected = Array.from({ length: count }, (_, m) => m);
          for (const r of received) expect(r).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('InProcessBus contract', () => {
  eventBusContract(it, { createBus: () => new InProcessBus<ContractMessage>() });
});

describe('InProcessBus contract, synchronous delivery', () => {
  eventBusContract(it, { createBus: () => new InProcessBus<ContractMessage>({ delivery: Delivery.Synchronous }) });
});

describe('InProcessBus synchronous delivery', () => {
  it('calls an idle subscriber inside publish; the default waits for a microtask', async () => {
    for (const delivery of [Delivery.Synchronous, Delivery.Microtask]) {
      const bus = new InProcessBus<number>({ delivery });
      const seen: number[] = [];
      bus.subscribe('t', (m) => {
        seen.push(m);
      });
      const accepted = bus.publish('t', 1);
      expect(seen).toEqual(delivery === Delivery.Synchronous ? [1] : []);
      await accepted;
      expect(seen).toEqual([1]);
      await bus.close();
    }
  });

  it('a handler that publishes to its own topic: every subscriber sees publish order', async () => {
    const bus = new InProcessBus<number>({ delivery: Delivery.Synchronous });
    const first: number[] = [];
    const second: number[] = [];
    bus.subscribe('t', (m) => {
      first.push(m);
      if (m < 3) void bus.publish('t', m + 10);
    });
    bus.subscribe('t', (m) => {
      second.push(m);
    });
    await bus.publish('t', 1);
    await bus.publish('t', 2);
    await bus.close();
    expect(first).toEqual([1, 11, 2, 12]);
    expect(second).toEqual([1, 11, 2, 12]);
  });

  it('buffers behind a busy subscriber and blocks the producer when its buffer is full', async () => {
    const bus = new InProcessBus<number>({ delivery: Delivery.Synchronous });
    const slow = gate();
    const handled: number[] = [];
    bus.subscribe(
      't',
      async (m) => {
        if (m === 0) await slow.promise;
        handled.push(m);
      },
      { bufferSize: 2 },
    );
    const accepted: number[] = [];
    const publishes = [0, 1, 2, 3].map((m) => bus.publish('t', m).then(() => accepted.push(m)));
    await flush();
    expect(accepted).toEqual([0, 1, 2]); // 0 in its handler, 1 and 2 buffered, 3 waits for room
    expect(handled).toEqual([]);
    slow.open();
    await Promise.all(publishes);
    await bus.close();
    expect(handled).toEqual([0, 1, 2, 3]);
  });

  it('a handler that throws inside publish fails the subscription: publish resolves, the next one rejects', async () => {
    const bus = new InProcessBus<number>({ delivery: Delivery.Synchronous });
    bus.subscribe('t', (m) => {
      if (m === 1) throw new Error('disk full');
    });
    await bus.publish('t', 0);
    await expect(bus.publish('t', 1)).resolves.toBeUndefined();
    await expect(bus.publish('t', 2)).rejects.toThrow(SubscriberFailedError);
    await expect(bus.close()).rejects.toThrow(SubscriberFailedError);
  });

  it('refuses an unknown delivery', () => {
    expect(() => new InProcessBus({ delivery: 'eventually' as Delivery })).toThrow(
      "a delivery ('microtask' or 'synchronous')",
    );
  });
});

describe('eventBusContract', () => {
  it('fails a bus that loses, reorders or hides failures (the contract is not vacuous)', async () => {
    /** An InProcessBus that silently drops seq 3 and swallows handler errors. */
    class LossyBus extends InProcessBus<ContractMessage> {
      override publish(topic: string, message: ContractMessage, options?: { key?: string }): Promise<void> {
        if (message.seq === 3) return Promise.resolve();
        return super.publish(topic, message, options);
      }
      override subscribe(...args: Parameters<InProcessBus<ContractMessage>['subscribe']>) {
        const [topic, handler, options] = args;
        return super.subscribe(topic, handler, { ...options, onError: options?.onError ?? (() => {}) });
      }
    }
    const bodies = new Map<string, () => Promise<void>>();
    eventBusContract((name, body) => bodies.set(name, body), { createBus: () => new LossyBus() });
    const failures: string[] = [];
    for (const [name, body] of bodies) {
      const error = await body().then(
        () => undefined,
        (e: unknown) => e,
      );
      if (error !== undefined) {
        expect(error).toBeInstanceOf(ContractViolation);
        failures.push(name);
      }
    }
    expect(failures).toEqual([
      'delivers every message to every subscriber, in publish order, with key and increasing offsets',
      'close resolves only after every accepted message is handled, then refuses publishes',
      'reports a subscriber whose handler throws (no onError) on close',
      'passes handler errors to onError and keeps delivering',
    ]);
  });
});
