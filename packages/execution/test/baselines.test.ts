/**
 * The baseline strategies end to end on the real Binance BTCUSDT recording (346 s, 2024-08-08),
 * through the full engine: queue, latency, fees, impact, markouts, reports.
 */

import type { MarketEvent } from '@tickerml/core';
import { mergeByLocalTsSync } from '@tickerml/core';
import { describe, expect, it } from 'vitest';
import { type BacktestSettings, runBacktest } from '../src/backtest.js';
import { TradableInstrument } from '../src/instrument.js';
import { atomsToDecimal, decimalToAtoms } from '../src/money.js';
import { equityToCsv, fillsToCsv, reportToHtml, reportToJson } from '../src/report.js';
import { arbitrageSurvivesCosts, crossVenueArbitrage } from '../src/strategies/cross-venue-arbitrage.js';
import { createBaseline } from '../src/strategies/registry.js';
import { BTCUSDT, binanceSampleEvents } from './recordings.js';

const spec = {
  symbol: 'BTC/USDT',
  base: 'BTC',
  quote: 'USDT',
  tickSize: BTCUSDT.tickSize,
  lotSize: BTCUSDT.lotSize,
  minNotional: '5',
};
const settings = (venue = 'binance'): BacktestSettings => ({
  seed: 42,
  venues: [
    {
      venue,
      instruments: [{ venue, ...spec }],
      balances: { USDT: '100000' },
      positions: [{ symbol: 'BTC/USDT', qty: '1', entryPrice: '61837.63' }],
    },
  ],
});
const events = binanceSampleEvents();
const btc = new TradableInstrument({ venue: 'binance', ...spec });
const market = [{ instrument: btc, refPriceTicks: 6_183_763 }];

describe.each(['obi-momentum', 'vwap-reversion', 'market-maker'])('%s on the real Binance recording', (name) => {
  it('trades, books every fill exactly and reports consistently', () => {
    const strategy = createBaseline(name, market, { orderNotional: '2000' });
    const { report, portfolio, engine } = runBacktest({ events, settings: settings(), strategy });
    expect(engine.eventCount).toBe(events.length);
    expect(report.summary.fills).toBeGreaterThan(0);
    // Ledger identity, to the atom: equity change = realised + unrealised − fees + funding.
    const pos = portfolio.position(btc);
    const lhs = decimalToAtoms(report.summary.finalEquity) - decimalToAtoms(report.summary.initialEquity);
    expect(lhs).toBe(pos.realizedAtoms + portfolio.unrealizedAtoms(pos) - pos.feesAtoms + pos.fundingAtoms);
    // Every fill reached the position: opening 1 BTC plus signed fills.
    const signed = report.fills.reduce((a, f) => a + (f.side === 'buy' ? f.qtyLots : -f.qtyLots), 0);
    expect(pos.qtyLots).toBe(100_000_000 + signed);
    // Fills never happen before the order reached the venue.
    for (const f of report.fills) expect(f.atUs).toBeGreaterThanOrEqual(0);
    expect(report.summary.maxDrawdown).toBeGreaterThanOrEqual(0);
    expect(report.summary.markouts[0]?.count).toBeGreaterThan(0);
    // Reports in every format.
    const json = JSON.parse(reportToJson(report));
    expect(json.summary.fills).toBe(report.summary.fills);
    expect(fillsToCsv(report.fills).trim().split('\n')).toHaveLength(report.fills.length + 1);
    expect(equityToCsv(report).trim().split('\n')).toHaveLength(report.equity.length + 1);
    const html = reportToHtml(report);
    expect(html).toContain('<svg');
    expect(html).toContain('Drawdown');
    if (name === 'market-maker') {
      expect(report.summary.makerFills).toBeGreaterThan(0);
      expect(report.summary.takerFills).toBe(0);
    } else {
      expect(report.summary.takerFills).toBe(report.summary.fills);
    }
  });
});

describe('determinism on the real recording', () => {
  it('two runs with the same seed give identical fills and P&L; another seed changes the latencies', () => {
    const run = (seed: number) => {
      const { report } = runBacktest({
        events,
        settings: { ...settings(), seed },
        strategy: createBaseline('market-maker', market, { orderNotional: '2000' }),
      });
      return reportToJson(report, 0);
    };
    const a = run(42);
    expect(run(42)).toBe(a);
    expect(run(43)).not.toBe(a);
  });
});

describe('cross-venue arbitrage', () => {
  it('trades both legs on two simulated venues with their own latencies and fees, and says whether the edge survives', () => {
    // Venue B sees the same market through a feed 300 ms slower: its stale quotes create edges.
    const slow: MarketEvent[] = binanceSampleEvents({ venue: 'binanceus' }).map((e) => ({
      ...e,
      localTs: e.localTs + 300_000,
    }));
    const merged = [...mergeByLocalTsSync([events, slow])];
    const strategy = crossVenueArbitrage({
      legA: { venue: 'binance', symbol: 'BTC/USDT' },
      legB: { venue: 'binanceus', symbol: 'BTC/USDT' },
      qtyLots: 1_000_000,
      minEdgeBps: 0.5,
    });
    const a = settings('binance').venues[0];
    const b = settings('binanceus').venues[0];
    if (a === undefined || b === undefined) throw new Error('settings');
    const { report, portfolio } = runBacktest({
      events: merged,
      strategy,
      settings: {
        seed: 7,
        venues: [
          { ...a, fees: { maker: '0.001', taker: '0.001' } },
          { ...b, fees: { maker: '0', taker: '0.0002' }, latency: { kind: 'range', minMs: 20, maxMs: 40 } },
        ],
      },
    });
    expect(strategy.stats.opportunities).toBeGreaterThan(0);
    expect(strategy.stats.attempts).toBeGreaterThan(0);
    const venuesFilled = new Set(report.fills.map((f) => f.venue));
    expect([...venuesFilled].sort()).toEqual(['binance', 'binanceus']);
    const net = decimalToAtoms(report.summary.netPnl);
    expect(arbitrageSurvivesCosts(net)).toBe(net > 0n);
    // Fees were charged per venue at its own rate: binance 0.1 % of its notional, binanceus 0.02 %.
    for (const venue of ['binance', 'binanceus']) {
      const rate = venue === 'binance' ? 1000n : 5000n;
      for (const f of report.fills.filter((x) => x.venue === venue))
        expect(f.feeAtoms).toBe(btc.notionalAtoms(f.priceTicks, f.qtyLots) / rate);
    }
    expect(atomsToDecimal(portfolio.totalFeesAtoms)).toBe(report.summary.fees);
  });
});
