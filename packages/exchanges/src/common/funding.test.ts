import type { MarketEvent } from '@tickerml/core';
import { describe, expect, it } from 'vitest';
import { BinanceUsdmFundingHandler } from '../venues/binanceusdm/websocket/handler.js';
import { KrakenFuturesFundingHandler } from '../venues/krakenfutures/websocket/handler.js';
import { KucoinFuturesFundingHandler } from '../venues/kucoinfutures/websocket/handler.js';

function collect() {
  const events: MarketEvent[] = [];
  return { events, hooks: { emit: (e: MarketEvent) => events.push(e), requestSnapshot() {} } };
}

describe('funding-rate handlers', () => {
  it('Binance USD-M markPrice: r and T', () => {
    const { events, hooks } = collect();
    const h = new BinanceUsdmFundingHandler(['BTC/USDT:USDT'], hooks);
    expect(JSON.parse(h.subscribeMessages()[0]!).params).toEqual(['btcusdt@markPrice@1s']);
    h.onFrame(
      '{"stream":"btcusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":1562305380000,"s":"BTCUSDT","p":"11794.15000000","i":"11784.62659091","P":"11784.25641265","r":"0.00038167","T":1562306400000}}',
      7,
    );
    expect(events).toEqual([
      {
        kind: 'funding_rate',
        venue: 'binanceusdm',
        symbol: 'BTC/USDT:USDT',
        exchTs: 1562305380000000,
        localTs: 7,
        rate: '0.00038167',
        fundingTs: 1562306400000000,
      },
    ]);
    h.onFrame('{"stream":"x","data":{"e":"markPriceUpdate","E":1,"s":"BTCUSDT","p":"1","r":"abc","T":2}}', 8);
    expect(h.stats().get('*')?.malformed).toBe(1);
  });

  it('Kraken Futures ticker: relative_funding_rate text kept exactly, next_funding_rate_time', () => {
    const { events, hooks } = collect();
    const h = new KrakenFuturesFundingHandler(['BTC/USD:USD'], hooks);
    h.onFrame(
      '{"time":1700000000123,"product_id":"PF_XBTUSD","funding_rate":-0.158196000000,"relative_funding_rate":-4.43800000e-06,"next_funding_rate_time":1700003600000,"feed":"ticker"}',
      1,
    );
    expect(events[0]).toMatchObject({
      symbol: 'BTC/USD:USD',
      rate: '-4.43800000e-06',
      fundingTs: 1700003600000000,
      exchTs: 1700000000123000,
    });
    h.onFrame('{"feed":"ticker","product_id":"PF_XBTUSD","relative_funding_rate":"x","next_funding_rate_time":1}', 2);
    expect(h.stats().get('*')?.malformed).toBe(1);
  });

  it('KuCoin Futures funding.rate', () => {
    const { events, hooks } = collect();
    const h = new KucoinFuturesFundingHandler(['BTC/USDT:USDT'], hooks);
    expect(JSON.parse(h.subscribeMessages()[0]!).topic).toBe('/contract/instrument:XBTUSDTM');
    h.onFrame(
      '{"topic":"/contract/instrument:XBTUSDTM","type":"message","subject":"funding.rate","data":{"granularity":60000,"fundingRate":-0.002966,"timestamp":1551770400000}}',
      3,
    );
    expect(events[0]).toMatchObject({
      venue: 'kucoinfutures',
      symbol: 'BTC/USDT:USDT',
      rate: '-0.002966',
      fundingTs: 1551770400000000,
    });
  });
});
