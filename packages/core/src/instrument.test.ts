import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidInstrumentError, PrecisionError, UnknownInstrumentError } from './errors.js';
import { canonicalSymbol, Instrument, InstrumentRegistry, parseSymbol } from './instrument.js';
import { Rounding } from './units.js';

const btc = new Instrument({
  venue: 'binanceus',
  symbol: 'BTC/USDT',
  base: 'BTC',
  quote: 'USDT',
  tickSize: '0.01000000',
  lotSize: '0.00001000',
  minNotional: '10',
  minQty: '0.00001',
});

describe('Instrument', () => {
  it('converts prices and quantities exactly', () => {
    expect(btc.priceToTicks('65083.66')).toBe(6508366);
    expect(btc.ticksToPrice(6508366)).toBe('65083.66');
    expect(btc.qtyToLots('0.00150000')).toBe(150);
    expect(btc.lotsToQty(150)).toBe('0.00150');
    expect(btc.priceDecimals).toBe(2);
    expect(btc.qtyDecimals).toBe(5);
    expect(btc.id).toBe('binanceus:BTC/USDT');
  });

  it('names the tick size in precision errors', () => {
    expect(() => btc.priceToTicks('65083.661')).toThrow(PrecisionError);
    expect(() => btc.priceToTicks('65083.661')).toThrow("expected tick size 0.01, was 0.001 in '65083.661'");
    expect(() => btc.qtyToLots('0.000001')).toThrow("expected lot size 0.00001, was 0.000001 in '0.000001'");
    expect(btc.priceToTicks('65083.669', Rounding.Floor)).toBe(6508366);
  });

  it('computes notional exactly as price × quantity', () => {
    const notional = btc.notional(6508366, 150);
    expect(notional.currency).toBe('USDT');
    expect(notional.toDecimalString()).toBe('97.6254900');
    expect(btc.notional(-3, 7).toDecimalString()).toBe('-0.0000021');
    // 0.1 × 3 style float traps do not reach money
    const cents = new Instrument({
      venue: 'x',
      symbol: 'A/USD',
      base: 'A',
      quote: 'USD',
      tickSize: '0.1',
      lotSize: '1',
    });
    expect(cents.notional(1, 3).toDecimalString()).toBe('0.3');
  });

  it('notional equals the product of the decimal strings for any ticks and lots (property)', () => {
    const inst = new Instrument({
      venue: 'kraken',
      symbol: 'ETH/USD',
      base: 'ETH',
      quote: 'USD',
      tickSize: '0.05',
      lotSize: '0.25',
    });
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: -1e9, max: 1e9 }), (ticks, lots) => {
        // independent: 0.05 × 0.25 = 0.0125 → 125 × 10^-4 per tick·lot
        const expected = BigInt(ticks) * BigInt(lots) * 125n;
        const money = inst.notional(ticks, lots);
        expect(money.amount * 10n ** BigInt(4 - money.scale)).toBe(expected);
      }),
    );
  });

  it('handles perpetuals with a contract size', () => {
    const perp = new Instrument({
      venue: 'krakenfutures',
      symbol: 'BTC/USD:USD',
      base: 'BTC',
      quote: 'USD',
      tickSize: '0.5',
      lotSize: '1',
      kind: 'perpetual',
      contractSize: '0.001',
    });
    expect(perp.priceToTicks('65083.5')).toBe(130167);
    expect(perp.ticksToPrice(130167)).toBe('65083.5');
    expect(perp.notional(130167, 2).toDecimalString()).toBe('130.1670');
  });

  it('uses Math.round(x / tick) for float inputs only', () => {
    expect(btc.priceFromNumber(65083.66)).toBe(6508366);
    expect(btc.priceFromNumber(0.1 + 0.2)).toBe(30);
    expect(() => btc.priceFromNumber(Number.NaN)).toThrow();
  });

  it('checks venue minimums', () => {
    expect(btc.minQtyLots).toBe(1);
    expect(btc.minNotional?.toString()).toBe('10 USDT');
    expect(btc.meetsMinimums(6508366, 1)).toBe(false); // 0.65 USDT
    expect(btc.meetsMinimums(6508366, 10)).toBe(false); // 6.51 USDT
    expect(btc.meetsMinimums(6508366, 100)).toBe(true); // 65.08 USDT
  });

  it('rejects inconsistent specs', () => {
    const base = { venue: 'kraken', base: 'BTC', quote: 'USD', tickSize: '0.1', lotSize: '0.0001' };
    expect(() => new Instrument({ ...base, symbol: 'BTCUSD' })).toThrow(InvalidInstrumentError);
    expect(() => new Instrument({ ...base, symbol: 'ETH/USD' })).toThrow("does not match base 'BTC'");
    expect(() => new Instrument({ ...base, symbol: 'BTC/USD', kind: 'perpetual' })).toThrow('settlement');
    expect(() => new Instrument({ ...base, symbol: 'BTC/USD', tickSize: '0' })).toThrow("'0'");
  });
});

describe('symbols', () => {
  it('builds and parses canonical symbols', () => {
    expect(canonicalSymbol('btc', 'usdt')).toBe('BTC/USDT');
    expect(canonicalSymbol('BTC', 'USDT', 'USDT')).toBe('BTC/USDT:USDT');
    expect(parseSymbol('BTC/USDT:USDT')).toEqual({ base: 'BTC', quote: 'USDT', settle: 'USDT' });
    expect(parseSymbol('1000PEPE/USDT')).toEqual({ base: '1000PEPE', quote: 'USDT' });
    for (const bad of ['BTCUSDT', '/USDT', 'BTC/', 'BTC:USDT/X', 'btc/usdt', 'BTC/USDT:', 'BTC/US DT']) {
      expect(() => parseSymbol(bad), bad).toThrow(InvalidInstrumentError);
    }
    expect(() => canonicalSymbol('BT/C', 'USD')).toThrow(InvalidInstrumentError);
  });
});

describe('InstrumentRegistry', () => {
  it('finds by venue and symbol, and names what is missing', () => {
    const registry = new InstrumentRegistry([btc]);
    registry.add({
      venue: 'kraken',
      symbol: 'BTC/USD',
      base: 'BTC',
      quote: 'USD',
      tickSize: '0.1',
      lotSize: '0.00000001',
    });
    expect(registry.get('binanceus', 'BTC/USDT')).toBe(btc);
    expect(registry.get('kraken', 'BTC/USD').tickSize).toBe('0.1');
    expect(registry.size).toBe(2);
    expect(registry.has('kraken', 'ETH/USD')).toBe(false);
    expect(() => registry.get('kraken', 'ETH/USD')).toThrow(UnknownInstrumentError);
    expect(() => registry.get('kraken', 'ETH/USD')).toThrow('unknown instrument ETH/USD on kraken');
  });
});
