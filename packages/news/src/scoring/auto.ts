/**
 * The scorer the box uses: Ollama when it answers and has the model, else the VADER lexicon, saying
 * once in the log why Ollama is not used and how to start it.
 *
 * @module
 */

import type { NewsItem } from '../item.js';
import { OllamaScorer, type OllamaScorerOptions } from './ollama.js';
import type { SentimentScore, SentimentScorer } from './types.js';
import { VaderScorer } from './vader.js';

/** A pino-style logger; only `info` and `warn` are used. */
export interface ScorerLog {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

/** Options of {@link AutoScorer}. */
export interface AutoScorerOptions {
  /** Ollama settings; `false` scores with VADER only. */
  readonly ollama: OllamaScorerOptions | false;
  readonly log: ScorerLog;
  /** How long to wait before asking Ollama again after it was unavailable, in scored items. Defaults to 50. */
  readonly reprobeEvery?: number;
}

/**
 * Ollama first, VADER as the fallback; each score records which one produced it.
 *
 * @example
 * ```ts
 * const scorer = new AutoScorer({ ollama: { model: 'qwen3' }, log: logger });
 * const s = await scorer.score(item, 'BTC'); // s.scorer is 'ollama:qwen3' or 'vader'
 * ```
 */
export class AutoScorer implements SentimentScorer {
  readonly name = 'auto';
  readonly ollama: OllamaScorer | null;
  readonly vader = new VaderScorer();
  private available: boolean | null = null;
  private warned = false;
  private sinceProbe = 0;

  constructor(private readonly options: AutoScorerOptions) {
    this.ollama = options.ollama === false ? null : new OllamaScorer(options.ollama);
  }

  /** Which scorer the next item will use: `ollama:<model>` or `vader`. */
  async active(): Promise<string> {
    return (await this.ollamaUsable()) && this.ollama !== null ? this.ollama.name : this.vader.name;
  }

  async score(item: NewsItem, asset: string): Promise<SentimentScore | null> {
    if (this.ollama !== null && (await this.ollamaUsable())) {
      try {
        return await this.ollama.score(item, asset);
      } catch (error) {
        this.markUnavailable(`Ollama failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return this.vader.score(item, asset);
  }

  private async ollamaUsable(): Promise<boolean> {
    if (this.ollama === null) return false;
    if (this.available === false && ++this.sinceProbe < (this.options.reprobeEvery ?? 50)) return false;
    if (this.available === true) return true;
    const probe = await this.ollama.probe();
    if (probe.ok) {
      if (this.available === false)
        this.options.log.info({ model: this.ollama.model }, 'news: Ollama is back; scoring with it again');
      this.available = true;
      return true;
    }
    this.markUnavailable(probe.reason);
    return false;
  }

  private markUnavailable(reason: string): void {
    this.available = false;
    this.sinceProbe = 0;
    if (this.warned) return;
    this.warned = true;
    const model = this.ollama?.model ?? 'qwen3';
    this.options.log.warn(
      { reason, scorer: 'vader' },
      `news: not scoring with Ollama (${reason}); using the offline VADER lexicon instead. To use the LLM: install Ollama, run "ollama serve" and "ollama pull ${model}".`,
    );
  }
}
