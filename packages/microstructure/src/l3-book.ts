/**
 * Level-3 (order-by-order) book with FIFO priority per price level.
 *
 * @module
 */

import { checkPrice, checkQty, type L2BookView } from './book.js';
import {
  DuplicateOrderError,
  InvalidLevelError,
  InvalidOptionError,
  InvalidSideError,
  UnknownOrderError,
} from './errors.js';
import { L2Book } from './l2-book.js';
import type { BookSide } from './types.js';

/** How a venue treats time priority when a resting order changes. */
export interface L3PriorityRules {
  /**
   * Whether a size increase sends the order to the back of its level. A size decrease always keeps
   * priority and a price change always loses it. Defaults to `true` (Coinbase, Binance, Kraken
   * all requeue an increased order).
   */
  readonly sizeIncreaseLosesPriority?: boolean;
}

/** A resting order as the book holds it (read-only view; do not keep it after the order leaves). */
export interface RestingOrder {
  readonly orderId: string;
  readonly side: BookSide;
  readonly priceTicks: number;
  readonly qtyLots: number;
}

/** The L3 events this book applies: core's `OrderAdded`, `OrderChanged` and `OrderRemoved`. */
export type L3EventInput =
  | {
      readonly kind: 'order_added';
      readonly orderId: string;
      readonly side: BookSide;
      readonly priceTicks: number;
      readonly qtyLots: number;
    }
  | {
      readonly kind: 'order_changed';
      readonly orderId: string;
      readonly side: BookSide;
      readonly priceTicks: number;
      readonly qtyLots: number;
    }
  | { readonly kind: 'order_removed'; readonly orderId: string; readonly side: BookSide };

class OrderNode implements RestingOrder {
  orderId = '';
  side: BookSide = 'bid';
  priceTicks = 0;
  qtyLots = 0;
  prev: OrderNode | undefined = undefined;
  next: OrderNode | undefined = undefined;
  level: PriceLevel | undefined = undefined;
}

class PriceLevel {
  head: OrderNode | undefined = undefined;
  tail: OrderNode | undefined = undefined;
  qtyLots = 0;
  orders = 0;
}

/**
 * An order-by-order book: each price level is a FIFO queue of orders (oldest first). It keeps an
 * {@link L2Book} aggregation in step with every change, so every L2 query and feature works on
 * it through {@link L3Book.l2}. Order nodes and levels are pooled: steady-state add/change/remove
 * allocates nothing beyond the id map's own bookkeeping.
 *
 * @example
 * ```ts
 * const book = new L3Book();
 * book.add('a', 'bid', 100, 5);
 * book.add('b', 'bid', 100, 3);
 * book.queueAheadLots('b'); // 5
 * book.change('a', 100, 2); // a size decrease keeps priority
 * book.l2.bestBidQty(); // 5
 * ```
 */
export class L3Book {
  private readonly orders = new Map<string, OrderNode>();
  private readonly bidLevels = new Map<number, PriceLevel>();
  private readonly askLevels = new Map<number, PriceLevel>();
  private readonly aggregate = new L2Book();
  private readonly sizeIncreaseLosesPriority: boolean;
  private readonly freeNodes: OrderNode[] = [];
  private readonly freeLevels: PriceLevel[] = [];

  constructor(rules: L3PriorityRules = {}) {
    const rule = rules.sizeIncreaseLosesPriority ?? true;
    if (typeof rule !== 'boolean') throw new InvalidOptionError('sizeIncreaseLosesPriority', 'a boolean', rule);
    this.sizeIncreaseLosesPriority = rule;
  }

  /** The L2 aggregation (lots per price), always equal to the sum of the resting orders. */
  get l2(): L2BookView {
    return this.aggregate;
  }

  /** Number of resting orders. */
  get orderCount(): number {
    return this.orders.size;
  }

  /**
   * Adds a resting order at the back of its price level.
   *
   * @throws {DuplicateOrderError} when `orderId` is already resting.
   * @throws {InvalidLevelError} when the price or quantity is not a safe integer, or the quantity is 0.
   * @throws {InvalidSideError} on a side other than `'bid'`/`'ask'`.
   */
  add(orderId: string, side: BookSide, priceTicks: number, qtyLots: number): void {
    if (side !== 'bid' && side !== 'ask') throw new InvalidSideError(side);
    checkPrice(priceTicks);
    checkQty(qtyLots);
    if (qtyLots === 0) throw new InvalidLevelError('qtyLots of a new order', 0, 'at least 1 lot');
    if (this.orders.has(orderId)) throw new DuplicateOrderError(orderId);
    const node = this.freeNodes.pop() ?? new OrderNode();
    node.orderId = orderId;
    node.side = side;
    node.priceTicks = priceTicks;
    node.qtyLots = qtyLots;
    this.orders.set(orderId, node);
    this.enqueue(node);
  }

