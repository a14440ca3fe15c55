/** Hand-built markets for the risk gate tests: one venue, one instrument, events by hand. */
import type { BookSnapshot, MarketEvent } from '@tickerml/core';
import { makerTakerFees } from '../src/fees.js';
import { TradableInstrument } from '../src/instrument.js';
import { constantLatency } from '../src/latency.js';
import { Portfolio } from '../src/portfolio.js';
import { riskAverseQueue } from '../src/queue.js';
import { type SimulatedVenue, SimulatedVenueBuilder } from '../src/venue.js';

export const VENUE = 'testex';
export const SYMBOL = 'ABC/USD';
export const MS = 1_000;

/** A venue with 50 ms entry / 30 ms response latency, no fees, tick 1 USD, lot 1 unit, and an account of `cash` USD. */
export function market(cash = '10000'): { venue: SimulatedVenue; portfolio: Portfolio; inst: TradableInstrument } {
  const portfolio = new Portfolio();
  portfolio.openAccount(VENUE, { USD: cash });
  const inst = new TradableInstrument({
    venue: VENUE,
    symbol: SYMBOL,
    base: 'ABC',
    quote: 'USD',
    tickSize: '1',
    lotSize: '1',
  });
  const venue = new SimulatedVenueBuilder(VENUE)
    .instruments([inst])
    .queueModel(riskAverseQueue())
    .latencyModel(constantLatency(50 * MS, 30 * MS))
    .feeModel(makerTakerFees({ maker: '0', taker: '0' }))
    .portfolio(portfolio)
    .build();
  return { venue, portfolio, inst };
}

export function book(atUs: number, bid: number, ask: number, qty = 1_000): BookSnapshot {
  return {
    kind: 'book_snapshot',
    venue: VENUE,
    symbol: SYMBOL,
    exchTs: atUs,
    localTs: atUs,
    bids: [{ priceTicks: bid, qtyLots: qty }],
    asks: [{ priceTicks: ask, qtyLots: qty }],
  };
}

export function disconnected(atUs: number): MarketEvent {
  return { kind: 'disconnected', venue: VENUE, symbol: SYMBOL, exchTs: atUs, localTs: atUs, reason: 'socket closed' };
}
