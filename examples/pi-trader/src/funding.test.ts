/**
 * The demo's hand-written funding frames read by the real venue handlers: each parses into
 * funding_rate events of the traded asset's perpetual with the scheduled rates and a funding
 * time in the future.
 */
import type { FundingRate, MarketEvent } from '@tickerml/core';
import { BinanceUsdmFundingHandler, KrakenFuturesFundingHandler } from '@tickerml/exchanges';
import { describe, expect, it } from 'vitest';
import { demoFundingFrames, demoKrakenFuturesFrames, perpetualOf } from './funding.js';

const NOW = Date.UTC(2026, 11, 7, 22, 30) * 1000; // 22:30 UTC, µs

function read(handler: { onFrame(text: string, localTs: number): void }, frames: { data: string; localTs: number }[]) {
  for (const f of frames) handler.onFrame(f.data, f.localTs);
}

describe('demo funding frames', () => {
  it('Binance USD-M markPriceUpdate: 60 rates of BTC/USDT:USDT stepping every 10 s, funding at 00:00 UTC', () => {
    const events: MarketEvent[] = [];
    const h = new BinanceUsdmFundingHandler([perpetualOf('binanceusdm', 'BTC')], {
      emit: (e) => events.push(e),
      requestSnapshot: () => undefined,
    });
    read(h, demoFundingFrames(['BTC'], NOW));
    const rates = events as FundingRate[];
    expect(rates).toHaveLength(60);
    expect(rates.every((e) => e.kind === 'funding_rate' && e.symbol === 'BTC/USDT:USDT')).toBe(true);
    expect([...new Set(rates.map((e) => e.rate))]).toEqual([
      '0.00010000',
      '0.00012500',
      '0.00008000',
      '-0.00002500',
      '0.00015000',
    ]);
    expect(rates[0]?.fundingTs).toBe(Date.UTC(2026, 11, 8) * 1000);
    expect(h.stats().get('BTC/USDT:USDT')?.malformed).toBe(0);
  });

  it('Kraken Futures ticker: PF_XBTUSD as BTC/USD:USD, hourly rates, funding at the next full hour', () => {
    const events: MarketEvent[] = [];
    const h = new KrakenFuturesFundingHandler([perpetualOf('krakenfutures', 'BTC')], {
      emit: (e) => events.push(e),
      requestSnapshot: () => undefined,
    });
    read(h, demoKrakenFuturesFrames(['BTC'], NOW));
    const rates = events as FundingRate[];
    expect(rates).toHaveLength(60);
    expect(rates[0]).toMatchObject({ venue: 'krakenfutures', symbol: 'BTC/USD:USD', rate: '0.0000125' });
    expect(rates[35]?.rate).toBe('-0.0000031');
    expect(rates[0]?.fundingTs).toBe(Date.UTC(2026, 11, 7, 23) * 1000);
  });
});
