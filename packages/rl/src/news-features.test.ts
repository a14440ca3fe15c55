import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contentHash, type NewsItem, NewsRecorder } from '@tickerml/news';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDataset, scoreNewsRecordings } from './dataset.js';
import { readDataset } from './dataset-file.js';

const BINANCE = fileURLToPath(
  new URL('../../../examples/pi-trader/recordings/binance/hftbacktest_spot_btcusdt_20240808.gz', import.meta.url),
);
const dir = mkdtempSync(join(tmpdir(), 'rl-news-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const item = (localTs: number, title: string, publishedTs: number | null = null): NewsItem => ({
  kind: 'news',
  source: 'test',
  url: `https://example.test/${localTs}`,
  title,
  summary: '',
  publishedTs,
  localTs,
  assets: ['BTC'],
  contentHash: contentHash(title, ''),
});

async function newsFile(name: string, items: readonly NewsItem[]): Promise<string> {
  const path = join(dir, name);
  const recorder = new NewsRecorder({ path });
  for (const i of items) recorder.write(i);
  await recorder.close();
  return path;
}

describe('news in datasets', () => {
  let t0s: Float64Array;
  beforeAll(async () => {
    const plain = await buildDataset({ sources: [BINANCE], out: join(dir, 'plain.arrow') });
    t0s = readDataset(plain.path).t0;
  }, 120_000);

  it('adds news_sentiment and news_weight, masked until the first item the box saw, from VADER scores', async () => {
    const firstSeen = (t0s[40] as number) + 500_000; // between two decisions
    const path = await newsFile('news.jsonl.gz', [
      item(firstSeen, 'Bitcoin wins approval, a great success'),
      item((t0s[120] as number) - 1, 'Bitcoin slumps as fraud charges and a terrible hack panic investors'),
    ]);
    const scored = await scoreNewsRecordings([path]);
    expect(scored.items.map((s) => s.scores[0]?.scorer)).toEqual(['vader', 'vader']);
    const summary = await buildDataset({ sources: [BINANCE], out: join(dir, 'news.arrow'), newsRecordings: [path] });
    const ds = readDataset(summary.path);
    const F = ds.meta.features.length;
    const s = ds.meta.features.findIndex((f) => f.name === 'news_sentiment');
    const w = ds.meta.features.findIndex((f) => f.name === 'news_weight');
    expect(s).toBeGreaterThan(0);
    expect(w).toBe(s + 1);
    expect(ds.meta.sources.map((x) => x.path)).toContain(path);
    const at = (row: number, col: number) => ds.states[row * ds.dimension + col] as number;
    for (let r = 0; r < ds.rows; r++) {
      const t0 = ds.t0[r] as number;
      if (t0 < firstSeen) {
        expect(at(r, F + s), `row ${r} before the first item`).toBe(0);
        expect(at(r, s)).toBe(0);
      } else {
        expect(at(r, F + s), `row ${r} after the first item`).toBe(1);
      }
    }
    const after1 = ds.t0.findIndex((t) => t >= firstSeen);
    expect(at(after1, s)).toBeGreaterThan(0.5);
    const after2 = ds.t0.findIndex((t) => t >= (t0s[120] as number));
    expect(at(after2, s)).toBeLessThan(at(after1, s));
  }, 120_000);

  it('an item first seen after a decision never changes that row, whatever its publisher time says', async () => {
    const cut = t0s[100] as number;
    const base = [item((t0s[20] as number) + 1, 'Bitcoin wins approval, a great success')];
    // Published (by its own stamp) long before, but first seen by the box just after decision 100.
    const late = item(
      cut + 1,
      'Bitcoin slumps as fraud charges and a terrible hack panic investors',
      t0s[10] as number,
    );
    const a = readDataset(
      (
        await buildDataset({
          sources: [BINANCE],
          out: join(dir, 'a.arrow'),
          newsRecordings: [await newsFile('a.jsonl.gz', base)],
        })
      ).path,
    );
    const b = readDataset(
      (
        await buildDataset({
          sources: [BINANCE],
          out: join(dir, 'b.arrow'),
          newsRecordings: [await newsFile('b.jsonl.gz', [...base, late])],
        })
      ).path,
    );
    expect(b.rows).toBe(a.rows);
    let changedAfter = 0;
    for (let r = 0; r < a.rows; r++) {
      const rowA = a.states.subarray(r * a.dimension, (r + 1) * a.dimension);
      const rowB = b.states.subarray(r * b.dimension, (r + 1) * b.dimension);
      if ((a.t0[r] as number) <= cut)
        expect(Buffer.from(rowB.buffer, rowB.byteOffset, rowB.byteLength)).toEqual(
          Buffer.from(rowA.buffer, rowA.byteOffset, rowA.byteLength),
        );
      else if (!rowA.every((v, i) => Object.is(v, rowB[i]))) changedAfter++;
    }
    expect(changedAfter).toBeGreaterThan(0);
  }, 180_000);
});
