import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FundingRate, type MarketEvent, TestClock } from '@tickerml/core';
import {
  constantLatency,
  makerTakerFees,
  Portfolio,
  riskAverseQueue,
  SimulatedVenueBuilder,
  TradableInstrument,
} from '@tickerml/execution';
import { SqliteStore } from '@tickerml/storage';
import { describe, expect, it } from 'vitest';
import { PaperStore } from './store.js';
import { PaperTrader } from './trader.js';

const VENUE = 'binanceusdm';
const PERP = 'BTC/USDT:USDT';
const H8 = 8 * 3_600_000_000;
const T0 = 20_000 * 86_400_000_000; // 00:00 UTC

function book(atUs: number, bid: number, ask: number): MarketEvent {
  return {
    kind: 'book_snapshot',
    venue: VENUE,
    symbol: PERP,
    exchTs: atUs,
    localTs: atUs,
    bids: [{ priceTicks: bid, qtyLots: 1_000 }],
    asks: [{ priceTicks: ask, qtyLots: 1_000 }],
  };
}
function funding(atUs: number, rate: string, fundingTs: number): FundingRate {
  return { kind: 'funding_rate', venue: VENUE, symbol: PERP, exchTs: atUs, localTs: atUs, rate, fundingTs };
}

describe('funding in the paper ledger', () => {
  it('a perpetual long pays qty × mark × rate at each funding time, a negative rate pays it; rows and checkpoints carry it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'paper-funding-'));
    try {
      // Tick 1 USDT, lot 0.001 BTC; a 0.5 BTC long opened at 60,000.
      const inst = new TradableInstrument({
        venue: VENUE,
        symbol: PERP,
        base: 'BTC',
        quote: 'USDT',
        tickSize: '1',
        lotSize: '0.001',
      });
      const portfolio = new Portfolio();
      portfolio.openAccount(VENUE, { USDT: '10000' });
      portfolio.openPosition(inst, { symbol: PERP, qty: '0.5', entryPrice: '60000' });
      const venue = new SimulatedVenueBuilder(VENUE)
        .instruments([inst])
        .queueModel(riskAverseQueue())
        .latencyModel(constantLatency(1_000, 1_000))
        .feeModel(makerTakerFees({ maker: '0', taker: '0' }))
        .portfolio(portfolio)
        .build();
      const sqlite = SqliteStore.open(join(dir, 'p.sqlite'));
      const clock = new TestClock(T0);
      const trader = new PaperTrader({
        venues: [venue],
        portfolio,
        strategy: { name: 'hold', onEvent() {} },
        clock,
        tickIntervalUs: 0,
        store: new PaperStore(sqlite),
        checkpointIntervalUs: 1e6,
      });
      const step = (e: MarketEvent) => {
        clock.advanceTo(e.localTs);
        trader.onEvent(e);
      };
      step(book(T0, 59_999, 60_001));
      step(funding(T0 + 1e6, '0.0001', T0 + H8)); // announced for 08:00
      step(book(T0 + H8 - 1e6, 61_999, 62_001));
      expect(portfolio.totalFundingAtoms).toBe(0n); // not before the funding time
      step(book(T0 + H8 + 1e6, 61_999, 62_001)); // the first event after 08:00 settles it at the mark (mid 62,000)
      const e18 = 10n ** 18n;
      expect(portfolio.totalFundingAtoms).toBe((-31n * e18) / 10n); // −0.5 × 62,000 × 0.0001 = −3.1 USDT
      step(funding(T0 + H8 + 2e6, '-0.0002', T0 + 2 * H8)); // shorts pay longs next time
      // Settled at the mark the book had at 16:00 (mid 62,000), before the new snapshot applies.
      step(book(T0 + 2 * H8 + 1e6, 59_999, 60_001));
      expect(portfolio.totalFundingAtoms).toBe((-31n * e18) / 10n + (62n * e18) / 10n); // +0.5 × 62,000 × 0.0002 = +6.2
      const cp = trader.checkpoint();
      expect(cp.totalFundingAtoms).toBe(((31n * e18) / 10n).toString());
      trader.stop();
      const rows = sqlite.query('portfolio_state');
      const positions = (rows.at(-1)?.positions ?? {}) as Record<string, { funding: string }>;
      const pos = positions[`${VENUE}|${PERP}`];
      expect(Number(pos?.funding)).toBeCloseTo(3.1, 12);
      sqlite.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
