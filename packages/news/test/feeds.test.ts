import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mentionedAssets } from '../src/assets.js';
import { MalformedFeedError } from '../src/errors.js';
import { parseCryptoPanic, parseFeedItems } from '../src/feeds.js';
import { contentHash } from '../src/item.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const SEEN = 1_765_584_000_000_000; // 2025-12-13T00:00:00Z, in µs

describe('parseFeedItems on real documents', () => {
  it('reads the four crypto RSS feeds and the Atom feed with both timestamps kept apart', () => {
    const counts = Object.fromEntries(
      ['coindesk.rss', 'cointelegraph.rss', 'decrypt.rss', 'theblock.rss', 'reddit-atom.xml'].map((f) => [
        f,
        parseFeedItems(f, fixture(f), SEEN).length,
      ]),
    );
    expect(counts).toEqual({
      'coindesk.rss': 25,
      'cointelegraph.rss': 30,
      'decrypt.rss': 58,
      'theblock.rss': 19,
      'reddit-atom.xml': 25,
    });
    const [first] = parseFeedItems('decrypt', fixture('decrypt.rss'), SEEN);
    expect(first).toMatchObject({
      kind: 'news',
      source: 'decrypt',
      url: 'https://decrypt.co/352201/vanguard-exec-calls-bitcoin-digital-labubu-firm-offers-crypto-etf-trading',
      publishedTs: Date.parse('2025-12-12T21:59:32Z') * 1000,
      localTs: SEEN,
    });
    expect(first?.assets).toContain('BTC');
  });

  it('unwraps CDATA and decodes entities into plain text', () => {
    const ct = parseFeedItems('cointelegraph', fixture('cointelegraph.rss'), SEEN);
    expect(ct[0]?.title).toBe('Figure Technology files ‘second IPO’ to bring native equity issuance to Solana');
    expect(ct.every((i) => !i.title.includes('CDATA') && !/<[a-z]/i.test(i.summary))).toBe(true);
    expect(ct[0]?.assets).toContain('SOL');
    const decrypt = parseFeedItems('decrypt', fixture('decrypt.rss'), SEEN);
    expect(decrypt.some((i) => /&amp;|&#\d+;/.test(i.title + i.summary))).toBe(false);
  });

  it('refuses a truncated document and an HTML page, naming the source', () => {
    expect(() => parseFeedItems('theblock', fixture('theblock-truncated.rss'), SEEN)).toThrow(MalformedFeedError);
    expect(() => parseFeedItems('theblock', '<html><body>502 Bad Gateway</body></html>', SEEN)).toThrow(/"theblock"/);
  });
});

describe('mentionedAssets', () => {
  it('finds assets by name, ticker and tag, and not inside other words', () => {
    expect(mentionedAssets('Ether slips as $BTC holds 100k')).toEqual(['BTC', 'ETH']);
    expect(mentionedAssets('Markets wrap', ['Solana', 'XRP'])).toEqual(['SOL', 'XRP']);
    expect(mentionedAssets('Ethernet cables and SOLAR panels; the dotcom era')).toEqual([]);
  });
});

describe('parseCryptoPanic', () => {
  it('reads posts with their currencies', () => {
    const body = JSON.stringify({
      count: 2,
      results: [
        {
          kind: 'news',
          title: 'Bitcoin ETF inflows top $1B',
          published_at: '2025-12-12T20:00:00Z',
          url: 'https://cryptopanic.com/news/1/Bitcoin-ETF-inflows',
          currencies: [{ code: 'BTC', title: 'Bitcoin' }],
        },
        { kind: 'news', title: '', url: 'https://cryptopanic.com/news/2' },
      ],
    });
    const items = parseCryptoPanic('cryptopanic', body, SEEN);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ assets: ['BTC'], publishedTs: Date.parse('2025-12-12T20:00:00Z') * 1000 });
    expect(() => parseCryptoPanic('cryptopanic', '{"detail":"Token invalid"}', SEEN)).toThrow(/no "results" array/);
  });
});

describe('contentHash', () => {
  it('ignores case and spacing so the same story from two sources collides', () => {
    expect(contentHash('Bitcoin  Rallies', 'x')).toBe(contentHash('bitcoin rallies', 'x'));
    expect(contentHash('Bitcoin rallies', 'x')).not.toBe(contentHash('Bitcoin falls', 'x'));
  });
});
