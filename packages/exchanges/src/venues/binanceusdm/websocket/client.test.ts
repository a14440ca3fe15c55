import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Clock, type FundingRate, type MarketEvent, TestClock } from '@tickerml/core';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { waitFor } from '../../../contract/wait.js';
import { binanceUsdmFundingFeed, krakenFuturesFundingFeed, kucoinFuturesFundingFeed } from './client.js';

/**
 * A loopback stand-in for a perpetual venue: answers `POST /api/v1/bullet-public`, greets with
 * `welcome` when `greeting` is set, and answers each subscribe with the given funding frame.
 */
async function venue(
  frame: string,
  greeting?: string,
): Promise<{ base: string; subs: string[]; close: () => Promise<void> }> {
  const subs: string[] = [];
  const http: Server = createServer((req, res) => {
    const port = (http.address() as AddressInfo).port;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        code: '200000',
        data: {
          token: 'futures-token',
          instanceServers: [{ endpoint: `ws://127.0.0.1:${port}/endpoint`, pingInterval: 18000, pingTimeout: 10000 }],
        },
      }),
    );
  });
  const wss = new WebSocketServer({ server: http });
  wss.on('connection', (ws) => {
    if (greeting) ws.send(greeting);
    ws.on('message', (m) => {
      const text = m.toString();
      subs.push(text);
      if (text.toLowerCase().includes('subscribe')) ws.send(frame);
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  const base = `127.0.0.1:${(http.address() as AddressInfo).port}`;
  return {
    base,
    subs,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

async function firstFunding(
  start: (emit: (e: MarketEvent) => void, clock: Clock) => { stop(): void },
): Promise<FundingRate> {
  const events: MarketEvent[] = [];
  const core = new TestClock(1_700_000_000_000_000);
  const feed = start((e) => events.push(e), core);
  try {
    await waitFor(
      () => events.some((e) => e.kind === 'funding_rate'),
      'a funding rate',
      400_000,
      () => core.advanceBy(1000),
    );
  } finally {
    feed.stop();
  }
  return events.find((e): e is FundingRate => e.kind === 'funding_rate') as FundingRate;
}

describe('funding feeds over a loopback socket', () => {
  it('Binance USD-M markPrice', async () => {
    const v = await venue(
      '{"stream":"btcusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":1562305380000,"s":"BTCUSDT","p":"11794.15","r":"0.00038167","T":1562306400000}}',
    );
    stop = v.close;
    const f = await firstFunding((emit, clock) => {
      const feed = binanceUsdmFundingFeed({
        symbols: ['BTC/USDT:USDT'],
        emit,
        clock,
        random: () => 0,
        urls: { ws: `ws://${v.base}` },
      });
      feed.start();
      return feed;
    });
    expect(f).toMatchObject({
      venue: 'binanceusdm',
      symbol: 'BTC/USDT:USDT',
      rate: '0.00038167',
      fundingTs: 1562306400000000,
    });
    expect(JSON.parse(v.subs[0] ?? '{}').params).toEqual(['btcusdt@markPrice@1s']);
  });

  it('Kraken Futures ticker', async () => {
    const v = await venue(
      '{"time":1700000000123,"product_id":"PF_XBTUSD","funding_rate":-0.158196,"relative_funding_rate":-4.438e-06,"next_funding_rate_time":1700003600000,"feed":"ticker"}',
    );
    stop = v.close;
    const f = await firstFunding((emit, clock) => {
      const feed = krakenFuturesFundingFeed({
        symbols: ['BTC/USD:USD'],
        emit,
        clock,
        random: () => 0,
        urls: { ws: `ws://${v.base}/ws/v1` },
      });
      feed.start();
      return feed;
    });
    expect(f).toMatchObject({
      venue: 'krakenfutures',
      symbol: 'BTC/USD:USD',
      rate: '-4.438e-06',
      fundingTs: 1700003600000000,
    });
  });

  it('KuCoin Futures funding.rate after the bullet and welcome', async () => {
    const v = await venue(
      '{"topic":"/contract/instrument:XBTUSDTM","type":"message","subject":"funding.rate","data":{"granularity":60000,"fundingRate":-0.002966,"timestamp":1551770400000}}',
      '{"id":"w1","type":"welcome"}',
    );
    stop = v.close;
    const f = await firstFunding((emit, clock) => {
      const feed = kucoinFuturesFundingFeed({
        symbols: ['BTC/USDT:USDT'],
        emit,
        clock,
        random: () => 0,
        urls: { rest: `http://${v.base}` },
      });
      feed.start();
      return feed;
    });
    expect(f).toMatchObject({
      venue: 'kucoinfutures',
      symbol: 'BTC/USDT:USDT',
      rate: '-0.002966',
      fundingTs: 1551770400000000,
    });
    expect(JSON.parse(v.subs[0] ?? '{}').topic).toBe('/contract/instrument:XBTUSDTM');
  });
});
