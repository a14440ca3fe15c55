/**
 * Replay merge of 8 recorded streams against the obvious peer: concatenate and stable-sort.
 * Run: `pnpm vitest bench --run packages/core/src/merge.bench.ts`.
 */
import { bench, describe } from 'vitest';
import { mergeByLocalTsSync } from './merge.js';
import { SeededRandom } from './random.js';

interface Ev {
  readonly localTs: number;
  readonly stream: number;
}
const rng = new SeededRandom('merge-bench');
const streams: Ev[][] = Array.from({ length: 8 }, (_, stream) => {
  let t = 1_700_000_000_000_000;
  return Array.from({ length: 12_500 }, () => {
    t += rng.int(0, 2_000);
    return { localTs: t, stream };
  });
});
let sink = 0;

describe('merge 8 × 12,500 events by localTs', () => {
  bench('@tickerml/core mergeByLocalTsSync (heap, streaming)', () => {
    for (const e of mergeByLocalTsSync(streams)) sink += e.stream;
  });
  bench('Array.prototype.flat + sort (peer, materializes everything)', () => {
    for (const e of streams.flat().sort((a, b) => a.localTs - b.localTs || a.stream - b.stream)) sink += e.stream;
  });
});

export { sink };
