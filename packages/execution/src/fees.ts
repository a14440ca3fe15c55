/**
 * Fee models: maker and taker rates per venue and tier. A negative rate is a rebate.
 *
 * @module
 */
import { BaseError } from '@tickerml/core';
import { mulRate, parseRate, type Rate } from './money.js';
import type { Liquidity } from './orders.js';

/** Computes the fee of one fill. */
export interface FeeModel {
  /**
   * Fee in quote atoms for a fill of `notionalAtoms` (quote atoms) with the given liquidity;
   * negative for a rebate.
   */
  feeAtoms(notionalAtoms: bigint, liquidity: Liquidity): bigint;
  /** The rate used for `liquidity`, as a decimal string (for reports). */
  rateText(liquidity: Liquidity): string;
}

/**
 * A fee configuration that cannot be used (unknown tier, malformed rate).
 *
 * @example
 * ```ts
 * tieredFeeModel({ vip0: { maker: '0.001', taker: '0.001' } }, 'vip9'); // throws InvalidFeeConfigError
 * ```
 */
export class InvalidFeeConfigError extends BaseError {
  override name = 'InvalidFeeConfigError' as const;
}

/** Maker and taker rates as decimal fractions of notional (`"0.001"` = 10 bp; `"-0.0001"` = 1 bp rebate). */
export interface FeeRates {
  readonly maker: string;
  readonly taker: string;
}

/**
 * A flat maker/taker fee: `fee = notional × rate`, exact to the atom (rounded half to even past
 * 18 decimals).
 *
 * @throws InvalidFeeConfigError when a rate is not a decimal string.
 * @example
 * ```ts
 * const fees = makerTakerFees({ maker: '-0.0001', taker: '0.0004' });
 * fees.feeAtoms(decimalToAtoms('1000'), 'maker'); // −0.1 quote in atoms (a rebate)
 * ```
 */
export function makerTakerFees(rates: FeeRates): FeeModel {
  let maker: Rate;
  let taker: Rate;
  try {
    maker = parseRate(rates.maker);
    taker = parseRate(rates.taker);
  } catch (e) {
    throw new InvalidFeeConfigError(
      `fee rates must be decimal strings, got maker '${rates.maker}', taker '${rates.taker}'`,
      { cause: e },
    );
  }
  return {
    feeAtoms: (notionalAtoms, liquidity) => mulRate(notionalAtoms, liquidity === 'maker' ? maker : taker),
    rateText: (liquidity) => (liquidity === 'maker' ? maker.text : taker.text),
  };
}

/**
 * Picks one tier of a venue's fee schedule.
 *
 * @throws InvalidFeeConfigError when `tier` is not in the schedule.
 * @example
 * ```ts
 * tieredFeeModel({ vip0: { maker: '0.001', taker: '0.001' }, vip1: { maker: '0.0009', taker: '0.001' } }, 'vip1');
 * ```
 */
export function tieredFeeModel(schedule: Readonly<Record<string, FeeRates>>, tier: string): FeeModel {
  const rates = schedule[tier];
  if (rates === undefined)
    throw new InvalidFeeConfigError(
      `fee tier '${tier}' is not in the schedule (known: ${Object.keys(schedule).join(', ')})`,
    );
  return makerTakerFees(rates);
}
