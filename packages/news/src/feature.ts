/**
 * The causal sentiment feature: per asset, relevance-weighted sentiment with exponential time decay
 * and an item count, from items whose `localTs` (when the box first saw them) is at or before the
 * decision time. The publisher's timestamp is never used: it can be earlier than the moment the
 * news was knowable, the look-ahead this module exists to prevent.
 *
 * @module
 */

import type { NewsItem } from './item.js';
import type { SentimentScore } from './scoring/types.js';

/** The feature's value for one asset at one time. */
export interface SentimentValue {
  /** Σ wᵢ·sentimentᵢ / Σ wᵢ with wᵢ = relevanceᵢ · 2^(−ageᵢ / halfLife); 0 when there is no weight. */
  readonly sentiment: number;
  /** Σ wᵢ: the decayed, relevance-weighted amount of news (0 when none). */
  readonly weight: number;
  /** Items seen at or before the decision time and within `maxAgeUs`. */
  readonly count: number;
  /** Scorers that contributed (`vader`, `ollama:qwen3`, …), sorted. */
  readonly scorers: readonly string[];
}

interface Scored {
  readonly localTs: number;
  readonly sentiment: number;
  readonly relevance: number;
  readonly scorer: string;
}

/** Options of {@link SentimentFeature}. */
export interface SentimentFeatureOptions {
  /** Half-life of an item's weight, microseconds. Defaults to 3,600,000,000 (1 h). */
  readonly halfLifeUs?: number;
  /** Items older than this at the decision time are ignored, microseconds. Defaults to 10 half-lives. */
  readonly maxAgeUs?: number;
}

/**
 * Keeps scored items per asset and answers the feature at a decision time.
 *
 * @example
 * ```ts
 * const feature = new SentimentFeature({ halfLifeUs: 3_600_000_000 });
 * feature.add(item, 'BTC', score);
 * feature.value('BTC', decisionTimeUs); // only items with localTs <= decisionTimeUs count
 * ```
 */
export class SentimentFeature {
  private readonly byAsset = new Map<string, Scored[]>();
  private readonly halfLifeUs: number;
  private readonly maxAgeUs: number;

  constructor(options: SentimentFeatureOptions = {}) {
    this.halfLifeUs = options.halfLifeUs ?? 3_600_000_000;
    if (!(this.halfLifeUs > 0)) throw new RangeError(`halfLifeUs must be > 0, was ${this.halfLifeUs}`);
    this.maxAgeUs = options.maxAgeUs ?? 10 * this.halfLifeUs;
  }

  /** Records `score` of `item` for `asset`, effective from `item.localTs`. */
  add(item: NewsItem, asset: string, score: SentimentScore): void {
    let list = this.byAsset.get(asset);
    if (list === undefined) {
      list = [];
      this.byAsset.set(asset, list);
    }
    const entry: Scored = {
      localTs: item.localTs,
      sentiment: score.sentiment,
      relevance: score.relevance,
      scorer: score.scorer,
    };
    // Items normally arrive in localTs order; keep the list sorted when one does not.
    let i = list.length;
    while (i > 0 && (list[i - 1] as Scored).localTs > entry.localTs) i--;
    list.splice(i, 0, entry);
  }

  /** The feature for `asset` at `nowUs`, from items with `localTs ≤ nowUs` only. */
  value(asset: string, nowUs: number): SentimentValue {
    const list = this.byAsset.get(asset);
    if (list === undefined) return { sentiment: 0, weight: 0, count: 0, scorers: [] };
    let weighted = 0;
    let weight = 0;
    let count = 0;
    const scorers = new Set<string>();
    for (const s of list) {
      if (s.localTs > nowUs) break;
      const age = nowUs - s.localTs;
      if (age > this.maxAgeUs) continue;
      const w = s.relevance * 2 ** (-age / this.halfLifeUs);
      weighted += w * s.sentiment;
      weight += w;
      count += 1;
      scorers.add(s.scorer);
    }
    return { sentiment: weight > 0 ? weighted / weight : 0, weight, count, scorers: [...scorers].sort() };
  }

  /** Forgets items older than `maxAgeUs` before `nowUs` (call now and then on a long-running box). */
  prune(nowUs: number): void {
    for (const list of this.byAsset.values()) {
      let drop = 0;
      while (drop < list.length && nowUs - (list[drop] as Scored).localTs > this.maxAgeUs) drop++;
      if (drop > 0) list.splice(0, drop);
    }
  }
}
