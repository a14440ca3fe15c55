import type { Level, MarketEvent } from '@tickerml/core';
import { describe, expect, it } from 'vitest';
import { ENCODER_VERSION, StateEncoder } from './encoder.js';
import { EncodeTimeError, RlOptionError } from './errors.js';

const S = 1_000_000;
const flat = { positionFraction: 0, cashFraction: 1 };
const lv = (priceTicks: number, qtyLots: number): Level => ({ priceTicks, qtyLots });

function snapshot(localTs: number, bids: Level[], asks: Level[], venue = 'binance', symbol = 'BTC/USDT'): MarketEvent {
  return { kind: 'book_snapshot', venue, symbol, exchTs: localTs, localTs, bids, asks };
}
function delta(localTs: number, bids: Level[], asks: Level[], venue = 'binance', symbol = 'BTC/USDT'): MarketEvent {
  return { kind: 'book_delta', venue, symbol, exchTs: localTs, localTs, bids, asks };
}
function trade(localTs: number, priceTicks: number, qtyLots: number, aggressor: 'buy' | 'sell'): MarketEvent {
  return {
    kind: 'trade',
    venue: 'binance',
    symbol: 'BTC/USDT',
    exchTs: localTs,
    localTs,
    tradeId: String(localTs),
    priceTicks,
    qtyLots,
    aggressor,
  };
}

/** Reads a feature's value, or `null` when masked. */
function feature(encoder: StateEncoder, v: Float32Array, name: string): number | null {
  const i = encoder.indexOf(name);
  expect(i, name).toBeGreaterThanOrEqual(0);
  const F = encoder.features.length;
  return v[F + i] === 1 ? (v[i] as number) : null;
}

describe('StateEncoder layout', () => {
  it('lists its features in vector order with units and windows, values then masks', () => {
    const encoder = new StateEncoder({
      venue: 'binance',
      symbol: 'BTC/USDT',
      tickSize: 0.01,
      crossVenues: [{ venue: 'kraken', symbol: 'BTC/USD', tickSize: 0.1 }, { venue: 'binance' }],
    });
    expect(encoder.version).toBe(ENCODER_VERSION);
    expect(encoder.features.map((f) => f.name)).toEqual([
      'obi_1',
      'obi_5',
      'obi_10',
      'microprice_mid_bps',
      'spread_bps',
      'tfi_1s',
      'tfi_10s',
      'tfi_60s',
      'vwap_dev_60s_bps',
      'rvol_10s_bps',
      'rvol_60s_bps',
      'queue_ahead_bid',
      'queue_ahead_ask',
      'funding_bps',
      'xvenue_kraken_bps',
      'xvenue_binance_bps',
      'position_fraction',
      'cash_fraction',
    ]);
    expect(encoder.dimension).toBe(36);
    for (const f of encoder.features) {
      expect(f.unit.length, f.name).toBeGreaterThan(0);
      expect(f.window.length, f.name).toBeGreaterThan(0);
    }
    expect(
      new StateEncoder({ venue: 'x', symbol: 'A/B', bookLevels: 3 }).features.map((f) => f.name).slice(0, 3),
    ).toEqual(['obi_1', 'obi_3', 'microprice_mid_bps']);
  });

  it('refuses bad options with the option named', () => {
    expect(() => new StateEncoder({ venue: 'binance', symbol: 'BTC/USDT', bookLevels: 0 })).toThrow(RlOptionError);
    expect(
      () =>
        new StateEncoder({
          venue: 'binance',
          symbol: 'BTC/USDT',
          crossVenues: [{ venue: 'kraken', symbol: 'BTC/USD' }],
        }),
    ).toThrow(/tickSize/);
    expect(
      () =>
        new StateEncoder({
          venue: 'binance',
          symbol: 'BTC/USDT',
          tickSize: 0.01,
          crossVenues: [{ venue: 'kraken' }, { venue: 'kraken' }],
        }),
    ).toThrow(/each venue once/);
  });
});