  /**
   * Changes a resting order's price and/or size. A size decrease at the same price keeps its
   * place; a price change, or a size increase when the rules say so, sends it to the back of its
   * (new) level. A size of 0 removes it.
   *
   * @throws {UnknownOrderError} when `orderId` is not resting.
   * @throws {InvalidLevelError} on a bad price or quantity.
   */
  change(orderId: string, priceTicks: number, qtyLots: number): void {
    checkPrice(priceTicks);
    checkQty(qtyLots);
    const node = this.orders.get(orderId);
    if (!node) throw new UnknownOrderError(orderId, 'change');
    if (qtyLots === 0) {
      this.remove(orderId);
      return;
    }
    const level = node.level as PriceLevel;
    if (priceTicks === node.priceTicks && (qtyLots <= node.qtyLots || !this.sizeIncreaseLosesPriority)) {
      level.qtyLots += qtyLots - node.qtyLots;
      node.qtyLots = qtyLots;
      this.aggregate.applyLevel(node.side, priceTicks, level.qtyLots);
      return;
    }
    this.dequeue(node);
    node.priceTicks = priceTicks;
    node.qtyLots = qtyLots;
    this.enqueue(node);
  }

  /**
   * Removes a resting order (cancelled or fully filled).
   *
   * @throws {UnknownOrderError} when `orderId` is not resting.
   */
  remove(orderId: string): void {
    const node = this.orders.get(orderId);
    if (!node) throw new UnknownOrderError(orderId, 'remove');
    this.dequeue(node);
    this.orders.delete(orderId);
    node.orderId = '';
    this.freeNodes.push(node);
  }

  /**
   * Applies core's `OrderAdded` / `OrderChanged` / `OrderRemoved`.
   *
   * @throws the errors of {@link L3Book.add}, {@link L3Book.change} and {@link L3Book.remove}.
   */
  apply(event: L3EventInput): void {
    switch (event.kind) {
      case 'order_added':
        this.add(event.orderId, event.side, event.priceTicks, event.qtyLots);
        return;
      case 'order_changed':
        this.change(event.orderId, event.priceTicks, event.qtyLots);
        return;
      case 'order_removed':
        this.remove(event.orderId);
        return;
    }
  }

  /** Removes every order. */
  clear(): void {
    for (const id of [...this.orders.keys()]) this.remove(id);
  }

  /** The resting order with this id, or `undefined`. */
  order(orderId: string): RestingOrder | undefined {
    return this.orders.get(orderId);
  }

  /**
   * Lots resting ahead of the order in its level's FIFO queue (0 at the front). O(orders ahead).
   *
   * @throws {UnknownOrderError} when `orderId` is not resting.
   */
  queueAheadLots(orderId: string): number {
    const node = this.orders.get(orderId);
    if (!node) throw new UnknownOrderError(orderId, 'find the queue position of');
    let ahead = 0;
    for (let n = node.prev; n !== undefined; n = n.prev) ahead += n.qtyLots;
    return ahead;
  }

  /** Visits the orders at a price, front of the queue first; return `false` to stop. */
  forEachOrderAt(
    side: BookSide,
    priceTicks: number,
    visit: (order: RestingOrder, queueIndex: number) => boolean | undefined | void,
  ): void {
    const level = this.levelsOf(side).get(priceTicks);
    let i = 0;
    for (let n = level?.head; n !== undefined; n = n.next, i++) if (visit(n, i) === false) return;
  }

  private levelsOf(side: BookSide): Map<number, PriceLevel> {
    if (side === 'bid') return this.bidLevels;
    if (side === 'ask') return this.askLevels;
    throw new InvalidSideError(side);
  }

  private enqueue(node: OrderNode): void {
    const levels = this.levelsOf(node.side);
    let level = levels.get(node.priceTicks);
    if (!level) {
      level = this.freeLevels.pop() ?? new PriceLevel();
      levels.set(node.priceTicks, level);
    }
    node.level = level;
    node.prev = level.tail;
    node.next = undefined;
    if (level.tail) level.tail.next = node;
    else level.head = node;
    level.tail = node;
    level.qtyLots += node.qtyLots;
    level.orders++;
    this.aggregate.applyLevel(node.side, node.priceTicks, level.qtyLots);
  }

  private dequeue(node: OrderNode): void {
    const level = node.level as PriceLevel;
    if (node.prev) node.prev.next = node.next;
    else level.head = node.next;
    if (node.next) node.next.prev = node.prev;
    else level.tail = node.prev;
    node.prev = undefined;
    node.next = undefined;
    node.level = undefined;
    level.qtyLots -= node.qtyLots;
    level.orders--;
    this.aggregate.applyLevel(node.side, node.priceTicks, level.qtyLots);
    if (level.orders === 0) {
      this.levelsOf(node.side).delete(node.priceTicks);
      level.qtyLots = 0;
      this.freeLevels.push(level);
    }
  }
}
