/** Builders for hand-computed venue scenarios: one instrument, events by hand. */

import type { BookDelta, BookSnapshot, MarketEvent, Trade } from '@tickerml/core';
import { makerTakerFees } from '../src/fees.js';
import { TradableInstrument } from '../src/instrument.js';
import { constantLatency } from '../src/latency.js';
import type { SimOrder } from '../src/orders.js';
import type { Fill } from '../src/portfolio.js';
import { Portfolio } from '../src/portfolio.js';
import type { QueueModel } from '../src/queue.js';
import { riskAverseQueue } from '../src/queue.js';
import { type SimulatedVenue, SimulatedVenueBuilder } from '../src/venue.js';

export const VENUE = 'testex';
export const SYMBOL = 'ABC/USD';

/** Tick 0.01 USD, lot 1 unit: 100 ticks × 1 lot = 1.00 USD notional. */
export function testInstrument(symbol = SYMBOL, venue = VENUE): TradableInstrument {
  return new TradableInstrument({
    venue,
    symbol,
    base: 'ABC',
    quote: 'USD',
    tickSize: '0.01',
    lotSize: '1',
    minNotional: '1',
  });
}

export interface Harness {
  venue: SimulatedVenue;
  portfolio: Portfolio;
  instrument: TradableInstrument;
  fills: Fill[];
  updates: Array<{ orderId: string; status: string; atUs: number }>;
  cancelRejects: Array<{ orderId: string; reason: string }>;
}

export function harness(
  opts: {
    queue?: QueueModel;
    maker?: string;
    taker?: string;
    halfLifeUs?: number;
    cash?: string;
    symbol?: string;
    inventory?: string;
  } = {},
): Harness {
  const portfolio = new Portfolio();
  portfolio.openAccount(VENUE, { USD: opts.cash ?? '1000000' });
  const instrument = testInstrument(opts.symbol ?? SYMBOL);
  if (opts.inventory !== undefined)
    portfolio.openPosition(instrument, { symbol: instrument.symbol, qty: opts.inventory, entryPrice: '1.00' });
  const venue = new SimulatedVenueBuilder(VENUE)
    .instruments([instrument])
    .queueModel(opts.queue ?? riskAverseQueue())
    .latencyModel(constantLatency(0))
    .feeModel(makerTakerFees({ maker: opts.maker ?? '0', taker: opts.taker ?? '0' }))
    .marketImpact({ halfLifeUs: opts.halfLifeUs ?? Number.POSITIVE_INFINITY })
    .portfolio(portfolio)
    .build();
  const h: Harness = { venue, portfolio, instrument, fills: [], updates: [], cancelRejects: [] };
  venue.setListener({
    onFill: (fill) => h.fills.push(fill),
    onOrderUpdate: (o: SimOrder, atUs) => h.updates.push({ orderId: o.orderId, status: o.status, atUs }),
    onCancelReject: (orderId, reason) => h.cancelRejects.push({ orderId, reason }),
  });
  return h;
}

type Lv = [number, number];
const lv = (levels: Lv[]) => levels.map(([priceTicks, qtyLots]) => ({ priceTicks, qtyLots }));

export function snapshot(ts: number, bids: Lv[], asks: Lv[], symbol = SYMBOL, venue = VENUE): BookSnapshot {
  return { kind: 'book_snapshot', venue, symbol, exchTs: ts, localTs: ts, bids: lv(bids), asks: lv(asks) };
}
export function delta(ts: number, bids: Lv[], asks: Lv[], localTs = ts, symbol = SYMBOL, venue = VENUE): BookDelta {
  return { kind: 'book_delta', venue, symbol, exchTs: ts, localTs, bids: lv(bids), asks: lv(asks) };
}
export function trade(
  ts: number,
  priceTicks: number,
  qtyLots: number,
  aggressor: 'buy' | 'sell',
  localTs = ts,
  symbol = SYMBOL,
  venue = VENUE,
): Trade {
  return { kind: 'trade', venue, symbol, exchTs: ts, localTs, tradeId: `t${ts}`, priceTicks, qtyLots, aggressor };
}
export function feed(venue: SimulatedVenue, events: readonly MarketEvent[]): void {
  for (const e of events) venue.onEvent(e);
}
