import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ccxt from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import { loadFrames } from '../replay/load.js';
import { cachePath, gridFor, instrumentsFromCcxt, loadInstruments, numberToDecimal } from './instruments.js';

const FIXTURES = new URL('../../test/fixtures/', import.meta.url).pathname;

/** A loopback HTTP server answering recorded REST bodies by path, `fallback` for anything else. */
async function restServer(
  bodies: Record<string, string>,
  fallback: string,
): Promise<{ server: Server; base: string; paths: string[] }> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] as string;
    paths.push(path);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(bodies[path] ?? fallback);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, paths };
}

/** A ccxt exchange with every API URL pointed at `base`. */
function pointed(name: 'kucoin' | 'binanceusdm', base: string) {
  return () => {
    const ex = new (
      ccxt as unknown as Record<
        string,
        new () => {
          urls: { api: Record<string, string> };
          loadMarkets(): Promise<Record<string, unknown>>;
          precisionMode: number;
        }
      >
    )[name]!();
    for (const k of Object.keys(ex.urls.api)) ex.urls.api[k] = base;
    return ex;
  };
}

let servers: Server[] = [];
afterEach(async () => {
  for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
  servers = [];
});

describe('numberToDecimal', () => {
  it('prints ccxt float tick sizes as plain decimals', () => {
    expect([0.01, 1e-8, 0.5, 1, 10, 0.1 + 0.2 - 0.2, 1e-10].map(numberToDecimal)).toEqual([
      '0.01',
      '0.00000001',
      '0.5',
      '1',
      '10',
      '0.1',
      '0.0000000001',
    ]);
  });
});

describe('loadInstruments', () => {
  it('parses ccxt markets loaded from recorded KuCoin REST bodies, caches them, and reads the cache when the network is down', async () => {
    const { frames } = await loadFrames(`${FIXTURES}kucoin/cryptofeed_KUCOIN.jsonl.gz`);
    const symbols = frames.find((f) => f.kind === 'http' && f.url?.endsWith('/api/v1/symbols'))!.data;
    // ccxt asks /api/v2/symbols; the recorded v1 body has the same fields it reads.
    const rest = await restServer({ '/api/v2/symbols': symbols }, '{"code":"200000","data":[]}');
    servers.push(rest.server);
    const cacheDir = await mkdtemp(join(tmpdir(), 'tickerml-instruments-'));
    const loaded = await loadInstruments('kucoin', {
      cacheDir,
      exchange: pointed('kucoin', rest.base),
      nowMs: () => 1_700_000_000_000,
    });
    expect(rest.paths).toContain('/api/v2/symbols');
    expect(loaded.source).toBe('network');
    const bchsv = loaded.instruments.find((i) => i.venueSymbol === 'BCHSV-USDT');
    expect(bchsv).toMatchObject({ tickSize: '0.001', lotSize: '0.00000001', type: 'spot', quote: 'USDT' });
    const capp = loaded.instruments.find((i) => i.venueSymbol === 'CAPP-BTC');
    expect(capp).toMatchObject({ tickSize: '0.0000000001', lotSize: '0.01' });
    expect(JSON.parse(await readFile(cachePath(cacheDir, 'kucoin'), 'utf8')).instruments).toHaveLength(
      loaded.instruments.length,
    );

    // network down: a port nobody listens on
    const offline = await loadInstruments('kucoin', { cacheDir, exchange: pointed('kucoin', 'http://127.0.0.1:1') });
    expect(offline.source).toBe('cache');
    expect(offline.fetchedAtMs).toBe(1_700_000_000_000);
    expect(offline.instruments).toEqual(loaded.instruments);
    expect(offline.networkError).toBeTruthy();
    expect(gridFor(offline, bchsv!.symbol).priceToTicks('242.649')).toBe(242649);
  }, 60_000);

  it('parses Binance USD-M exchangeInfo (min notional, lot size) through ccxt', async () => {
    const { frames } = await loadFrames(`${FIXTURES}binance/cryptofeed_BINANCE_FUTURES.jsonl`);
    const info = frames.find((f) => f.kind === 'http' && f.url?.endsWith('/fapi/v1/exchangeInfo'))!.data;
    const rest = await restServer({ '/exchangeInfo': info }, '{}');
    servers.push(rest.server);
    const cacheDir = await mkdtemp(join(tmpdir(), 'tickerml-instruments-'));
    const loaded = await loadInstruments('binanceusdm', { cacheDir, exchange: pointed('binanceusdm', rest.base) });
    const btc = loaded.instruments.find((i) => i.venueSymbol === 'BTCUSDT' && i.type === 'swap');
    expect(btc).toMatchObject({ symbol: 'BTC/USDT:USDT', tickSize: '0.01', lotSize: '0.001' });
  }, 60_000);

  it('fails with a clear error naming the network failure and the cache path when neither works', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'tickerml-instruments-'));
    const err = await loadInstruments('kucoin', { cacheDir, exchange: pointed('kucoin', 'http://127.0.0.1:1') }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ name: 'InstrumentsUnavailableError' });
    expect(String((err as Error).message)).toContain(cachePath(cacheDir, 'kucoin'));
    expect(String((err as Error).message)).toContain('no such file');
    // a corrupt cache is named as such
    await writeFile(cachePath(cacheDir, 'kucoin'), '{"format":"something else"}');
    const err2 = await loadInstruments('kucoin', { cacheDir, exchange: pointed('kucoin', 'http://127.0.0.1:1') }).catch(
      (e: unknown) => e,
    );
    expect(String((err2 as Error).message)).toContain('not a tickerml-instruments/1 file');
  }, 60_000);

  it('skips markets without a grid and reads DECIMAL_PLACES precision', () => {
    const markets = {
      a: {
        id: 'AB',
        symbol: 'A/B',
        base: 'A',
        quote: 'B',
        type: 'spot',
        precision: { price: 2, amount: 4 },
        limits: { cost: { min: 10 } },
      },
      b: { id: 'X', symbol: 'X/Y', precision: {} },
    };
    expect(instrumentsFromCcxt('v', markets, 2)).toEqual([
      {
        venue: 'v',
        symbol: 'A/B',
        venueSymbol: 'AB',
        base: 'A',
        quote: 'B',
        type: 'spot',
        tickSize: '0.01',
        lotSize: '0.0001',
        minNotional: '10',
      },
    ]);
  });
});

