/**
 * @packageDocumentation
 * Order books (L2, L3), checksums and streaming microstructure features for TickerML.
 */
export {
  BookState,
  NO_ASK_TICKS,
  NO_BID_TICKS,
  NO_PRICE_TICKS,
  type CrossedReport,
  type L2BookLike,
  type L2BookView,
  type LevelVisitor,
} from './book.js';
export { L2Book, type L2BookOptions } from './l2-book.js';
export { SortedL2Book, type SortedL2BookOptions } from './sorted-l2-book.js';
export { L3Book, type L3EventInput, type L3PriorityRules, type RestingOrder } from './l3-book.js';
export { crc32, decimalUnitsPerStep, KrakenChecksum, type ChecksumScheme, type KrakenChecksumOptions } from './checksum.js';
export {
  CrossedBookError,
  DuplicateOrderError,
  InvalidLevelError,
  InvalidOptionError,
  InvalidSideError,
  MicrostructureError,
  OutOfOrderEventError,
  UnknownOrderError,
} from './errors.js';
export type { AggressorInput, BookSide, LevelInput, LevelsInput } from './types.js';
export {
  DepthImbalance,
  depthImbalanceBatch,
  DepthWeighting,
  micropriceTicks,
  midTicks,
  spreadBps,
  spreadTicks,
  TopOfBookFeatures,
  topImbalance,
  topOfBookBatch,
  type TopOfBookBatch,
  type TopOfBookSeries,
  type TopOfBookValues,
} from './features/book-features.js';
export {
  RealizedVolatility,
  realizedVolatilityBatch,
  RollingVwap,
  rollingVwapBatch,
  TradeFlowImbalance,
  tradeFlowImbalanceBatch,
  vwapDeviationBps,
} from './features/windows.js';
export {
  type ArbitrageCallback,
  type ArbitrageOpportunity,
  CrossVenueSpread,
  crossVenueSpreadBatch,
  type CrossVenueQuoteSeries,
  netCrossSpreadBps,
  type VenueQuoteSpec,
} from './features/cross-venue.js';
export { QueueEventKind, QueuePositionEstimate, queuePositionBatch } from './features/queue-position.js';
export { type OhlcvBar, OhlcvBarBuilder, ohlcvBatch } from './features/ohlcv.js';
