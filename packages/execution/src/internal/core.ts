/**
 * The pieces of `@tickerml/core` this package uses, in one place.
 *
 * @module
 */
export type {
  AggressorSide,
  BookDelta,
  BookSnapshot,
  ChecksumMismatch,
  Clock,
  Connected,
  Disconnected,
  EventHeader,
  FundingRate,
  GapDetected,
  Instrument,
  Level,
  MarketEvent,
  OrderAdded,
  OrderChanged,
  OrderRemoved,
  Resynced,
  Side,
  TimestampUs,
  Trade,
  VenueId,
} from '@tickerml/core';
export { BaseError, type BaseErrorOptions, Money, mergeByLocalTsSync, SeededRandom, TestClock } from '@tickerml/core';
