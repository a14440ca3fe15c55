/**
 * The real Binance BTCUSDT recording (hftbacktest sample, 346 s of 2024-08-08, Apache-2.0; see
 * packages/exchanges/test/fixtures/binance) turned into normalized events by the venue's real
 * handler (the direct path of the exchanges replay kit).
 */
import { fileURLToPath } from 'node:url';
import type { MarketEvent } from '@tickerml/core';
import { DecimalGrid, inferReplaySetup, loadFrames, replayIntoHandler } from '@tickerml/exchanges';
import type { InstrumentSpec } from '@tickerml/execution';

export const BINANCE_RECORDING = fileURLToPath(
  new URL('../../exchanges/test/fixtures/binance/hftbacktest_spot_btcusdt_20240808.gz', import.meta.url),
);

/** Binance BTCUSDT: 0.01 USDT ticks; lots of 0.00000001 BTC, the precision its book reports (the order step, 0.00001, is coarser: book sizes would not fit it). */
export const BTCUSDT: InstrumentSpec = {
  venue: 'binance',
  symbol: 'BTC/USDT',
  base: 'BTC',
  quote: 'USDT',
  tickSize: '0.01',
  lotSize: '0.00000001',
  minNotional: '5',
};

let cached: MarketEvent[] | undefined;

/** Every event of the recording, in the order the handler emits them (one, from its pre-snapshot buffer, is stamped earlier than the one before). */
export async function binanceEvents(): Promise<MarketEvent[]> {
  if (cached !== undefined) return cached;
  const { frames } = await loadFrames(BINANCE_RECORDING);
  // Events on the same grid the simulated venue trades on.
  const setup = {
    ...inferReplaySetup('binance', frames),
    grids: [new DecimalGrid('BTC/USDT', BTCUSDT.tickSize, BTCUSDT.lotSize)],
  };
  const events: MarketEvent[] = [];
  replayIntoHandler(setup, frames, (e) => events.push(e));
  cached = events;
  return events;
}