describe('fetchFundingHistory', () => {
  it('turns ccxt funding-rate history (Binance USD-M, served on loopback) into FundingRate events', async () => {
    const { fetchFundingHistory } = await import('./funding-history.js');
    const { frames } = await loadFrames(`${FIXTURES}binance/cryptofeed_BINANCE_FUTURES.jsonl`);
    const info = frames.find((f) => f.kind === 'http' && f.url?.endsWith('/fapi/v1/exchangeInfo'))?.data ?? '{}';
    // A fundingRate page in the venue's documented shape (the recording holds none).
    const page = JSON.stringify([
      { symbol: 'BTCUSDT', fundingTime: 1626998400000, fundingRate: '0.00010000', markPrice: '32000.00' },
      { symbol: 'BTCUSDT', fundingTime: 1626969600000, fundingRate: '-0.00002431', markPrice: '31800.00' },
    ]);
    const rest = await restServer({ '/exchangeInfo': info, '/fundingRate': page }, '{}');
    servers.push(rest.server);
    const events = await fetchFundingHistory('binanceusdm', 'BTC/USDT:USDT', {
      exchange: pointed('binanceusdm', rest.base) as never,
      sinceMs: 1626900000000,
    });
    expect(rest.paths).toContain('/fundingRate');
    expect(events.map((e) => [e.rate, e.fundingTs])).toEqual([
      ['-0.00002431', 1626969600000000],
      ['0.0001', 1626998400000000],
    ]);
    expect(events[0]).toMatchObject({ kind: 'funding_rate', venue: 'binanceusdm', symbol: 'BTC/USDT:USDT' });
  }, 60_000);
});
