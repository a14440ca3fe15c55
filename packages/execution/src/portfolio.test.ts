import { describe, expect, it } from 'vitest';
import { makerTakerFees } from './fees.js';
import { TradableInstrument } from './instrument.js';
import { atomsToDecimal, decimalToAtoms, parseRate } from './money.js';
import type { Liquidity, OrderSide } from './orders.js';
import { type Fill, Portfolio } from './portfolio.js';

const btc = new TradableInstrument({
  venue: 'binance',
  symbol: 'BTC/USDT',
  base: 'BTC',
  quote: 'USDT',
  tickSize: '0.01',
  lotSize: '0.00001',
});
const perp = new TradableInstrument({
  venue: 'binanceusdm',
  symbol: 'BTC/USDT:USDT',
  base: 'BTC',
  quote: 'USDT',
  tickSize: '0.01',
  lotSize: '0.001',
});
const fees = makerTakerFees({ maker: '-0.0001', taker: '0.001' });

let nextId = 1;
function fill(inst: TradableInstrument, side: OrderSide, price: string, qty: string, liquidity: Liquidity): Fill {
  const priceTicks = inst.toTicks(price) as number;
  const qtyLots = inst.toLots(qty) as number;
  return {
    fillId: nextId++,
    orderId: 'x',
    venue: inst.venue,
    symbol: inst.symbol,
    side,
    priceTicks,
    qtyLots,
    liquidity,
    feeAtoms: fees.feeAtoms(inst.notionalAtoms(priceTicks, qtyLots), liquidity),
    atUs: 0,
    entryQueuePosition: 0,
    toxic: false,
    midAtFillTicks: priceTicks,
    markoutsTicks: [Number.NaN, Number.NaN, Number.NaN],
    tag: undefined,
  };
}
const usd = (atoms: bigint) => atomsToDecimal(atoms);

describe('portfolio ledger (hand-computed, exact to the atom)', () => {
  it('books fees, rebates, average cost and realised P&L exactly', () => {
    const p = new Portfolio();
    p.openAccount('binance', { USDT: '10000' });
    // Buy 0.12345 BTC at 60000.01, taker 0.1 %: notional 7407.0012345, fee 7.4070012345.
    p.applyFill(btc, fill(btc, 'buy', '60000.01', '0.12345', 'taker'));
    expect(usd(p.cashAtoms('binance', 'USDT'))).toBe('2585.5917642655');
    const pos = p.position(btc);
    expect(pos.qtyLots).toBe(12345);
    expect(usd(pos.costAtoms)).toBe('7407.0012345');
    // Sell 0.05 at 60100.50 as maker with a 1 bp rebate: +3005.025, fee −0.3005025.
    p.applyFill(btc, fill(btc, 'sell', '60100.50', '0.05', 'maker'));
    expect(usd(p.cashAtoms('binance', 'USDT'))).toBe('5590.9172667655');
    expect(usd(pos.realizedAtoms)).toBe('5.0245');
    expect(usd(pos.costAtoms)).toBe('4407.0007345');
    expect(usd(pos.feesAtoms)).toBe('7.1064987345');
    // Buy 0.00333 at 59999.99: cost 4606.8007012 for 7678 lots.
    p.applyFill(btc, fill(btc, 'buy', '59999.99', '0.00333', 'taker'));
    expect(usd(p.cashAtoms('binance', 'USDT'))).toBe('5390.9175000988');
    // Sell 0.01 at 60000.00: released cost = 4606.8007012 × 1000 / 7678, truncated to the atom.
    p.applyFill(btc, fill(btc, 'sell', '60000.00', '0.01', 'maker'));
    expect(pos.realizedAtoms - decimalToAtoms('5.0245')).toBe(-91325866110966n);
    expect(pos.costAtoms).toBe(4006800609874133889034n);
    expect(pos.qtyLots).toBe(6678);
    // average entry = remaining cost ÷ remaining size, in ticks
    expect(p.averageEntryTicks(pos)).toBeCloseTo((4006.8006098741339 / 0.06678) * 100, 6);
  });

  it('keeps equity − initial = realised + unrealised − fees + funding, to the atom', () => {
    const p = new Portfolio();
    p.openAccount('binance', { USDT: '100000' });
    p.mark(btc, 6_000_000, 6_000_002);
    p.sampleEquity(0);
    const prices = ['60000.01', '60003.37', '59990.10', '60010.99', '59999.98'];
    const qtys = ['0.00777', '0.01', '0.03001', '0.00003', '0.04999'];
    const sides: OrderSide[] = ['buy', 'buy', 'sell', 'sell', 'buy'];
    for (let i = 0; i < prices.length; i++)
      p.applyFill(
        btc,
        fill(btc, sides[i] as OrderSide, prices[i] as string, qtys[i] as string, i % 2 === 0 ? 'maker' : 'taker'),
      );
    p.mark(btc, 6_000_123, 6_000_130);
    const pos = p.position(btc);
    const lhs = p.equityAtoms() - p.initialEquityAtoms;
    const rhs = pos.realizedAtoms + p.unrealizedAtoms(pos) - pos.feesAtoms + pos.fundingAtoms;
    expect(lhs).toBe(rhs);
    expect(pos.qtyLots).toBe(777 + 1000 - 3001 - 3 + 4999);
  });

  it('flips a position through zero and opens the remainder at the fill price', () => {
    const p = new Portfolio();
    p.openAccount('binanceusdm', { USDT: '100000' });
    p.applyFill(perp, fill(perp, 'buy', '100.00', '2', 'maker')); // cost 200
    p.applyFill(perp, fill(perp, 'sell', '110.00', '3', 'maker')); // closes 2 (+20), opens −1 at 110
    const pos = p.position(perp);
    expect(pos.qtyLots).toBe(-1000);
    expect(usd(pos.realizedAtoms)).toBe('20');
    expect(usd(pos.costAtoms)).toBe('-110');
  });

  it('settles funding: longs pay a positive rate, shorts receive it, exact to the minor unit', () => {
    const p = new Portfolio();
    p.openAccount('binanceusdm', { USDT: '1000' });
    p.openPosition(perp, { symbol: perp.symbol, qty: '0.123', entryPrice: '60000.00' });
    // 0.123 × 60012.34 × 0.0001 = 0.738151782 paid
    expect(usd(p.applyFunding(perp, parseRate('0.0001'), perp.toTicks('60012.34') as number))).toBe('-0.738151782');
    expect(usd(p.cashAtoms('binanceusdm', 'USDT'))).toBe('999.261848218');
    p.applyFill(perp, fill(perp, 'sell', '60000.00', '0.2', 'maker'));
    // short 0.077 at a negative rate −0.00005 pays: −(−0.077 × 60000 × −0.00005) = −0.231
    expect(usd(p.applyFunding(perp, parseRate('-0.00005'), perp.toTicks('60000') as number))).toBe('-0.231');
    // short at a positive rate receives: 0.077 × 60000 × 0.0003 = 1.386
    expect(usd(p.applyFunding(perp, parseRate('0.0003'), perp.toTicks('60000') as number))).toBe('1.386');
    expect(usd(p.position(perp).fundingAtoms)).toBe(
      usd(decimalToAtoms('-0.738151782') - decimalToAtoms('0.231') + decimalToAtoms('1.386')),
    );
    expect(usd(p.totalFundingAtoms)).toBe('0.416848218');
  });

  it('refuses a fill on a venue without an account, and a malformed balance', () => {
    const p = new Portfolio();
    expect(() => p.applyFill(btc, fill(btc, 'buy', '1.00', '1', 'taker'))).toThrow(/no account/);
    expect(() => p.openAccount('binance', { USDT: '1,000' })).toThrow(/not a decimal number/);
  });
});

