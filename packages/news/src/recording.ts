/**
 * Recording what the harvester fetched, so replays and datasets include news merged by `localTs`
 * like any other stream: one JSON line per item (gzip-compressed), in the order the box saw them.
 *
 * @module
 */

import { createReadStream, createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip, createGzip, type Gzip } from 'node:zlib';
import type { NewsItem } from './item.js';

/** Options of {@link NewsRecorder}. */
export interface NewsRecorderOptions {
  /** File to write, e.g. `data/recordings/news-2026-12-07.jsonl.gz` (`.gz` compresses). */
  readonly path: string;
}

/**
 * Appends items to a JSON-lines file.
 *
 * @example
 * ```ts
 * const recorder = new NewsRecorder({ path: 'data/recordings/news.jsonl.gz' });
 * harvester = new NewsHarvester({ …, onItem: (item) => recorder.write(item) });
 * await recorder.close();
 * ```
 */
export class NewsRecorder {
  private readonly file: WriteStream;
  private readonly gzip: Gzip | null;

  constructor(options: NewsRecorderOptions) {
    mkdirSync(dirname(options.path), { recursive: true });
    this.file = createWriteStream(options.path, { flags: 'a' });
    this.gzip = options.path.endsWith('.gz') ? createGzip() : null;
    this.gzip?.pipe(this.file);
  }

  write(item: NewsItem): void {
    (this.gzip ?? this.file).write(`${JSON.stringify(item)}\n`);
  }

  /** Flushes and closes the file. */
  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.file.once('close', resolve);
      this.file.once('error', reject);
      if (this.gzip !== null) this.gzip.end();
      else this.file.end();
    });
  }
}

/**
 * Reads a news recording back in file order (the order the box saw the items).
 *
 * @throws {SyntaxError} naming the line that is not a news item
 */
export async function* readNewsRecording(path: string): AsyncGenerator<NewsItem> {
  const raw = createReadStream(path);
  const input = path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  let line = 0;
  for await (const text of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
    line += 1;
    if (text.trim() === '') continue;
    const item = JSON.parse(text) as NewsItem;
    if (item.kind !== 'news' || typeof item.localTs !== 'number' || typeof item.title !== 'string') {
      throw new SyntaxError(`${path}:${line}: not a news item`);
    }
    yield item;
  }
}
