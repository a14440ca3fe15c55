/**
 * Turning fetched documents into {@link NewsItem}s: RSS and Atom through `@rowanmanning/feed-parser`,
 * the CryptoPanic posts API from its JSON.
 *
 * @module
 */

import { parseFeed } from '@rowanmanning/feed-parser';
import { mentionedAssets } from './assets.js';
import { MalformedFeedError } from './errors.js';
import { canonicalUrl, contentHash, type NewsItem, plainText } from './item.js';

const toUs = (date: Date | null): number | null =>
  date === null || Number.isNaN(date.getTime()) ? null : date.getTime() * 1000;

/**
 * Parses an RSS or Atom document into items stamped `localTs`. Items without a URL or title are skipped.
 *
 * @param source - the configured source name, copied into each item
 * @param localTs - when the document was fetched, microseconds since the epoch
 * @throws {MalformedFeedError} when the text is not a feed (the parser's reason in the message)
 * @example
 * ```ts
 * const items = parseFeedItems('coindesk', xmlText, clock.nowUs());
 * ```
 */
export function parseFeedItems(source: string, xml: string, localTs: number): NewsItem[] {
  let feed: ReturnType<typeof parseFeed>;
  try {
    feed = parseFeed(xml);
  } catch (error) {
    throw new MalformedFeedError(source, error instanceof Error ? error.message : String(error));
  }
  const items: NewsItem[] = [];
  for (const entry of feed.items) {
    const url = entry.url ?? entry.id;
    const title = entry.title === null ? '' : plainText(entry.title);
    if (url === null || title === '') continue;
    const summary = plainText(entry.description ?? entry.content ?? '');
    const tags = entry.categories.map((c) => c.label ?? c.term ?? '').filter((t) => t !== '');
    items.push({
      kind: 'news',
      source,
      url: canonicalUrl(url),
      title,
      summary,
      publishedTs: toUs(entry.published ?? entry.updated),
      localTs,
      assets: mentionedAssets(`${title} ${summary}`, tags),
      contentHash: contentHash(title, summary),
    });
  }
  return items;
}

/**
 * Parses a CryptoPanic `/api/…/posts/` answer (`{"results": [{title, url, published_at, currencies}]}`).
 *
 * @throws {MalformedFeedError} when the body is not JSON of that shape
 */
export function parseCryptoPanic(source: string, body: string, localTs: number): NewsItem[] {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new MalformedFeedError(source, `not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const results = (json as { results?: unknown }).results;
  if (!Array.isArray(results)) throw new MalformedFeedError(source, 'no "results" array');
  const items: NewsItem[] = [];
  for (const post of results as Array<Record<string, unknown>>) {
    const title = typeof post['title'] === 'string' ? plainText(post['title']) : '';
    const url = typeof post['url'] === 'string' ? post['url'] : null;
    if (title === '' || url === null) continue;
    const summary = typeof post['description'] === 'string' ? plainText(post['description']) : '';
    const codes = Array.isArray(post['currencies'])
      ? (post['currencies'] as Array<{ code?: unknown }>).flatMap((c) => (typeof c.code === 'string' ? [c.code] : []))
      : [];
    const published = typeof post['published_at'] === 'string' ? new Date(post['published_at']) : null;
    const assets = new Set([...mentionedAssets(`${title} ${summary}`), ...codes.map((c) => c.toUpperCase())]);
    items.push({
      kind: 'news',
      source,
      url: canonicalUrl(url),
      title,
      summary,
      publishedTs: toUs(published),
      localTs,
      assets: [...assets].sort(),
      contentHash: contentHash(title, summary),
    });
  }
  return items;
}
