/**
 * @packageDocumentation
 * Venue adapters (Binance.US, Coinbase, Kraken, KuCoin), recorders, fixture readers and a fault-injecting replay kit for TickerML.
 */
export {};
// Recording readers (cryptofeed, hftbacktest, crossbook .cbcap, TickerML) and the recorder.
export * from './readers/raw-frame.js';
export * from './readers/errors.js';
export { openRecording, detectFormat, type OpenRecordingOptions, type Recording } from './readers/open.js';
export type { RecordingSource } from './readers/bytes.js';
export { Recorder, encodeFrame, utcDay, RECORDING_EXTENSION, type RecorderClock, type RecorderOptions } from './recording/recorder.js';
export { loadFrames } from './testkit/load.js';
// Venue adapters: shared pieces, connections, metadata (issue 4, adapters).
export { DecimalGrid, decimalPlaces, formatScaled, scaledOrNaN } from './common/decimal.js';
export { ExchangeBaseError, MalformedFrameError, DecimalConversionError, AdapterConfigError, VenueHttpError, InstrumentsUnavailableError, UnknownSymbolError } from './common/errors.js';
export { type FeedClock, type TimerHandle, systemClock, ManualClock, feedClockFrom } from './common/clock.js';
export { type FeedLogger, silentLogger, redact, redactUrl } from './common/logger.js';
export { SyncBook } from './common/book.js';
export { crc32Ascii, krakenChecksum } from './common/crc32.js';
export { type EventSink, type FeedStats, type HandlerHooks, type ResyncMethod, type VenueHandler, emptyStats } from './common/feed.js';
export { SequencedBookSync, type SequencedDiff, type SequencedSyncOptions } from './common/sequenced-sync.js';
export { backoffDelayMs, type BackoffOptions } from './connection/backoff.js';
export { PacedSender } from './connection/paced-sender.js';
export { ManagedConnection, type ConnectionOptions, type ConnectionState } from './connection/connection.js';
export { FeedClient, FeedGroup, defaultHttpGet, type Feed, type FeedClientOptions, type HttpGet } from './connection/feed-client.js';
export { BinanceHandler, type BinanceHandlerOptions } from './venues/binance/websocket/handler.js';
export { binanceUsFeed, type BinanceUsFeedOptions } from './venues/binance/websocket/client.js';
export { BINANCE_US_URLS, type BinanceUrls } from './venues/binance/common/urls.js';
export { KrakenHandler, type KrakenHandlerOptions } from './venues/kraken/websocket/handler.js';
export { krakenFeed, type KrakenFeedOptions } from './venues/kraken/websocket/client.js';
export { KRAKEN_URLS, type KrakenUrls } from './venues/kraken/common/urls.js';
export { CoinbaseHandler, type CoinbaseHandlerOptions } from './venues/coinbase/websocket/handler.js';
export { coinbaseFeed, type CoinbaseFeedOptions } from './venues/coinbase/websocket/client.js';
export { COINBASE_URLS, type CoinbaseUrls } from './venues/coinbase/common/urls.js';
export { KucoinHandler, type KucoinHandlerOptions } from './venues/kucoin/websocket/handler.js';
export { kucoinFeed, type KucoinFeedOptions } from './venues/kucoin/websocket/client.js';
export { KUCOIN_URLS, type KucoinUrls } from './venues/kucoin/common/urls.js';
export { BinanceUsdmFundingHandler } from './venues/binanceusdm/websocket/handler.js';
export { KrakenFuturesFundingHandler } from './venues/krakenfutures/websocket/handler.js';
export { KucoinFuturesFundingHandler } from './venues/kucoinfutures/websocket/handler.js';
export { binanceUsdmFundingFeed, krakenFuturesFundingFeed, kucoinFuturesFundingFeed, type FundingFeedOptions } from './venues/binanceusdm/websocket/client.js';
export { loadInstruments, gridFor, instrumentsFromCcxt, cachePath, type InstrumentInfo, type LoadedInstruments, type LoadInstrumentsOptions } from './metadata/instruments.js';
export { fetchFundingHistory, type FundingHistoryOptions, type CcxtFundingLike } from './metadata/funding-history.js';
export { replayDirect, type DirectReplayResult } from './contract/direct.js';
export { recordingFeed, type RecordingFeedOptions } from './recording/feed.js';
