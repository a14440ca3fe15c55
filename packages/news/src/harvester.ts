/**
 * Polls news sources on a schedule: conditional requests (ETag / Last-Modified), a timeout,
 * per-source exponential backoff on 429, 5xx and network errors (honouring `Retry-After`), and
 * de-duplication across sources and polls by URL and content hash.
 *
 * @module
 */

import { type Clock, defaultTimerProvider, SeededRandom, type TimerProvider } from '@tickerml/core';
import { MalformedFeedError, NewsHttpError } from './errors.js';
import { parseCryptoPanic, parseFeedItems } from './feeds.js';
import type { NewsItem } from './item.js';

/** One configured source. */
export interface NewsSourceConfig {
  /** Short name stored with each item, e.g. `coindesk`. */
  readonly name: string;
  /** `rss` covers RSS 0.9x/1.0/2.0 and Atom; `cryptopanic` is the CryptoPanic posts API (JSON). */
  readonly kind: 'rss' | 'cryptopanic';
  /** The feed URL. For CryptoPanic, the posts endpoint without `auth_token` (it is added from {@link NewsSourceConfig.token}). */
  readonly url: string;
  /** Poll period in milliseconds. Defaults to 300,000 (5 minutes). */
  readonly intervalMs?: number;
  /** Request timeout in milliseconds. Defaults to 10,000. */
  readonly timeoutMs?: number;
  /** Secret query token (CryptoPanic); read from the environment by the caller, never logged. */
  readonly token?: string;
}

/** What one poll of one source did. */
export interface PollResult {
  readonly source: string;
  /** `new`: a document was read (possibly with no new items); `not_modified`: HTTP 304; `error`: see `error`. */
  readonly outcome: 'new' | 'not_modified' | 'error';
  /** Items not seen before, in document order. */
  readonly items: readonly NewsItem[];
  /** Items dropped as duplicates (same URL or same content hash as an earlier one). */
  readonly duplicates: number;
  /** Milliseconds until this source is polled again (its interval, or the backoff after an error). */
  readonly nextDelayMs: number;
  readonly error?: Error;
}

/** Counters per source, for the dashboard and metrics. */
export interface SourceStats {
  polls: number;
  notModified: number;
  errors: number;
  items: number;
  duplicates: number;
  /** Consecutive failures; 0 after a success. */
  failures: number;
  lastError: string | null;
}

/** Options of {@link NewsHarvester}. */
export interface NewsHarvesterOptions {
  readonly sources: readonly NewsSourceConfig[];
  /** Stamps `localTs` on every item. */
  readonly clock: Clock;
  /** Receives each new item once. */
  readonly onItem: (item: NewsItem) => void;
  /** Told about every failed poll (the harvester goes on). */
  readonly onError?: (source: string, error: Error) => void;
  /** The HTTP client; defaults to the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** Schedules polls; defaults to the host's timers. */
  readonly timers?: TimerProvider;
  /** Seed of the backoff jitter. Defaults to 1. */
  readonly seed?: number;
  /** First backoff after a failure, milliseconds; doubles per consecutive failure. Defaults to 5,000. */
  readonly backoffBaseMs?: number;
  /** Longest backoff, milliseconds. Defaults to 900,000 (15 minutes). */
  readonly backoffMaxMs?: number;
  /** URLs and hashes remembered for de-duplication. Defaults to 20,000 each. */
  readonly rememberItems?: number;
}

/** Insertion-ordered set that forgets its oldest entries beyond a capacity. */
class BoundedSet {
  private readonly set = new Set<string>();
  constructor(private readonly capacity: number) {}
  has(key: string): boolean {
    return this.set.has(key);
  }
  add(key: string): void {
    this.set.add(key);
    if (this.set.size > this.capacity) {
      const oldest = this.set.values().next().value as string;
      this.set.delete(oldest);
    }
  }
}

/** Per-source conditional-request state. */
interface SourceState {
  etag: string | null;
  lastModified: string | null;
  timer: unknown;
  stats: SourceStats;
}

/**
 * Harvests news from RSS/Atom feeds and the CryptoPanic API.
 *
 * @example
 * ```ts
 * const harvester = new NewsHarvester({
 *   sources: [{ name: 'coindesk', kind: 'rss', url: 'https://www.coindesk.com/arc/outboundfeeds/rss/' }],
 *   clock: new LiveClock(),
 *   onItem: (item) => console.log(item.title, item.assets),
 * });
 * harvester.start();
 * ```
 */
export class NewsHarvester {
  private readonly sources: ReadonlyMap<string, NewsSourceConfig>;
  private readonly state = new Map<string, SourceState>();
  private readonly seenUrls: BoundedSet;
  private readonly seenHashes: BoundedSet;
  private readonly random: SeededRandom;
  private readonly timers: TimerProvider;
  private readonly fetchFn: typeof fetch;
  private running = false;