describe('portfolio history bounds (long live runs)', () => {
  it('keeps every fill by default, so a backtest report sees them all', () => {
    const p = new Portfolio();
    p.openAccount('binance', { USDT: '1000000' });
    for (let i = 0; i < 5_000; i++)
      p.applyFill(btc, fill(btc, i % 2 === 0 ? 'buy' : 'sell', '100.00', '0.001', 'taker'));
    expect(p.fills).toHaveLength(5_000);
    expect(p.fillsBooked).toBe(5_000);
    expect(p.nextFillId()).toBe(5_001);
  });

  it('past maxFills keeps only the most recent fills; ledger totals still cover every fill', () => {
    const bounded = new Portfolio({ maxFills: 100 });
    const full = new Portfolio();
    for (const p of [bounded, full]) p.openAccount('binance', { USDT: '1000000' });
    for (let i = 0; i < 1_000; i++) {
      const f = fill(btc, i % 3 === 0 ? 'sell' : 'buy', `${100 + (i % 7)}.00`, '0.001', 'taker');
      bounded.applyFill(btc, f);
      full.applyFill(btc, f);
      expect(bounded.fills.length).toBeLessThan(200);
      expect(bounded.fills.length).toBeGreaterThanOrEqual(Math.min(i + 1, 100));
    }
    expect(bounded.fillsBooked).toBe(1_000);
    // The window is the tail of the full history, in order.
    expect(bounded.fills).toEqual(full.fills.slice(full.fills.length - bounded.fills.length));
    expect(bounded.cashAtoms('binance', 'USDT')).toBe(full.cashAtoms('binance', 'USDT'));
    expect(bounded.position(btc)).toEqual(full.position(btc));
    expect(bounded.totalFeesAtoms).toBe(full.totalFeesAtoms);
  });

  it('past maxEquityPoints thins the curve: bounded, still spanning the run from its first sample to a recent one', () => {
    const p = new Portfolio({ maxEquityPoints: 64 });
    p.openAccount('binance', { USDT: '1000' });
    for (let s = 0; s < 10_000; s++) {
      p.sampleEquity(s * 1_000_000);
      expect(p.equityCurve.length).toBeLessThanOrEqual(64);
    }
    const times = p.equityCurve.map((e) => e.atUs);
    expect(times[0]).toBe(0);
    expect(times.length).toBeGreaterThan(16);
    for (let i = 1; i < times.length; i++) expect(times[i] as number).toBeGreaterThan(times[i - 1] as number);
    // The newest point lags the last sample by less than the current stride (10,000 / 32 samples at most).
    expect(times[times.length - 1] as number).toBeGreaterThan((10_000 - 10_000 / 16) * 1_000_000);
  });

  it('refuses a bound that is not a positive integer, naming it', () => {
    expect(() => new Portfolio({ maxFills: 0 })).toThrow(/maxFills must be a positive integer/);
    expect(() => new Portfolio({ maxFills: 1.5 })).toThrow(/maxFills/);
    expect(() => new Portfolio({ maxEquityPoints: 1 })).toThrow(/maxEquityPoints must be an integer of at least 2/);
  });
});