describe('StateEncoder features', () => {
  it('masks every market feature before any input, and keeps the agent state', () => {
    const encoder = new StateEncoder({ venue: 'binance', symbol: 'BTC/USDT' });
    const v = encoder.encode(0, { positionFraction: 0.25, cashFraction: 0.75 });
    const F = encoder.features.length;
    for (let i = 0; i < F - 2; i++) {
      expect(v[i], encoder.features[i]?.name).toBe(0);
      expect(v[F + i], encoder.features[i]?.name).toBe(0);
    }
    expect(feature(encoder, v, 'position_fraction')).toBe(0.25);
    expect(feature(encoder, v, 'cash_fraction')).toBe(0.75);
  });

  it('computes the book features from the current book (hand-computed)', () => {
    const encoder = new StateEncoder({ venue: 'binance', symbol: 'BTC/USDT' });
    encoder.onEvent(snapshot(1 * S, [lv(100, 3), lv(99, 1)], [lv(101, 1), lv(102, 5)]));
    const v = encoder.encode(1 * S, flat);
    expect(feature(encoder, v, 'obi_1')).toBe(0.5); // (3 - 1) / 4
    expect(feature(encoder, v, 'obi_5')).toBeCloseTo(-0.2, 7); // (4 - 6) / 10
    expect(feature(encoder, v, 'obi_10')).toBeCloseTo(-0.2, 7);
    // microprice (100·1 + 101·3) / 4 = 100.75, mid 100.5
    expect(feature(encoder, v, 'microprice_mid_bps')).toBeCloseTo((1e4 * 0.25) / 100.5, 4);
    expect(feature(encoder, v, 'spread_bps')).toBeCloseTo(1e4 / 100.5, 3);
    // No trades yet: flow and VWAP masked.
    expect(feature(encoder, v, 'tfi_1s')).toBeNull();
    expect(feature(encoder, v, 'vwap_dev_60s_bps')).toBeNull();
    // Events of other instruments change nothing.
    encoder.onEvent(snapshot(2 * S, [lv(50, 1)], [lv(51, 9)], 'binance', 'ETH/USDT'));
    expect(feature(encoder, encoder.encode(2 * S, flat), 'obi_1')).toBe(0.5);
  });

  it('counts trade flow over 1, 10 and 60 s windows of localTs (t0 − w, t0]', () => {
    const encoder = new StateEncoder({ venue: 'binance', symbol: 'BTC/USDT' });
    encoder.onEvent(snapshot(0, [lv(100, 3)], [lv(101, 1)]));
    encoder.onEvent(trade(0.5 * S, 101, 3, 'buy'));
    encoder.onEvent(trade(5 * S, 100, 1, 'sell'));
    let v = encoder.encode(5.2 * S, flat);
    expect(feature(encoder, v, 'tfi_1s')).toBe(-1);
    expect(feature(encoder, v, 'tfi_10s')).toBe(0.5);
    expect(feature(encoder, v, 'tfi_60s')).toBe(0.5);
    // VWAP (101·3 + 100·1) / 4 = 100.75; mid 100.5
    expect(feature(encoder, v, 'vwap_dev_60s_bps')).toBeCloseTo((1e4 * (100.5 - 100.75)) / 100.75, 3);
    v = encoder.encode(10.5 * S, flat); // the buy at 0.5 s is exactly 10 s old: out of the window
    expect(feature(encoder, v, 'tfi_1s')).toBeNull();
    expect(feature(encoder, v, 'tfi_10s')).toBe(-1);
    v = encoder.encode(70 * S, flat);
    expect(feature(encoder, v, 'tfi_60s')).toBeNull();
    expect(feature(encoder, v, 'vwap_dev_60s_bps')).toBeNull();
  });

  it('gives realised volatility in bps once the book was watched a whole window', () => {
    const encoder = new StateEncoder({ venue: 'binance', symbol: 'BTC/USDT' });
    encoder.onEvent(snapshot(0, [lv(100, 1)], [lv(102, 1)])); // mid 101
    encoder.onEvent(delta(4 * S, [lv(100, 0), lv(101, 1)], [lv(102, 0), lv(103, 1)])); // mid 102
    encoder.onEvent(delta(8 * S, [], [lv(102, 2), lv(103, 0)])); // mid 101.5
    let v = encoder.encode(9 * S, flat);
    expect(feature(encoder, v, 'rvol_10s_bps')).toBeNull();
    v = encoder.encode(10 * S, flat);
    const expected = 1e4 * Math.sqrt(Math.log(102 / 101) ** 2 + Math.log(101.5 / 102) ** 2);
    expect(feature(encoder, v, 'rvol_10s_bps')).toBeCloseTo(expected, 3);
    expect(feature(encoder, v, 'rvol_60s_bps')).toBeNull();
    v = encoder.encode(14.5 * S, flat); // the return at 4 s left the 10 s window
    expect(feature(encoder, v, 'rvol_10s_bps')).toBeCloseTo(1e4 * Math.abs(Math.log(101.5 / 102)), 3);
  });

  it('estimates the share of the touch queue ahead of a hypothetical order (risk-averse model)', () => {
    const encoder = new StateEncoder({ venue: 'binance', symbol: 'BTC/USDT' });
    encoder.onEvent(snapshot(0, [lv(100, 10)], [lv(101, 4)]));
    expect(feature(encoder, encoder.encode(0, flat), 'queue_ahead_bid')).toBe(1);
    encoder.onEvent(trade(1 * S, 100, 4, 'sell')); // consumes 4 of the 10 ahead
    encoder.onEvent(delta(1 * S, [lv(100, 6)], []));
    expect(feature(encoder, encoder.encode(1 * S, flat), 'queue_ahead_bid')).toBe(1); // 6 ahead of 6
    encoder.onEvent(delta(2 * S, [lv(100, 9)], [])); // 3 lots join behind us
    expect(feature(encoder, encoder.encode(2 * S, flat), 'queue_ahead_bid')).toBeCloseTo(6 / 9, 6);
    encoder.onEvent(delta(3 * S, [lv(100, 5)], [])); // a cancel: assumed behind us, ahead drops to the level
    expect(feature(encoder, encoder.encode(3 * S, flat), 'queue_ahead_bid')).toBe(1);
    encoder.onEvent(trade(4 * S, 100, 2, 'sell'));
    expect(feature(encoder, encoder.encode(4 * S, flat), 'queue_ahead_bid')).toBeCloseTo(3 / 5, 6);
    encoder.onEvent(delta(5 * S, [lv(100, 5)], [lv(101, 4)]));
    encoder.onEvent(trade(6 * S, 101, 1, 'buy'));
    expect(feature(encoder, encoder.encode(6 * S, flat), 'queue_ahead_ask')).toBeCloseTo(3 / 4, 6);
    encoder.onEvent(delta(7 * S, [lv(100, 0), lv(99, 7)], [])); // the touch moves: a new order joins 99
    expect(feature(encoder, encoder.encode(7 * S, flat), 'queue_ahead_bid')).toBe(1);
  });

  it('compares mids across venues in quote currency, and masks venues without the asset', () => {
    const encoder = new StateEncoder({
      venue: 'binance',
      symbol: 'BTC/USDT',
      tickSize: 0.01,
      crossVenues: [{ venue: 'kraken', symbol: 'BTC/USD', tickSize: 0.1 }, { venue: 'kucoin' }],
    });
    encoder.onEvent(snapshot(0, [lv(6_000_000, 1)], [lv(6_000_002, 1)])); // mid 60000.01
    let v = encoder.encode(0, flat);
    expect(feature(encoder, v, 'xvenue_kraken_bps')).toBeNull();
    encoder.onEvent(snapshot(1, [lv(600_060, 1)], [lv(600_062, 1)], 'kraken', 'BTC/USD')); // mid 60006.1
    v = encoder.encode(1, flat);
    expect(feature(encoder, v, 'xvenue_kraken_bps')).toBeCloseTo((1e4 * (60006.1 - 60000.01)) / 60000.01, 3);
    expect(feature(encoder, v, 'xvenue_kucoin_bps')).toBeNull();
  });

  it('masks the book features from a gap until the next snapshot', () => {
    const encoder = new StateEncoder({ venue: 'binance', symbol: 'BTC/USDT' });
    encoder.onEvent(snapshot(0, [lv(100, 3)], [lv(101, 1)]));
    encoder.onEvent({ kind: 'gap_detected', venue: 'binance', symbol: 'BTC/USDT', exchTs: 1, localTs: 1, reason: 'x' });
    encoder.onEvent(delta(2, [lv(100, 9)], [])); // ignored until resynced
    let v = encoder.encode(2, flat);
    expect(feature(encoder, v, 'spread_bps')).toBeNull();
    expect(feature(encoder, v, 'obi_1')).toBeNull();
    encoder.onEvent(snapshot(3, [lv(100, 1)], [lv(101, 1)]));
    v = encoder.encode(3, flat);
    expect(feature(encoder, v, 'obi_1')).toBe(0);
  });

  it('reads funding only from the configured perpetual', () => {
    const funding = (venue: string, rate: string): MarketEvent => ({
      kind: 'funding_rate',
      venue,
      symbol: 'BTC/USDT:USDT',
      exchTs: 1,
      localTs: 1,
      rate,
      fundingTs: 2,
    });
    const without = new StateEncoder({ venue: 'binance', symbol: 'BTC/USDT' });
    without.onEvent(funding('binanceusdm', '0.0001'));
    expect(feature(without, without.encode(1, flat), 'funding_bps')).toBeNull();
    const encoder = new StateEncoder({
      venue: 'binance',
      symbol: 'BTC/USDT',
      funding: { venue: 'binanceusdm', symbol: 'BTC/USDT:USDT' },
    });
    encoder.onEvent(funding('krakenfutures', '0.0005'));
    expect(feature(encoder, encoder.encode(1, flat), 'funding_bps')).toBeNull();
    encoder.onEvent(funding('binanceusdm', '0.0001'));
    expect(feature(encoder, encoder.encode(1, flat), 'funding_bps')).toBeCloseTo(1, 6);
  });
});