  constructor(private readonly options: NewsHarvesterOptions) {
    const byName = new Map<string, NewsSourceConfig>();
    for (const s of options.sources) {
      if (byName.has(s.name)) throw new TypeError(`news source name "${s.name}" is configured twice`);
      byName.set(s.name, s);
      this.state.set(s.name, {
        etag: null,
        lastModified: null,
        timer: undefined,
        stats: { polls: 0, notModified: 0, errors: 0, items: 0, duplicates: 0, failures: 0, lastError: null },
      });
    }
    this.sources = byName;
    this.seenUrls = new BoundedSet(options.rememberItems ?? 20_000);
    this.seenHashes = new BoundedSet(options.rememberItems ?? 20_000);
    this.random = new SeededRandom(options.seed ?? 1);
    this.timers = options.timers ?? defaultTimerProvider;
    this.fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** Counters per source name. */
  stats(): Record<string, Readonly<SourceStats>> {
    return Object.fromEntries([...this.state].map(([name, s]) => [name, { ...s.stats }]));
  }

  /**
   * Polls one source now and hands its new items to `onItem`. Never throws for a source failure:
   * the error is in the result, counted, and told to `onError`.
   */
  async pollOnce(name: string): Promise<PollResult> {
    const source = this.sources.get(name);
    const state = this.state.get(name);
    if (source === undefined || state === undefined) throw new TypeError(`no news source named "${name}"`);
    state.stats.polls += 1;
    const interval = source.intervalMs ?? 300_000;
    try {
      const headers: Record<string, string> = {
        accept: 'application/rss+xml, application/atom+xml, application/json, */*',
      };
      if (state.etag !== null) headers['if-none-match'] = state.etag;
      if (state.lastModified !== null) headers['if-modified-since'] = state.lastModified;
      const url = new URL(source.url);
      if (source.token !== undefined) url.searchParams.set('auth_token', source.token);
      const response = await this.fetchFn(url, {
        headers,
        signal: AbortSignal.timeout(source.timeoutMs ?? 10_000),
      });
      if (response.status === 304) {
        await response.body?.cancel();
        state.stats.notModified += 1;
        state.stats.failures = 0;
        return { source: name, outcome: 'not_modified', items: [], duplicates: 0, nextDelayMs: interval };
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new NewsHttpError(name, response.status, retryAfterMs(response.headers.get('retry-after')));
      }
      const body = await response.text();
      const localTs = this.options.clock.nowUs();
      const parsed =
        source.kind === 'cryptopanic' ? parseCryptoPanic(name, body, localTs) : parseFeedItems(name, body, localTs);
      state.etag = response.headers.get('etag');
      state.lastModified = response.headers.get('last-modified');
      state.stats.failures = 0;
      state.stats.lastError = null;
      const fresh: NewsItem[] = [];
      let duplicates = 0;
      for (const item of parsed) {
        if (this.seenUrls.has(item.url) || this.seenHashes.has(item.contentHash)) {
          duplicates += 1;
          continue;
        }
        this.seenUrls.add(item.url);
        this.seenHashes.add(item.contentHash);
        fresh.push(item);
      }
      state.stats.items += fresh.length;
      state.stats.duplicates += duplicates;
      for (const item of fresh) this.options.onItem(item);
      return { source: name, outcome: 'new', items: fresh, duplicates, nextDelayMs: interval };
    } catch (caught) {
      const error = caught instanceof Error ? caught : new Error(String(caught));
      state.stats.errors += 1;
      state.stats.failures += 1;
      state.stats.lastError = error.message;
      this.options.onError?.(name, error);
      return {
        source: name,
        outcome: 'error',
        items: [],
        duplicates: 0,
        nextDelayMs: this.delayAfter(error, state, interval),
        error,
      };
    }
  }

  /** Polls every source now, then each on its own schedule, until {@link NewsHarvester.stop}. */
  start(): void {
    if (this.running) return;
    this.running = true;
    for (const name of this.sources.keys()) void this.loop(name);
  }

  /** Stops scheduling polls (a poll in flight finishes, its items are still delivered). */
  stop(): void {
    this.running = false;
    for (const state of this.state.values()) {
      if (state.timer !== undefined) this.timers.clearTimeout(state.timer);
      state.timer = undefined;
    }
  }

  private async loop(name: string): Promise<void> {
    if (!this.running) return;
    const result = await this.pollOnce(name);
    if (!this.running) return;
    const state = this.state.get(name);
    if (state === undefined) return;
    state.timer = this.timers.setTimeout(() => void this.loop(name), result.nextDelayMs);
    (state.timer as { unref?: () => void }).unref?.();
  }

  /** Exponential backoff with ±20 % seeded jitter; a retryable error's `Retry-After` wins when longer. */
  private delayAfter(error: Error, state: SourceState, interval: number): number {
    if (error instanceof MalformedFeedError) return interval;
    if (error instanceof NewsHttpError && error.kind !== 'retryable') return interval;
    const base = this.options.backoffBaseMs ?? 5_000;
    const max = this.options.backoffMaxMs ?? 900_000;
    const backoff = Math.min(max, base * 2 ** Math.min(30, state.stats.failures - 1));
    const jittered = Math.round(backoff * this.random.uniform(0.8, 1.2));
    const hinted = error instanceof NewsHttpError ? (error.retryAfterMs ?? 0) : 0;
    return Math.max(jittered, hinted);
  }
}

/** `Retry-After` in seconds or as an HTTP date, to milliseconds (dates relative to the Date header are not trusted). */
function retryAfterMs(value: string | null): number | undefined {
  if (value === null) return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 1000) : undefined;
}
