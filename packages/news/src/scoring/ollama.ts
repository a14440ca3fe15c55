/**
 * Scoring with a local LLM served by Ollama (Qwen 3 by default): one structured JSON answer per item
 * and asset, thinking off, temperature 0, a JSON schema as the output format, a timeout, retries, and
 * a cache keyed by content hash, model and asset so an item is scored once per model.
 *
 * @module
 */

import { defaultTimerProvider, type TimerProvider } from '@tickerml/core';
import { Ollama } from 'ollama';
import { InvalidScoreError } from '../errors.js';
import type { NewsItem } from '../item.js';
import type { SentimentScore, SentimentScorer } from './types.js';

/** Options of {@link OllamaScorer}. */
export interface OllamaScorerOptions {
  /** Ollama's address. Defaults to `http://127.0.0.1:11434`. */
  readonly host?: string;
  /** Model tag. Defaults to `qwen3` (any tag works, e.g. `qwen3:1.7b`). */
  readonly model?: string;
  /** Per-request timeout, milliseconds. Defaults to 30,000. */
  readonly timeoutMs?: number;
  /** Attempts per item on a transport error or 5xx. Defaults to 3. */
  readonly attempts?: number;
  /** Wait before the first retry, milliseconds; doubles per retry. Defaults to 500. */
  readonly retryBaseMs?: number;
  readonly timers?: TimerProvider;
}

/** The JSON schema Ollama constrains the answer to. */
export const SCORE_SCHEMA = {
  type: 'object',
  properties: {
    sentiment: { type: 'number', minimum: -1, maximum: 1 },
    relevance: { type: 'number', minimum: 0, maximum: 1 },
    reason: { type: 'string' },
  },
  required: ['sentiment', 'relevance', 'reason'],
} as const;

/** Counters of one scorer. */
export interface OllamaScorerStats {
  requests: number;
  cacheHits: number;
  /** Answers that did not fit the schema (dropped). */
  invalid: number;
  /** Requests that failed after every attempt. */
  failed: number;
}

/**
 * Scores through Ollama's `/api/chat`.
 *
 * @example
 * ```ts
 * const scorer = new OllamaScorer({ model: 'qwen3' });
 * if ((await scorer.probe()).ok) console.log(await scorer.score(item, 'BTC'));
 * ```
 */
export class OllamaScorer implements SentimentScorer {
  readonly name: string;
  readonly model: string;
  readonly stats: OllamaScorerStats = { requests: 0, cacheHits: 0, invalid: 0, failed: 0 };
  private readonly client: Ollama;
  private readonly cache = new Map<string, SentimentScore | null>();
  private readonly timers: TimerProvider;

  constructor(private readonly options: OllamaScorerOptions = {}) {
    this.model = options.model ?? 'qwen3';
    this.name = `ollama:${this.model}`;
    this.timers = options.timers ?? defaultTimerProvider;
    const timeoutMs = options.timeoutMs ?? 30_000;
    this.client = new Ollama({
      host: options.host ?? 'http://127.0.0.1:11434',
      fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) }),
    });
  }

  /**
   * Whether Ollama answers and has the model: `{ ok: false, reason }` says what is missing
   * (not running, or the model not pulled).
   */
  async probe(): Promise<{ ok: true } | { ok: false; reason: string }> {
    let models: string[];
    try {
      models = (await this.client.list()).models.map((m) => m.name);
    } catch (error) {
      return { ok: false, reason: `Ollama does not answer at ${this.host()} (${describe(error)})` };
    }
    const wanted = this.model.includes(':') ? this.model : `${this.model}:latest`;
    const present = models.some((m) => m === this.model || m === wanted);
    return present
      ? { ok: true }
      : { ok: false, reason: `model "${this.model}" is not pulled in Ollama (it has: ${models.join(', ') || 'none'})` };
  }

  /**
   * Scores `item` for `asset`; the same item, model and asset are asked once (cached, an unusable
   * answer included). Returns `null` for an answer outside the schema.
   *
   * @throws the transport error when every attempt failed (the caller may fall back)
   */
  async score(item: NewsItem, asset: string): Promise<SentimentScore | null> {
    const key = `${item.contentHash}|${this.model}|${asset}`;
    if (this.cache.has(key)) {
      this.stats.cacheHits += 1;
      return this.cache.get(key) ?? null;
    }
    const content = await this.ask(item, asset);
    let result: SentimentScore | null;
    try {
      result = parseScore(this.model, content);
    } catch (error) {
      if (!(error instanceof InvalidScoreError)) throw error;
      this.stats.invalid += 1;
      result = null;
    }
    this.cache.set(key, result);
    return result;
  }

  private host(): string {
    return this.options.host ?? 'http://127.0.0.1:11434';
  }

  private async ask(item: NewsItem, asset: string): Promise<string> {
    const attempts = this.options.attempts ?? 3;
    let lastError: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) await this.sleep((this.options.retryBaseMs ?? 500) * 2 ** (attempt - 1));
      this.stats.requests += 1;
      try {
        const response = await this.client.chat({
          model: this.model,
          stream: false,
          think: false,
          format: SCORE_SCHEMA,
          options: { temperature: 0 },
          messages: [
            {
              role: 'system',
              content:
                "You rate crypto news for a trader. Answer only with JSON: sentiment in [-1, 1] (negative to positive for the asset's price), relevance in [0, 1] (how much the item is about the asset), reason (one short line).",
            },
            { role: 'user', content: `Asset: ${asset}\nTitle: ${item.title}\nSummary: ${item.summary.slice(0, 1500)}` },
          ],
        });
        return response.message.content;
      } catch (error) {
        lastError = error;
        const status = (error as { status_code?: number }).status_code;
        if (status !== undefined && status < 500 && status !== 429) break; // a 4xx will not get better
      }
    }
    this.stats.failed += 1;
    throw lastError instanceof Error ? lastError : new Error(String(lastError));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.timers.setTimeout(resolve, ms));
  }
}

/**
 * Checks a model's answer against {@link SCORE_SCHEMA}; never repairs it.
 *
 * @throws {InvalidScoreError} naming what was wrong
 */
export function parseScore(model: string, content: string): SentimentScore {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    throw new InvalidScoreError(model, `not JSON: ${JSON.stringify(content.slice(0, 80))}`);
  }
  if (typeof json !== 'object' || json === null) throw new InvalidScoreError(model, 'not a JSON object');
  const { sentiment, relevance, reason } = json as Record<string, unknown>;
  if (typeof sentiment !== 'number' || !(sentiment >= -1 && sentiment <= 1)) {
    throw new InvalidScoreError(model, `sentiment ${JSON.stringify(sentiment)} is not a number in [-1, 1]`);
  }
  if (typeof relevance !== 'number' || !(relevance >= 0 && relevance <= 1)) {
    throw new InvalidScoreError(model, `relevance ${JSON.stringify(relevance)} is not a number in [0, 1]`);
  }
  if (typeof reason !== 'string') throw new InvalidScoreError(model, 'reason is not a string');
  return { sentiment, relevance, reason: reason.split('\n')[0] ?? '', scorer: `ollama:${model}` };
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  if (cause?.code !== undefined) return cause.code;
  return error instanceof Error ? error.message : String(error);
}
