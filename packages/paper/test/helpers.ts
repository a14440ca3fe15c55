/** Hand-built markets for the gate and driver tests: one venue, one instrument, events by hand. */
import type { BookSnapshot, MarketEvent, Trade } from '@tickerml/core';
import {
  constantLatency,
  makerTakerFees,
  Portfolio,
  riskAverseQueue,
  type SimulatedVenue,
  SimulatedVenueBuilder,
  TradableInstrument,
} from '@tickerml/execution';

export const VENUE = 'testex';
export const SYMBOL = 'ABC/USD';
export const MS = 1_000;

/** Tick 1 USD, lot 1 unit: priceTicks are dollars, qtyLots units. */
export function instrument(): TradableInstrument {
  return new TradableInstrument({
    venue: VENUE,
    symbol: SYMBOL,
    base: 'ABC',
    quote: 'USD',
    tickSize: '1',
    lotSize: '1',
  });
}

/** A venue with 50 ms entry / 30 ms response latency, no fees, and an account of `cash` USD. */
export function market(cash = '10000'): { venue: SimulatedVenue; portfolio: Portfolio; inst: TradableInstrument } {
  const portfolio = new Portfolio();
  portfolio.openAccount(VENUE, { USD: cash });
  const inst = instrument();
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

export function trade(atUs: number, price: number, qty: number, aggressor: 'buy' | 'sell'): Trade {
  return {
    kind: 'trade',
    venue: VENUE,
    symbol: SYMBOL,
    exchTs: atUs,
    localTs: atUs,
    tradeId: String(atUs),
    priceTicks: price,
    qtyLots: qty,
    aggressor,
  };
}

export function disconnected(atUs: number): MarketEvent {
  return { kind: 'disconnected', venue: VENUE, symbol: SYMBOL, exchTs: atUs, localTs: atUs, reason: 'socket closed' };
}

/** JSON with bigints as strings, for exact comparisons. */
export const stringify = (v: unknown): string =>
  JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
