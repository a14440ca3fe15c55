import { describe, expect, it } from 'vitest';
import { SentimentFeature } from '../src/feature.js';
import { contentHash, type NewsItem } from '../src/item.js';

const HOUR = 3_600_000_000;
const item = (localTs: number, publishedTs: number | null = null): NewsItem => ({
  kind: 'news',
  source: 's',
  url: `https://example.test/${localTs}`,
  title: `t${localTs}`,
  summary: '',
  publishedTs,
  localTs,
  assets: ['BTC'],
  contentHash: contentHash(`t${localTs}`, ''),
});
const score = (sentiment: number, relevance = 1) => ({ sentiment, relevance, reason: '', scorer: 'vader' });

describe('SentimentFeature', () => {
  it('an item seen after the decision time never changes that decision, whatever its publisher time says', () => {
    const f = new SentimentFeature({ halfLifeUs: HOUR });
    f.add(item(10 * HOUR), 'BTC', score(0.5));
    const before = f.value('BTC', 11 * HOUR);
    // Published (by its own stamp) before the decision, but first seen after it: must not count.
    f.add(item(12 * HOUR, 9 * HOUR), 'BTC', score(-1));
    expect(f.value('BTC', 11 * HOUR)).toEqual(before);
    expect(f.value('BTC', 12 * HOUR).count).toBe(2);
  });

  it('weights by relevance and halves an item per half-life', () => {
    const f = new SentimentFeature({ halfLifeUs: HOUR });
    f.add(item(0), 'BTC', score(1, 1));
    f.add(item(HOUR), 'BTC', score(-1, 1));
    // At t = 1 h the first item weighs 0.5, the second 1: (0.5 − 1) / 1.5.
    const v = f.value('BTC', HOUR);
    expect(v.sentiment).toBeCloseTo(-1 / 3, 12);
    expect(v.weight).toBeCloseTo(1.5, 12);
    expect(v.count).toBe(2);
    expect(f.value('ETH', HOUR)).toEqual({ sentiment: 0, weight: 0, count: 0, scorers: [] });
  });

  it('keeps items sorted when one arrives late, and forgets old ones', () => {
    const f = new SentimentFeature({ halfLifeUs: HOUR, maxAgeUs: 2 * HOUR });
    f.add(item(5 * HOUR), 'BTC', score(1));
    f.add(item(4 * HOUR), 'BTC', score(1));
    expect(f.value('BTC', 4.5 * HOUR).count).toBe(1);
    expect(f.value('BTC', 7.5 * HOUR).count).toBe(0);
    f.prune(10 * HOUR);
    expect(f.value('BTC', 10 * HOUR).count).toBe(0);
  });
});
