/**
 * Which assets an item mentions: from its tags, tickers (`BTC`, `$ETH`) and names (`Bitcoin`).
 *
 * @module
 */

/** Names and tickers per asset code. Tickers match as whole upper-case words; names case-insensitively. */
const ASSETS: Readonly<Record<string, { readonly names: readonly string[]; readonly tickers: readonly string[] }>> = {
  BTC: { names: ['bitcoin'], tickers: ['BTC', 'XBT'] },
  ETH: { names: ['ethereum', 'ether'], tickers: ['ETH'] },
  SOL: { names: ['solana'], tickers: ['SOL'] },
  XRP: { names: ['ripple', 'xrp'], tickers: ['XRP'] },
  BNB: { names: ['bnb chain', 'binance coin'], tickers: ['BNB'] },
  ADA: { names: ['cardano'], tickers: ['ADA'] },
  DOGE: { names: ['dogecoin'], tickers: ['DOGE'] },
  DOT: { names: ['polkadot'], tickers: ['DOT'] },
  AVAX: { names: ['avalanche'], tickers: ['AVAX'] },
  LINK: { names: ['chainlink'], tickers: ['LINK'] },
  LTC: { names: ['litecoin'], tickers: ['LTC'] },
  TRX: { names: ['tron'], tickers: ['TRX'] },
  TON: { names: ['toncoin'], tickers: ['TON'] },
  USDT: { names: ['tether'], tickers: ['USDT'] },
  USDC: { names: ['usd coin'], tickers: ['USDC'] },
};

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const MATCHERS = Object.entries(ASSETS).map(([code, { names, tickers }]) => ({
  code,
  names: new RegExp(`\\b(${names.map(escapeRegExp).join('|')})\\b`, 'i'),
  tickers: new RegExp(`(^|[^A-Za-z0-9])\\$?(${tickers.map(escapeRegExp).join('|')})(?![A-Za-z0-9])`),
}));

/**
 * The asset codes `text` and `tags` mention, sorted and unique.
 *
 * @example
 * ```ts
 * mentionedAssets('Ether slips as $BTC holds 100k', ['Markets']); // ['BTC', 'ETH']
 * ```
 */
export function mentionedAssets(text: string, tags: readonly string[] = []): string[] {
  const found = new Set<string>();
  const haystacks = [text, ...tags];
  for (const m of MATCHERS) {
    if (haystacks.some((h) => m.names.test(h) || m.tickers.test(h))) found.add(m.code);
  }
  return [...found].sort();
}

/** The asset codes this module recognises. */
export const KNOWN_ASSETS: readonly string[] = Object.keys(ASSETS);