describe('StateEncoder causality', () => {
  it('refuses to encode before an event it already applied', () => {
    const encoder = new StateEncoder({ venue: 'binance', symbol: 'BTC/USDT' });
    encoder.onEvent(trade(2 * S, 100, 1, 'buy'));
    expect(() => encoder.encode(1 * S, flat)).toThrow(EncodeTimeError);
    encoder.encode(3 * S, flat);
    expect(() => encoder.encode(2.5 * S, flat)).toThrow(EncodeTimeError);
  });

  it('applies a late event as if received at the encoder time, and counts it', () => {
    const encoder = new StateEncoder({ venue: 'binance', symbol: 'BTC/USDT' });
    encoder.encode(5 * S, flat);
    encoder.onEvent(trade(4 * S, 100, 1, 'buy'));
    expect(encoder.lateEvents).toBe(1);
    // In the 1 s window at 5.9 s only because it counts as received at 5 s.
    expect(feature(encoder, encoder.encode(5.9 * S, flat), 'tfi_1s')).toBe(1);
  });

  it('writes into the caller buffer and checks its length', () => {
    const encoder = new StateEncoder({ venue: 'binance', symbol: 'BTC/USDT' });
    const out = new Float32Array(encoder.dimension);
    expect(encoder.encode(0, flat, out)).toBe(out);
    expect(() => encoder.encode(0, flat, new Float32Array(3))).toThrow(RlOptionError);
  });
});
