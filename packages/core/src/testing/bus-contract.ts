/**
 * The contract every {@link EventBus} implementation must pass (in-process, Kafka, …), as a test
 * suite you run with your own test runner: core has no test-runner dependency.
 *
 * @module
 */

import type { EventBus, MessageMeta } from '../bus.js';

/** A message the contract publishes: JSON-serializable, so wire buses can carry it. */
export interface ContractMessage {
  readonly seq: number;
  readonly text: string;
}

/** Registers a test: `it` from vitest, jest or `node:test` fits. */
export type ContractTest = (name: string, body: () => Promise<void>, timeoutMs?: number) => void;

/** Options of {@link eventBusContract}. */
export interface EventBusContractOptions {
  /** A fresh, open bus for one test. */
  readonly createBus: () => EventBus<ContractMessage> | Promise<EventBus<ContractMessage>>;
  /** A topic name no other test uses (wire buses keep topics between tests). Defaults to a counter. */
  readonly topic?: (label: string) => string;
  /** Timeout of each test in milliseconds. Defaults to 30 000. */
  readonly timeoutMs?: number;
}

/** Thrown by the contract when an implementation breaks it. */
export class ContractViolation extends Error {
  override name = 'ContractViolation';
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new ContractViolation(message);
}

function sameList(actual: readonly unknown[], expected: readonly unknown[], what: string): void {
  check(
    JSON.stringify(actual) === JSON.stringify(expected),
    `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`,
  );
}

async function rejectsWith(promise: Promise<unknown>, errorName: string, what: string): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    check(error instanceof Error && error.name === errorName, `${what}: expected ${errorName}, got ${String(error)}`);
    return error;
  }
  throw new ContractViolation(`${what}: expected a rejection with ${errorName}, it resolved`);
}

/** Resolves once `condition()` holds, checking after each turn of the event loop (no timers). */
function until(condition: () => boolean): Promise<void> {
  return new Promise<void>((resolve) => {
    const poll = () => (condition() ? resolve() : setImmediate(poll));
    poll();
  });
}

const messages = (count: number, text = 'm'): ContractMessage[] =>
  Array.from({ length: count }, (_, seq) => ({ seq, text: `${text}${seq}` }));

/**
 * Registers the {@link EventBus} contract tests with `test`:
 * ordered, complete delivery to every subscriber with increasing offsets and keys; `close`
 * handling everything accepted and refusing new publishes; a failing subscriber reported, never
 * silent; `unsubscribe` stopping delivery.
 *
 * @example
 * ```ts
 * import { describe, it } from 'vitest';
 * import { eventBusContract } from '@tickerml/core/testing';
 * describe('KafkaBus contract', () => eventBusContract(it, { createBus: () => new KafkaBus({ brokers }) }));
 * ```
 */
export function eventBusContract(test: ContractTest, options: EventBusContractOptions): void {
  let counter = 0;
  const topic = options.topic ?? ((label: string) => `contract.${label}.${++counter}`);
  const timeoutMs = options.timeoutMs ?? 30_000;

  test(
    'delivers every message to every subscriber, in publish order, with key and increasing offsets',
    async () => {
      const bus = await options.createBus();
      const name = topic('order');
      const sent = messages(50);
      const received: [ContractMessage[], ContractMessage[]] = [[], []];
      const metas: { key: string | undefined; offset: number }[] = [];
      const a = bus.subscribe(name, (m, meta: MessageMeta) => {
        received[0].push(m);
        metas.push({ key: meta.key, offset: meta.offset });
      });
      const b = bus.subscribe(name, async (m) => {
        await Promise.resolve();
        received[1].push(m);
      });
      await Promise.all([a.ready, b.ready]);
      for (const m of sent) await bus.publish(name, m, { key: 'k' });
      // Order is part of the contract: once the last message is in, anything missing is lost.
      const last = sent.length - 1;
      await until(() => received[0].at(-1)?.seq === last && received[1].at(-1)?.seq === last);
      await bus.close();
      sameList(received[0], sent, 'first subscriber');
      sameList(received[1], sent, 'second subscriber');
      check(
        metas.every((m) => m.key === 'k'),
        `keys should be passed through, got ${JSON.stringify(metas.map((m) => m.key))}`,
      );
      for (let i = 1; i < metas.length; i++) {
        check(
          (metas[i]?.offset ?? 0) > (metas[i - 1]?.offset ?? 0),
          `offsets should increase: ${JSON.stringify(metas)}`,
        );
      }
    },
    timeoutMs,
  );

  test(
    'close resolves only after every accepted message is handled, then refuses publishes',
    async () => {
      const bus = await options.createBus();
      const name = topic('close');
      const handled: number[] = [];
      const sub = bus.subscribe(name, async (m) => {
        await Promise.resolve();
        handled.push(m.seq);
      });
      await sub.ready;
      for (const m of messages(20)) await bus.publish(name, m);
      await bus.close();
      sameList(
        handled,
        messages(20).map((m) => m.seq),
        'handled before close resolved',
      );
      await rejectsWith(bus.publish(name, { seq: 99, text: 'late' }), 'BusClosedError', 'publish after close');
    },
    timeoutMs,
  );

  test(
    'reports a subscriber whose handler throws (no onError) on close',
    async () => {
      const bus = await options.createBus();
      const name = topic('failure');
      const sub = bus.subscribe(name, (m) => {
        if (m.seq === 1) throw new Error('handler broke');
      });
      await sub.ready;
      await bus.publish(name, { seq: 0, text: 'ok' });
      await bus.publish(name, { seq: 1, text: 'bad' }).catch(() => undefined);
      const error = await rejectsWith(bus.close(), 'SubscriberFailedError', 'close after a handler failure');
      check(
        error instanceof Error && (error.cause as Error | undefined)?.message === 'handler broke',
        'the handler error should be the cause',
      );
    },
    timeoutMs,
  );

  test(
    'passes handler errors to onError and keeps delivering',
    async () => {
      const bus = await options.createBus();
      const name = topic('on-error');
      const seen: number[] = [];
      const errors: number[] = [];
      const sub = bus.subscribe(
        name,
        (m) => {
          seen.push(m.seq);
          if (m.seq % 2 === 1) throw new Error(`odd ${m.seq}`);
        },
        { onError: (_error, m) => errors.push(m.seq) },
      );
      await sub.ready;
      for (const m of messages(6)) await bus.publish(name, m);
      await until(() => seen.at(-1) === 5);
      await bus.close();
      sameList(seen, [0, 1, 2, 3, 4, 5], 'delivered');
      sameList(errors, [1, 3, 5], 'errors passed to onError');
    },
    timeoutMs,
  );

  test(
    'unsubscribe handles what was accepted and receives nothing after',
    async () => {
      const bus = await options.createBus();
      const name = topic('unsubscribe');
      const seen: number[] = [];
      const sub = bus.subscribe(name, (m) => {
        seen.push(m.seq);
      });
      await sub.ready;
      await bus.publish(name, { seq: 0, text: 'a' });
      await until(() => seen.length === 1);
      await sub.unsubscribe();
      await bus.publish(name, { seq: 1, text: 'b' });
      await bus.close();
      sameList(seen, [0], 'received');
    },
    timeoutMs,
  );
}
