/**
 * The baseline strategies by name, sized from a notional, for the CLI and for making offline-RL
 * trajectories.
 *
 * @module
 */

import { BaseError } from '@tickerml/core';
import type { TradableInstrument } from '../instrument.js';
import type { Strategy } from '../kernel.js';
import { decimalToAtoms } from '../money.js';
import { crossVenueArbitrage } from './cross-venue-arbitrage.js';
import { obiMomentum } from './obi-momentum.js';
import { touchMarketMaker } from './touch-market-maker.js';
import { vwapReversion } from './vwap-reversion.js';

/** Names accepted by {@link createBaseline}. */
export const BASELINE_STRATEGIES = ['obi-momentum', 'vwap-reversion', 'market-maker', 'arbitrage'] as const;
export type BaselineName = (typeof BASELINE_STRATEGIES)[number];

/** A market a baseline trades: its instrument and a reference price (ticks) to size orders. */
export interface BaselineMarket {
  readonly instrument: TradableInstrument;
  readonly refPriceTicks: number;
}

/**
 * An unknown strategy name or a market list that does not fit it.
 *
 * @example
 * ```ts
 * createBaseline('arbitrage', [oneMarket], { orderNotional: '1000' }); // throws: needs two markets
 * ```
 */
export class UnknownStrategyError extends BaseError {
  override name = 'UnknownStrategyError' as const;
}

/** Lots worth about `notional` quote at `priceTicks` (at least 1). */
export function lotsForNotional(instrument: TradableInstrument, priceTicks: number, notional: string): number {
  const per = BigInt(priceTicks) * instrument.tickLotAtoms;
  const lots = per === 0n ? 1n : decimalToAtoms(notional) / per;
  return Number(lots > 0n ? lots : 1n);
}

/**
 * Builds a baseline by name: each order is worth about `orderNotional` (quote currency, decimal
 * string) at the reference price; positions are capped at three orders.
 *
 * @throws UnknownStrategyError for an unknown name, or `arbitrage` without two markets.
 * @example
 * ```ts
 * createBaseline('obi-momentum', [{ instrument: btc, refPriceTicks: 6_183_763 }], { orderNotional: '1000' });
 * ```
 */
export function createBaseline(
  name: string,
  markets: readonly BaselineMarket[],
  options: { readonly orderNotional: string },
): Strategy {
  const first = markets[0];
  if (first === undefined)
    throw new UnknownStrategyError(`strategy '${name}' needs at least one market, the data had none`);
  const qty = (m: BaselineMarket) => lotsForNotional(m.instrument, m.refPriceTicks, options.orderNotional);
  const one = { venue: first.instrument.venue, symbol: first.instrument.symbol };
  switch (name) {
    case 'obi-momentum':
      return obiMomentum({ ...one, qtyLots: qty(first), maxPositionLots: 3 * qty(first) });
    case 'vwap-reversion':
      return vwapReversion({ ...one, qtyLots: qty(first), maxPositionLots: 3 * qty(first) });
    case 'market-maker':
      return touchMarketMaker({ ...one, qtyLots: qty(first), maxInventoryLots: 3 * qty(first) });
    case 'arbitrage': {
      const second = markets.find((m) => m.instrument.venue !== first.instrument.venue);
      if (second === undefined)
        throw new UnknownStrategyError(
          `strategy 'arbitrage' needs markets on two venues; the data has only ${first.instrument.venue}`,
        );
      return crossVenueArbitrage({
        legA: one,
        legB: { venue: second.instrument.venue, symbol: second.instrument.symbol },
        qtyLots: Math.min(qty(first), qty(second)),
      });
    }
    default:
      throw new UnknownStrategyError(`unknown strategy '${name}' (known: ${BASELINE_STRATEGIES.join(', ')})`);
  }
}
