/**
 * @packageDocumentation
 * Order books (L2, L3), checksums and streaming microstructure features for TickerML.
 */
export {
  BookState,
  type CrossedReport,
  type L2BookLike,
  type L2BookView,
  type LevelVisitor,
  NO_ASK_TICKS,
  NO_BID_TICKS,
  NO_PRICE_TICKS,
} from './book.js';
export {
  type ChecksumScheme,
  crc32,
  decimalUnitsPerStep,
  KrakenChecksum,
  type KrakenChecksumOptions,
} from './checksum.js';
export {
  CrossedBookError,
  DuplicateOrderError,
  InvalidLevelError,
  InvalidOptionError,
  InvalidSideError,
  MicrostructureError,
  UnknownOrderError,
} from './errors.js';
export {
  DepthImbalance,
  DepthWeighting,
  depthImbalanceBatch,
  micropriceTicks,
  midTicks,
  spreadBps,
  spreadTicks,
  type TopOfBookBatch,
  TopOfBookFeatures,
  type TopOfBookSeries,
  type TopOfBookValues,
  topImbalance,
  topOfBookBatch,
} from './features/book-features.js';
export {
  type ArbitrageCallback,
  type ArbitrageOpportunity,
  type CrossVenueQuoteSeries,
  CrossVenueSpread,
  crossVenueSpreadBatch,
  netCrossSpreadBps,
  type VenueQuoteSpec,
} from './features/cross-venue.js';
export { type OhlcvBar, OhlcvBarBuilder, ohlcvBatch } from './features/ohlcv.js';
export { QueueEventKind, QueuePositionEstimate, queuePositionBatch } from './features/queue-position.js';
export {
  RealizedVolatility,
  RollingVwap,
  realizedVolatilityBatch,
  rollingVwapBatch,
  TradeFlowImbalance,
  tradeFlowImbalanceBatch,
  vwapDeviationBps,
} from './features/windows.js';
export { L2Book, type L2BookOptions } from './l2-book.js';
export { L3Book, type L3EventInput, type L3PriorityRules, type RestingOrder } from './l3-book.js';
export { SortedL2Book, type SortedL2BookOptions } from './sorted-l2-book.js';
export type { AggressorInput, BookSide, LevelInput, LevelsInput } from './types.js';
