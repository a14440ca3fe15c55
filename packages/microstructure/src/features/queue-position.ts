/**
 * Queue position estimate for a hypothetical resting limit order on an L2 feed.
 *
 * @module
 */
import { InvalidOptionError } from '../errors.js';
import type { BookSide } from '../types.js';

/**
 * Estimates the quantity ahead (lots) of a hypothetical limit order joining the back of the queue
 * at `priceTicks` on `side`, from L2 data only, conservatively (the "risk-averse" model of
 * hftbacktest): on placement everything resting at the price is ahead; a trade at our price
 * consumes the queue ahead first; a cancellation (the level shrinking without a trade) is assumed
 * to come from behind us, so the quantity ahead only drops to the level's new size if that is
 * smaller; a trade through our price, or the level vanishing, leaves nothing ahead. O(1), no
 * allocation.
 *
 * @example
 * ```ts
 * const q = new QueuePositionEstimate('bid', 100, book.qtyAt('bid', 100));
 * q.onTrade(100, 4);        // a sell aggressor hits 4 lots at 100
 * q.onLevel(100, 10);       // the level now shows 10 lots
 * q.queueAheadLots;         // lots still ahead of us
 * ```
 */
export class QueuePositionEstimate {
  /** Estimated lots ahead of the hypothetical order. */
  queueAheadLots: number;

  /**
   * @param side side of the hypothetical order.
   * @param priceTicks its limit price, ticks.
   * @param levelQtyLots lots resting at that price when it joins (all ahead of it).
   * @throws {InvalidOptionError} on a side other than `'bid'`/`'ask'` or a negative quantity.
   */
  constructor(
    readonly side: BookSide,
    readonly priceTicks: number,
    levelQtyLots: number,
  ) {
    if (side !== 'bid' && side !== 'ask') throw new InvalidOptionError('side', "'bid' or 'ask'", side);
    if (!(levelQtyLots >= 0))
      throw new InvalidOptionError('levelQtyLots', 'a non-negative number of lots', levelQtyLots);
    this.queueAheadLots = levelQtyLots;
  }

  /** A trade of `qtyLots` at `priceTicks` (any aggressor). Returns the lots ahead afterwards. */
  onTrade(priceTicks: number, qtyLots: number): number {
    const through = this.side === 'bid' ? priceTicks < this.priceTicks : priceTicks > this.priceTicks;
    if (through) this.queueAheadLots = 0;
    else if (priceTicks === this.priceTicks) this.queueAheadLots = Math.max(0, this.queueAheadLots - qtyLots);
    return this.queueAheadLots;
  }

  /** The book's level at `priceTicks` on our side now holds `qtyLots` (other prices are ignored). */
  onLevel(priceTicks: number, qtyLots: number): number {
    if (priceTicks === this.priceTicks && qtyLots < this.queueAheadLots) this.queueAheadLots = qtyLots;
    return this.queueAheadLots;
  }
}

/** Event kinds in a {@link queuePositionBatch} series. */
export const QueueEventKind = { Level: 0, Trade: 1 } as const;

/**
 * Batch form of {@link QueuePositionEstimate}: the lots ahead after each event of a series of
 * level updates (kind 0, for our side) and trades (kind 1).
 *
 * @throws {InvalidOptionError} on bad arguments or unequal array lengths.
 * @example
 * ```ts
 * queuePositionBatch('bid', 100, 10, { kind: [1, 0], priceTicks: [100, 100], qtyLots: [4, 3] }); // Float64Array [6, 3]
 * ```
 */
export function queuePositionBatch(
  side: BookSide,
  priceTicks: number,
  levelQtyLots: number,
  events: {
    readonly kind: ArrayLike<number>;
    readonly priceTicks: ArrayLike<number>;
    readonly qtyLots: ArrayLike<number>;
  },
): Float64Array {
  if (side !== 'bid' && side !== 'ask') throw new InvalidOptionError('side', "'bid' or 'ask'", side);
  const n = events.kind.length;
  if (events.priceTicks.length !== n || events.qtyLots.length !== n) {
    throw new InvalidOptionError('events', `arrays of equal length ${n}`, [
      events.priceTicks.length,
      events.qtyLots.length,
    ]);
  }
  const out = new Float64Array(n);
  let ahead = levelQtyLots;
  for (let i = 0; i < n; i++) {
    const p = events.priceTicks[i] as number;
    const q = events.qtyLots[i] as number;
    if (events.kind[i] === QueueEventKind.Trade) {
      if (side === 'bid' ? p < priceTicks : p > priceTicks) ahead = 0;
      else if (p === priceTicks) ahead = Math.max(0, ahead - q);
    } else if (p === priceTicks) {
      ahead = Math.min(ahead, q);
    }
    out[i] = ahead;
  }
  return out;
}
