import { readFileSync } from 'node:fs';
import { TestClock } from '@tickerml/core';
import { afterEach, describe, expect, it } from 'vitest';
import { NewsHarvester } from '../src/harvester.js';
import type { NewsItem } from '../src/item.js';
import { loopback } from './loopback.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe('NewsHarvester against a loopback server', () => {
  it('sends conditional requests, treats 304 as nothing new, and stamps localTs from the clock', async () => {
    const doc = fixture('coindesk.rss');
    const server = await loopback((req, res) => {
      if (req.headers['if-none-match'] === '"v1"') {
        res.writeHead(304).end();
        return;
      }
      res.writeHead(200, {
        'content-type': 'application/rss+xml',
        etag: '"v1"',
        'last-modified': 'Fri, 12 Dec 2025 22:30:00 GMT',
      });
      res.end(doc);
    });
    closers.push(server.close);
    const clock = new TestClock(1_765_584_000_000_000);
    const items: NewsItem[] = [];
    const harvester = new NewsHarvester({
      sources: [{ name: 'coindesk', kind: 'rss', url: `${server.url}/rss` }],
      clock,
      onItem: (item) => items.push(item),
    });
    const first = await harvester.pollOnce('coindesk');
    expect(first.outcome).toBe('new');
    expect(items).toHaveLength(25);
    expect(items.every((i) => i.localTs === 1_765_584_000_000_000)).toBe(true);
    const second = await harvester.pollOnce('coindesk');
    expect(second.outcome).toBe('not_modified');
    expect(server.seen[1]?.headers['if-none-match']).toBe('"v1"');
    expect(server.seen[1]?.headers['if-modified-since']).toBe('Fri, 12 Dec 2025 22:30:00 GMT');
    expect(items).toHaveLength(25);
  });

  it('drops duplicates across sources and polls by URL and by content hash', async () => {
    const doc = fixture('theblock.rss');
    // The second source serves the same stories under other URLs (a syndicated copy).
    const mirrored = doc.replaceAll('https://www.theblock.co/post/', 'https://mirror.example/post/');
    const server = await loopback((req, res) => {
      res.writeHead(200, { 'content-type': 'application/rss+xml' });
      res.end(req.url === '/a' ? doc : mirrored);
    });
    closers.push(server.close);
    const items: NewsItem[] = [];
    const harvester = new NewsHarvester({
      sources: [
        { name: 'a', kind: 'rss', url: `${server.url}/a` },
        { name: 'b', kind: 'rss', url: `${server.url}/b` },
      ],
      clock: new TestClock(1),
      onItem: (item) => items.push(item),
    });
    expect((await harvester.pollOnce('a')).items).toHaveLength(19);
    const again = await harvester.pollOnce('a');
    expect(again).toMatchObject({ outcome: 'new', duplicates: 19 });
    const b = await harvester.pollOnce('b');
    expect(b.items).toHaveLength(0);
    expect(b.duplicates).toBe(19);
    expect(items).toHaveLength(19);
  });

  it('backs off exponentially on 5xx, honours Retry-After on 429, and recovers', async () => {
    let answer = 503;
    const server = await loopback((_req, res) => {
      if (answer === 200) {
        res.writeHead(200).end(fixture('decrypt.rss'));
        return;
      }
      res.writeHead(answer, answer === 429 ? { 'retry-after': '120' } : {}).end('busy');
    });
    closers.push(server.close);
    const errors: string[] = [];
    const harvester = new NewsHarvester({
      sources: [{ name: 'decrypt', kind: 'rss', url: `${server.url}/feed`, intervalMs: 60_000 }],
      clock: new TestClock(1),
      onItem: () => {},
      onError: (_source, error) => errors.push(error.message),
      backoffBaseMs: 1_000,
    });
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) delays.push((await harvester.pollOnce('decrypt')).nextDelayMs);
    // 1 s, 2 s, 4 s, 8 s, each with ±20 % jitter.
    delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(0.8 * 1000 * 2 ** i);
      expect(d).toBeLessThanOrEqual(1.2 * 1000 * 2 ** i);
    });
    answer = 429;
    expect((await harvester.pollOnce('decrypt')).nextDelayMs).toBeGreaterThanOrEqual(120_000);
    answer = 200;
    const ok = await harvester.pollOnce('decrypt');
    expect(ok).toMatchObject({ outcome: 'new', nextDelayMs: 60_000 });
    expect(ok.items).toHaveLength(58);
    expect(harvester.stats()['decrypt']).toMatchObject({ errors: 5, failures: 0, items: 58 });
    expect(errors[0]).toMatch(/HTTP 503/);
  });

  it('gives up on a server that never answers after the timeout, and a bad feed does not stop the others', async () => {
    const server = await loopback((req, res) => {
      if (req.url === '/slow') return; // never answers
      if (req.url === '/broken') res.writeHead(200).end(fixture('theblock-truncated.rss'));
      else res.writeHead(200).end(fixture('cointelegraph.rss'));
    });
    closers.push(server.close);
    const items: NewsItem[] = [];
    const harvester = new NewsHarvester({
      sources: [
        { name: 'slow', kind: 'rss', url: `${server.url}/slow`, timeoutMs: 200 },
        { name: 'broken', kind: 'rss', url: `${server.url}/broken` },
        { name: 'good', kind: 'rss', url: `${server.url}/good` },
      ],
      clock: new TestClock(1),
      onItem: (item) => items.push(item),
    });
    const [slow, broken, good] = await Promise.all([
      harvester.pollOnce('slow'),
      harvester.pollOnce('broken'),
      harvester.pollOnce('good'),
    ]);
    expect(slow.outcome).toBe('error');
    expect(slow.error?.name).toMatch(/TimeoutError|AbortError/);
    expect(broken.error?.message).toMatch(/"broken".*not a readable RSS or Atom feed/);
    expect(good.items).toHaveLength(30);
    expect(items).toHaveLength(30);
  });

  it('sends the CryptoPanic token as a query parameter and never puts it in an error', async () => {
    const server = await loopback((_req, res) => {
      res.writeHead(403).end('{"detail":"forbidden"}');
    });
    closers.push(server.close);
    const harvester = new NewsHarvester({
      sources: [
        {
          name: 'cryptopanic',
          kind: 'cryptopanic',
          url: `${server.url}/api/developer/v2/posts/`,
          token: 's3cret-token',
        },
      ],
      clock: new TestClock(1),
      onItem: () => {},
    });
    const result = await harvester.pollOnce('cryptopanic');
    expect(server.seen[0]?.url).toBe('/api/developer/v2/posts/?auth_token=s3cret-token');
    expect(result.error?.message).toBe('news source "cryptopanic": HTTP 403');
    expect(JSON.stringify(harvester.stats())).not.toContain('s3cret');
  });
});
