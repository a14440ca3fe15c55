/**
 * The normalized news item every source produces.
 *
 * @module
 */

import { createHash } from 'node:crypto';

/**
 * One news item as the box first saw it. `localTs` (when we first saw it) is the only time a
 * causal feature may use; `publishedTs` (the publisher's stamp) can be earlier than the moment
 * the news was knowable, and is kept for display and analysis only.
 */
export interface NewsItem {
  readonly kind: 'news';
  /** Configured source name, e.g. `coindesk`. */
  readonly source: string;
  /** Canonical article URL (fragment removed). */
  readonly url: string;
  readonly title: string;
  /** Plain-text summary (markup removed), possibly empty. */
  readonly summary: string;
  /** The publisher's timestamp in microseconds since the epoch, or `null` when the feed had none. */
  readonly publishedTs: number | null;
  /** When this box first saw the item, microseconds since the epoch (from the injected clock). */
  readonly localTs: number;
  /** Assets mentioned, as base-currency codes (`BTC`, `ETH`, …), sorted, unique. */
  readonly assets: readonly string[];
  /** sha256 (hex) of the normalized title and summary: the same story from two sources has the same hash. */
  readonly contentHash: string;
}

/** Removes tags and decodes the few entities feed parsers leave in summaries; collapses whitespace. */
export function plainText(html: string): string {
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#0*39;|&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The content hash of an item: sha256 over the lower-cased, whitespace-collapsed title and summary.
 *
 * @example
 * ```ts
 * contentHash('Bitcoin  rallies', '') === contentHash('bitcoin rallies', ''); // true
 * ```
 */
export function contentHash(title: string, summary: string): string {
  const norm = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();
  return createHash('sha256')
    .update(`${norm(title)}\n${norm(summary)}`)
    .digest('hex');
}

/** The URL without its fragment and without common tracking parameters (`utm_*`). */
export function canonicalUrl(url: string): string {
  try {
    const u = new URL(url);
    u.hash = '';
    for (const key of [...u.searchParams.keys()]) if (key.startsWith('utm_')) u.searchParams.delete(key);
    return u.toString();
  } catch {
    return url.trim();
  }
}
