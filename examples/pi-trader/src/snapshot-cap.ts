/**
 * The book snapshots the pi-trader puts on its bus, cut to the best levels per side.
 *
 * A venue may send its whole book as one snapshot (Coinbase BTC-USD is ≈ 5 MB of JSON), which is
 * over Kafka's default 1 MB message limit with `--bus kafka`. The feed keeps the whole book; the
 * bus carries the levels that trading and the dashboard read.
 *
 * @module
 */
import type { Level, MarketEvent } from '@tickerml/core';

/** Levels per side a snapshot keeps on the bus by default (Binance's REST depth). */
export const BUS_SNAPSHOT_LEVELS = 1_000;

function best(levels: readonly Level[], max: number, order: 1 | -1): Level[] {
  return [...levels].sort((x, y) => order * (x.priceTicks - y.priceTicks)).slice(0, max);
}

/**
 * Returns `e` itself unless it is a book snapshot with more than `max` levels on a side; then a
 * copy holding the best `max` bids (highest) and asks (lowest).
 */
export function capSnapshot(e: MarketEvent, max: number = BUS_SNAPSHOT_LEVELS): MarketEvent {
  if (e.kind !== 'book_snapshot' || (e.bids.length <= max && e.asks.length <= max)) return e;
  return { ...e, bids: best(e.bids, max, -1), asks: best(e.asks, max, 1) };
}
