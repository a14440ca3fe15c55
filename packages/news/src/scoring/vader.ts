/**
 * The offline scorer: VADER's lexicon and rules (the `vader-sentiment` package, the official
 * JavaScript port of Hutto and Gilbert's VADER), over the title and summary.
 *
 * @module
 */

import { createRequire } from 'node:module';
import type { NewsItem } from '../item.js';
import type { SentimentScore, SentimentScorer } from './types.js';

interface VaderModule {
  SentimentIntensityAnalyzer: { polarity_scores(text: string): { compound: number } };
}
const vader = createRequire(import.meta.url)('vader-sentiment') as VaderModule;

/**
 * Scores with VADER's compound score (already in [−1, 1]). Relevance: 1 when the title mentions the
 * asset, 0.5 when only the summary does, 0.2 otherwise (a market-wide story).
 *
 * @example
 * ```ts
 * const s = await new VaderScorer().score(item, 'BTC'); // { sentiment: 0.42, relevance: 1, scorer: 'vader', … }
 * ```
 */
export class VaderScorer implements SentimentScorer {
  readonly name = 'vader';

  async score(item: NewsItem, asset: string): Promise<SentimentScore> {
    const { compound } = vader.SentimentIntensityAnalyzer.polarity_scores(`${item.title}. ${item.summary}`);
    const inTitle = mentions(item.title, asset);
    const relevance = inTitle ? 1 : item.assets.includes(asset) ? 0.5 : 0.2;
    return {
      sentiment: Math.max(-1, Math.min(1, compound)),
      relevance,
      reason: `VADER compound ${compound.toFixed(3)} over title and summary`,
      scorer: 'vader',
    };
  }
}

function mentions(text: string, asset: string): boolean {
  return (
    new RegExp(`(^|[^A-Za-z0-9])\\$?${asset}(?![A-Za-z0-9])`).test(text) ||
    text.toLowerCase().includes(NAMES[asset] ?? '\u0000')
  );
}

const NAMES: Record<string, string> = { BTC: 'bitcoin', ETH: 'ether', SOL: 'solana', XRP: 'xrp', DOGE: 'dogecoin' };
