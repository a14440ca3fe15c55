/**
 * What a sentiment scorer returns.
 *
 * @module
 */

import type { NewsItem } from '../item.js';

/** The sentiment of one item towards one asset. */
export interface SentimentScore {
  /** −1 (very negative for the asset) … +1 (very positive). */
  readonly sentiment: number;
  /** 0 (not about the asset) … 1 (squarely about it). */
  readonly relevance: number;
  /** One line saying why. */
  readonly reason: string;
  /** Which scorer produced it: `ollama:<model>` or `vader`. */
  readonly scorer: string;
}

/** Scores items; `null` means the answer was unusable (counted by the scorer, never guessed). */
export interface SentimentScorer {
  /** `ollama:<model>`, `vader`, or `auto` for the fallback scorer. */
  readonly name: string;
  score(item: NewsItem, asset: string): Promise<SentimentScore | null>;
}
