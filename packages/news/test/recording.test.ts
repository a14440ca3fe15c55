import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { contentHash, type NewsItem } from '../src/item.js';
import { NewsRecorder, readNewsRecording } from '../src/recording.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const item = (n: number): NewsItem => ({
  kind: 'news',
  source: 'coindesk',
  url: `https://example.test/${n}`,
  title: `Bitcoin story ${n}`,
  summary: 'summary',
  publishedTs: n * 1000 - 5,
  localTs: n * 1000,
  assets: ['BTC'],
  contentHash: contentHash(`Bitcoin story ${n}`, 'summary'),
});

describe('NewsRecorder', () => {
  it('writes gzip JSON lines that read back in the order the box saw them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'news-rec-'));
    dirs.push(dir);
    const path = join(dir, 'sub', 'news.jsonl.gz');
    const recorder = new NewsRecorder({ path });
    for (const n of [1, 2, 3]) recorder.write(item(n));
    await recorder.close();
    const back: NewsItem[] = [];
    for await (const i of readNewsRecording(path)) back.push(i);
    expect(back).toEqual([item(1), item(2), item(3)]);
  });
});
