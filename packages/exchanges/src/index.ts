/**
 * @packageDocumentation
 * Venue adapters (Binance.US, Coinbase, Kraken, KuCoin), recorders, recording readers, recordings
 * read as normalized events (`readEvents`) and, under `./testkit`, a fault-injecting replay kit.
 */

export { SyncBook } from './common/book.js';
export { crc32Ascii, krakenChecksum } from './common/crc32.js';
// Venue adapters: shared pieces, connections, metadata (issue 4, adapters).
export { DecimalGrid, decimalPlaces, formatScaled, scaledOrNaN } from './common/decimal.js';
export {
  AdapterConfigError,
  DecimalConversionError,
  ExchangeBaseError,
  InstrumentsUnavailableError,
  MalformedFrameError,
  OptionalDependencyMissingError,
  UnknownSymbolError,
  VenueHttpError,
} from './common/errors.js';
export {
  type EventSink,
  emptyStats,
  type FeedStats,
  type HandlerHooks,
  MalformedLog,
  type ResyncMethod,
  type VenueHandler,
} from './common/feed.js';
export { FundingHandlerBase, type SymbolMap } from './common/funding.js';
export { type FeedLogger, redact, redactUrl, silentLogger } from './common/logger.js';
export { SequencedBookSync, type SequencedDiff, type SequencedSyncOptions } from './common/sequenced-sync.js';
export { type BackoffOptions, backoffDelayMs } from './connection/backoff.js';
export { type ConnectionOptions, type ConnectionState, ManagedConnection } from './connection/connection.js';
export {
  defaultHttpGet,
  type Feed,
  FeedClient,
  type FeedClientOptions,
  FeedGroup,
  type HttpGet,
} from './connection/feed-client.js';
export { PacedSender } from './connection/paced-sender.js';
export { type DirectReplayResult, replayDirect } from './contract/direct.js';
export { type CcxtFundingLike, type FundingHistoryOptions, fetchFundingHistory } from './metadata/funding-history.js';
export {
  type CcxtLike,
  cachePath,
  gridFor,
  type InstrumentInfo,
  instrumentsFromCcxt,
  type LoadedInstruments,
  type LoadInstrumentsOptions,
  loadInstruments,
} from './metadata/instruments.js';
export type { RecordingSource } from './readers/bytes.js';
export * from './readers/errors.js';
export { detectFormat, type OpenRecordingOptions, openRecording, type Recording } from './readers/open.js';
// Recording readers (cryptofeed, hftbacktest, crossbook .cbcap, TickerML) and the recorder.
export * from './readers/raw-frame.js';
export { type RecordingFeedOptions, recordingFeed } from './recording/feed.js';
export {
  encodeFrame,
  RECORDING_EXTENSION,
  Recorder,
  type RecorderClock,
  type RecorderOptions,
  utcDay,
} from './recording/recorder.js';
export { loadFrames } from './replay/load.js';
export {
  detectVenue,
  type EventRecording,
  eventsFromFrames,
  InstrumentSource,
  type LoadedEvents,
  loadEvents,
  openEvents,
  type ReadEventsOptions,
  type RecordedInstrument,
  RecordingVenueError,
  readEvents,
} from './replay/read-events.js';
export {
  BOOK_VENUES,
  type BookVenue,
  canonicalSymbol,
  DEFAULT_FRAME_WINDOW_US,
  feedFrame,
  GridInference,
  type HandlerReplay,
  inferReplaySetup,
  isBookVenue,
  makeHandler,
  type ObservedPlaces,
  type RecordedFilters,
  type ReplaySetup,
  replayIntoHandler,
  replayStreamIntoHandler,
  snapshotSymbolOf,
  windowOrderedFrames,
} from './replay/venues.js';
export { BINANCE_US_URLS, type BinanceUrls } from './venues/binance/common/urls.js';
export { type BinanceUsFeedOptions, binanceUsFeed } from './venues/binance/websocket/client.js';
export { BinanceHandler, type BinanceHandlerOptions } from './venues/binance/websocket/handler.js';
export { BINANCE_USDM_URLS, type BinanceUsdmUrls } from './venues/binanceusdm/common/urls.js';
export {
  binanceUsdmFundingFeed,
  type FundingFeedOptions,
  krakenFuturesFundingFeed,
  kucoinFuturesFundingFeed,
} from './venues/binanceusdm/websocket/client.js';
export { BinanceUsdmFundingHandler } from './venues/binanceusdm/websocket/handler.js';
export { COINBASE_URLS, type CoinbaseUrls } from './venues/coinbase/common/urls.js';
export { type CoinbaseFeedOptions, coinbaseFeed } from './venues/coinbase/websocket/client.js';
export { CoinbaseHandler, type CoinbaseHandlerOptions } from './venues/coinbase/websocket/handler.js';
export { KRAKEN_URLS, type KrakenUrls } from './venues/kraken/common/urls.js';
export { type KrakenFeedOptions, krakenFeed } from './venues/kraken/websocket/client.js';
export { KrakenHandler, type KrakenHandlerOptions } from './venues/kraken/websocket/handler.js';
export { KRAKEN_FUTURES_URLS, type KrakenFuturesUrls } from './venues/krakenfutures/common/urls.js';
export { KrakenFuturesFundingHandler } from './venues/krakenfutures/websocket/handler.js';
export { KUCOIN_URLS, type KucoinUrls } from './venues/kucoin/common/urls.js';
export { type KucoinFeedOptions, kucoinFeed } from './venues/kucoin/websocket/client.js';
export {
  KUCOIN_BOOK_HALF_WIDTH_TICKS,
  KucoinHandler,
  type KucoinHandlerOptions,
} from './venues/kucoin/websocket/handler.js';
export { KUCOIN_FUTURES_URLS, type KucoinFuturesUrls } from './venues/kucoinfutures/common/urls.js';
export { KucoinFuturesFundingHandler } from './venues/kucoinfutures/websocket/handler.js';
