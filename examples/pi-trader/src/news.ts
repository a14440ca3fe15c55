/**
 * News on the box: harvests the configured feeds (in the demo, the bundled real feed documents
 * served on loopback), scores each item per asset with Ollama or the VADER fallback, feeds the
 * causal sentiment feature, records what it fetched, and keeps the latest headlines for the
 * dashboard. Scoring runs beside trading and never blocks a decision.
 *
 * @module
 */

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { AppConfig, Clock, Logger } from '@tickerml/core';
import { parseDuration } from '@tickerml/core';
import type { HeadlineView, NewsView } from '@tickerml/dashboard';
import {
  AutoScorer,
  NewsHarvester,
  type NewsItem,
  NewsRecorder,
  type NewsSourceConfig,
  SentimentFeature,
  type SentimentValue,
} from '@tickerml/news';
import type { NewsRow } from '@tickerml/storage';

/** The running news side of the box. */
export interface NewsService {
  /** The latest headlines, newest first. */
  headlines(): readonly HeadlineView[];
  /** The causal sentiment feature for `asset` at `nowUs`. */
  sentiment(asset: string, nowUs: number): SentimentValue;
  /** Counters per source. */
  stats(): ReturnType<NewsHarvester['stats']>;
  /** Also hands every new item to `publish` (the `news` topic with `--bus kafka`), first the (up to 1,000) seen before it was set; failures are logged, never fatal. */
  setPublisher(publish: (item: NewsItem) => Promise<void>): void;
  stop(): Promise<void>;
}

const DEMO_FEEDS = ['coindesk', 'cointelegraph', 'theblock', 'decrypt'] as const;
const demoFeed = (name: string) => new URL(`../recordings/news/${name}.rss`, import.meta.url);
const KEEP_HEADLINES = 50;
/** Items kept for the bus while it is not connected yet (the oldest go first beyond this). */
const MAX_UNPUBLISHED = 1_000;

