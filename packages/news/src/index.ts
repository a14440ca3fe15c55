/**
 * `@tickerml/news`: crypto news as a stream like any other. Harvests RSS/Atom feeds and the
 * CryptoPanic API with conditional requests and backoff, stamps every item with the time the box
 * first saw it (`localTs`), scores it with a local LLM through Ollama (Qwen 3 by default) or the
 * offline VADER lexicon, and turns the scores into a causal per-asset sentiment feature.
 *
 * @module
 */

export { KNOWN_ASSETS, mentionedAssets } from './assets.js';
export { InvalidScoreError, MalformedFeedError, NewsHttpError } from './errors.js';
export { SentimentFeature, type SentimentFeatureOptions, type SentimentValue } from './feature.js';
export { parseCryptoPanic, parseFeedItems } from './feeds.js';
export {
  NewsHarvester,
  type NewsHarvesterOptions,
  type NewsSourceConfig,
  type PollResult,
  type SourceStats,
} from './harvester.js';
export { canonicalUrl, contentHash, type NewsItem, plainText } from './item.js';
export { NewsRecorder, type NewsRecorderOptions, readNewsRecording } from './recording.js';
export { AutoScorer, type AutoScorerOptions, type ScorerLog } from './scoring/auto.js';
export {
  OllamaScorer,
  type OllamaScorerOptions,
  type OllamaScorerStats,
  parseScore,
  SCORE_SCHEMA,
} from './scoring/ollama.js';
export type { SentimentScore, SentimentScorer } from './scoring/types.js';
export { VaderScorer } from './scoring/vader.js';
