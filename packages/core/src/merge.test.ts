import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, OutOfOrderError } from './errors.js';
import { mergeByLocalTs, mergeByLocalTsSync } from './merge.js';

interface Ev {
  readonly localTs: number;
  readonly stream: number;
  readonly seq: number;
}

function stream(index: number, stamps: readonly number[]): Ev[] {
  return stamps.map((localTs, seq) => ({ localTs, stream: index, seq }));
}

async function* slowly<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    yield item;
  }
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Reference: stable sort of everything by (localTs, stream index, position in stream). */
function reference(streams: readonly Ev[][]): Ev[] {
  return streams.flat().sort((a, b) => a.localTs - b.localTs || a.stream - b.stream || a.seq - b.seq);
}

const sortedStamps = fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 30 }).map((a) => a.sort((x, y) => x - y));

describe('mergeByLocalTsSync', () => {
  it('orders by localTs, ties by stream order', () => {
    const a = stream(0, [1, 3, 3, 7]);
    const b = stream(1, [0, 3, 8]);
    const c = stream(2, []);
    const merged = [...mergeByLocalTsSync([a, b, c])].map((e) => `${e.stream}:${e.localTs}`);
    expect(merged).toEqual(['1:0', '0:1', '0:3', '0:3', '1:3', '0:7', '1:8']);
  });

  it('throws OutOfOrderError naming the stream and both stamps', () => {
    const run = () => [...mergeByLocalTsSync([stream(0, [1, 2]), stream(1, [5, 4])], { names: ['book', 'trades'] })];
    expect(run).toThrow(OutOfOrderError);
    expect(run).toThrow('stream 1 (trades) went back in time: localTs 4 µs after 5 µs');
    expect(() => [...mergeByLocalTsSync([[{ localTs: Number.NaN }]])]).toThrow(InvalidArgumentError);
  });

  it('puts events back in order within a reorder window, and still throws beyond it', () => {
    const late = stream(0, [10, 12, 11, 20, 15, 40]);
    const merged = [...mergeByLocalTsSync([late, stream(1, [11])], { reorderWindowUs: 5 })];
    expect(merged.map((e) => `${e.stream}:${e.localTs}`)).toEqual([
      '0:10',
      '0:11',
      '1:11',
      '0:12',
      '0:15',
      '0:20',
      '0:40',
    ]);
    expect(() => [...mergeByLocalTsSync([stream(0, [10, 30, 12])], { reorderWindowUs: 5 })]).toThrow(
      'beyond the reorder window of 5 µs',
    );
  });

  it('closes its inputs when the consumer stops early', () => {
    let closed = 0;
    function* endless(start: number): Generator<Ev> {
      try {
        for (let t = start; ; t += 2) yield { localTs: t, stream: start, seq: t };
      } finally {
        closed++;
      }
    }
    const merged = mergeByLocalTsSync([endless(0), endless(1)]);
    const first: number[] = [];
    for (const e of merged) {
      first.push(e.localTs);
      if (first.length === 5) break;
    }
    expect(first).toEqual([0, 1, 2, 3, 4]);
    expect(closed).toBe(2);
  });

  it('is sorted, stable and complete for any sorted inputs (property)', () => {
    fc.assert(
      fc.property(fc.array(sortedStamps, { maxLength: 8 }), (stampLists) => {
        const streams = stampLists.map((stamps, i) => stream(i, stamps));
        expect([...mergeByLocalTsSync(streams)]).toEqual(reference(streams));
      }),
    );
  });

  it('with a window, equals a stable sort for inputs whose disorder is within the window (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 10 })), { maxLength: 30 }),
          { maxLength: 5 },
        ),
        (lists) => {
          // jitter each sorted stamp by up to 10 µs into the past: disorder stays within 10 µs
          const streams = lists.map((pairs, i) => {
            const base = pairs.map(([t]) => t).sort((x, y) => x - y);
            return stream(
              i,
              base.map((t, k) => Math.max(0, t - (pairs[k]?.[1] ?? 0))),
            );
          });
          const expected = streams.map((s) => [...s].sort((a, b) => a.localTs - b.localTs || a.seq - b.seq));
          expect([...mergeByLocalTsSync(streams, { reorderWindowUs: 10 })]).toEqual(reference(expected));
        },
      ),
    );
  });
});

describe('mergeByLocalTs (async)', () => {
  it('merges async and sync inputs in order, ties by stream order', async () => {
    const merged = await collect(
      mergeByLocalTs([slowly(stream(0, [2, 4, 6])), stream(1, [1, 4, 9]), slowly(stream(2, [4]))]),
    );
    expect(merged.map((e) => `${e.stream}:${e.localTs}`)).toEqual(['1:1', '0:2', '0:4', '1:4', '2:4', '0:6', '1:9']);
  });

  it('reports an input going backwards', async () => {
    await expect(collect(mergeByLocalTs([slowly(stream(0, [1, 5, 3]))], { names: ['kraken:book'] }))).rejects.toThrow(
      'stream 0 (kraken:book) went back in time: localTs 3 µs after 5 µs',
    );
  });

  it('passes an input failure on and closes the other inputs', async () => {
    let closed = false;
    async function* failing(): AsyncGenerator<Ev> {
      yield { localTs: 1, stream: 0, seq: 0 };
      throw new Error('socket closed');
    }
    async function* healthy(): AsyncGenerator<Ev> {
      try {
        for (let t = 0; ; t++) yield { localTs: t, stream: 1, seq: t };
      } finally {
        closed = true;
      }
    }
    await expect(collect(mergeByLocalTs([failing(), healthy()]))).rejects.toThrow('socket closed');
    expect(closed).toBe(true);
  });

  it('is sorted, stable and complete for any sorted async inputs (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(sortedStamps, { maxLength: 6 }),
        fc.integer({ min: 0, max: 10 }),
        async (stampLists, window) => {
          const streams = stampLists.map((stamps, i) => stream(i, stamps));
          const merged = await collect(
            mergeByLocalTs(
              streams.map((s, i) => (i % 2 === 0 ? slowly(s) : s)),
              { reorderWindowUs: window },
            ),
          );
          expect(merged).toEqual(reference(streams));
        },
      ),
      { numRuns: 50 },
    );
  });
});