/** Serves the bundled feed documents on loopback with an ETag each, answering conditional requests with 304. */
async function serveDemoFeeds(): Promise<{ server: Server; base: string }> {
  const docs = new Map(
    DEMO_FEEDS.map((name) => {
      const body = readFileSync(demoFeed(name));
      return [`/${name}.rss`, { body, etag: `"${createHash('sha1').update(body).digest('hex')}"` }];
    }),
  );
  const server = createServer((req, res) => {
    const doc = docs.get(req.url ?? '');
    if (doc === undefined) {
      res.writeHead(404).end();
      return;
    }
    if (req.headers['if-none-match'] === doc.etag) {
      res.writeHead(304, { etag: doc.etag }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8', etag: doc.etag }).end(doc.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/**
 * Starts harvesting and scoring per `config.news`. Returns `undefined` when news is disabled.
 *
 * @param demo - serve the bundled feeds on loopback instead of polling the configured URLs
 */
export async function startNews(options: {
  readonly config: AppConfig['news'];
  readonly recordingsDir: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly demo: boolean;
  /** Where scored items are stored (the `news` table). */
  readonly store?: { insert(table: 'news', rows: readonly NewsRow[]): unknown };
}): Promise<NewsService | undefined> {
  const { config, clock, logger } = options;
  if (!config.enabled) return undefined;
  const ms = (text: string) => parseDuration(text) / 1000;
  let demoServer: Server | undefined;
  let sources: NewsSourceConfig[];
  if (options.demo) {
    const served = await serveDemoFeeds();
    demoServer = served.server;
    sources = DEMO_FEEDS.map((name) => ({ name, kind: 'rss', url: `${served.base}/${name}.rss`, intervalMs: 60_000 }));
  } else {
    const token = process.env[config.cryptopanicTokenEnv];
    sources = config.sources.flatMap((s): NewsSourceConfig[] => {
      if (s.kind === 'cryptopanic' && (token === undefined || token === '')) {
        logger.warn(
          { source: s.name, env: config.cryptopanicTokenEnv },
          'news: CryptoPanic source skipped: its token variable is not set',
        );
        return [];
      }
      return [
        {
          name: s.name,
          kind: s.kind,
          url: s.url,
          intervalMs: ms(s.interval),
          timeoutMs: ms(s.timeout),
          ...(s.kind === 'cryptopanic' && token !== undefined ? { token } : {}),
        },
      ];
    });
  }
  const feature = new SentimentFeature({ halfLifeUs: parseDuration(config.halfLife) });
  const scorer = new AutoScorer({
    ollama: config.ollama.enabled
      ? { host: config.ollama.host, model: config.ollama.model, timeoutMs: ms(config.ollama.timeout) }
      : false,
    log: logger,
  });
  const day = new Date(clock.nowUs() / 1000).toISOString().slice(0, 10);
  const recorder = new NewsRecorder({ path: join(options.recordingsDir, `news-${day}.jsonl.gz`) });
  const headlines: HeadlineView[] = [];
  // Items are scored one at a time, in the order seen, off the trading path.
  let scoring: Promise<void> = Promise.resolve();
  let publish: ((item: NewsItem) => Promise<void>) | undefined;
  // Items harvested before the bus is up (the first poll starts at once) wait here, bounded.
  const unpublished: NewsItem[] = [];
  const send = (item: NewsItem) => {
    if (publish === undefined) {
      unpublished.push(item);
      if (unpublished.length > MAX_UNPUBLISHED) unpublished.shift();
      return;
    }
    publish(item).catch((error: unknown) => logger.warn({ err: error, url: item.url }, 'news: publishing failed'));
  };
  const onItem = (item: NewsItem) => {
    recorder.write(item);
    send(item);
    const view: HeadlineView = { ...pick(item), sentiment: null, relevance: null, scorer: null };
    headlines.unshift(view);
    if (headlines.length > KEEP_HEADLINES) headlines.pop();
    scoring = scoring.then(async () => {
      let first: HeadlineView | undefined;
      const scores: NonNullable<NewsRow['scores']>[number][] = [];
      for (const asset of item.assets) {
        const score = await scorer.score(item, asset).catch((error: unknown) => {
          logger.warn({ err: error, url: item.url }, 'news: scoring failed');
          return null;
        });
        if (score === null) continue;
        feature.add(item, asset, score);
        scores.push({ asset, ...score });
        first ??= { ...view, sentiment: score.sentiment, relevance: score.relevance, scorer: score.scorer };
      }
      const at = headlines.indexOf(view);
      if (first !== undefined && at >= 0) headlines[at] = first;
      try {
        options.store?.insert('news', [newsRow(item, scores)]);
      } catch (error) {
        logger.error({ err: error, url: item.url }, 'news: storing an item failed');
      }
    });
  };
  const harvester = new NewsHarvester({
    sources,
    clock,
    onItem,
    onError: (source, error) => logger.warn({ source, err: error.message }, 'news: poll failed; backing off'),
  });
  harvester.start();
  logger.info({ sources: sources.map((s) => s.name), demo: options.demo }, 'news: harvesting');
  return {
    headlines: () => headlines,
    sentiment: (asset, nowUs) => feature.value(asset, nowUs),
    stats: () => harvester.stats(),
    setPublisher: (fn) => {
      publish = fn;
      for (const item of unpublished.splice(0)) send(item);
    },
    stop: async () => {
      harvester.stop();
      await scoring;
      await recorder.close();
      if (demoServer !== undefined) {
        demoServer.closeAllConnections();
        await new Promise<void>((resolve) => demoServer?.close(() => resolve()));
      }
    },
  };
}

function newsRow(item: NewsItem, scores: NonNullable<NewsRow['scores']>): NewsRow {
  return {
    timestamp: item.localTs,
    published_ts: item.publishedTs,
    source: item.source,
    url: item.url,
    title: item.title,
    summary: item.summary,
    assets: item.assets,
    content_hash: item.contentHash,
    scores: scores.length === 0 ? null : scores,
  };
}

function pick(item: NewsItem): Omit<HeadlineView, 'sentiment' | 'relevance' | 'scorer'> {
  return {
    source: item.source,
    title: item.title,
    url: item.url,
    localTs: item.localTs,
    publishedTs: item.publishedTs,
    assets: item.assets,
  };
}

/** The dashboard's news panel: the latest headlines and the sentiment feature of each asset they mention. */
export function newsDashboardView(news: NewsService, nowUs: number): NewsView {
  const headlines = news.headlines();
  const assets = [...new Set(headlines.flatMap((h) => h.assets))].sort();
  return {
    headlines,
    sentiment: assets.map((asset) => {
      const v = news.sentiment(asset, nowUs);
      return { asset, sentiment: v.sentiment, count: v.count, scorers: v.scorers };
    }),
  };
}
