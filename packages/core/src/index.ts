/**
 * @packageDocumentation
 * Types, fixed-point units, money, clocks, events, the event bus, replay merge, config, errors, logging and metrics for TickerML.
 */
export {
  Delivery,
  type EventBus,
  InProcessBus,
  type InProcessBusOptions,
  type MessageHandler,
  type MessageMeta,
  OverflowPolicy,
  type PublishOptions,
  type SubscribeOptions,
  type Subscription,
} from './bus.js';
export {
  type Clock,
  defaultTimerProvider,
  LiveClock,
  type LiveClockOptions,
  TestClock,
  type TimerEvent,
  TimerEventKind,
  type TimerHandler,
  type TimerProvider,
} from './clock.js';
export {
  type AppConfig,
  type CamelCase,
  type Camelize,
  type ConfigSection,
  defaultConfig,
  type KafkaConfig,
  type LoadConfigOptions,
  loadConfig,
  type ModelConfig,
  type MonitoringConfig,
  parseConfig,
  type RiskLimitsConfig,
  type TickerMLConfig,
} from './config/load.js';
export {
  appConfigSchema,
  CONFIG_FILES,
  kafkaConfigSchema,
  modelConfigSchema,
  monitoringConfigSchema,
  rangeNumber,
  riskLimitsSchema,
} from './config/schema.js';
export { formatDuration, InvalidDurationError, parseDuration } from './duration.js';
export {
  BaseError,
  type BaseErrorOptions,
  BusClosedError,
  BusOverflowError,
  ClockBackwardsError,
  ConfigError,
  CurrencyMismatchError,
  ErrorKind,
  InsufficientAmountError,
  InvalidArgumentError,
  InvalidDecimalError,
  InvalidInstrumentError,
  InvalidMetricNameError,
  InvalidTimerError,
  MetricConflictError,
  OutOfOrderError,
  PrecisionError,
  SubscriberFailedError,
  UnknownInstrumentError,
  UnsafeIntegerError,
} from './errors.js';
export {
  AggressorSide,
  type BookDelta,
  type BookEvent,
  type BookSnapshot,
  type ChecksumMismatch,
  type Connected,
  type Disconnected,
  type EventHeader,
  type FeedHealthEvent,
  type FundingRate,
  type GapDetected,
  type L3Event,
  type Level,
  MARKET_EVENT_KINDS,
  type MarketEvent,
  type MarketEventKind,
  type OrderAdded,
  type OrderChanged,
  type OrderRemoved,
  type Resynced,
  Side,
  type TimestampUs,
  type Trade,
  Venue,
  type VenueId,
} from './events.js';
export {
  type CcxtMarketLike,
  canonicalSymbol,
  Instrument,
  InstrumentKind,
  InstrumentRegistry,
  type InstrumentSpec,
  parseSymbol,
  type SymbolParts,
  specFromCcxtMarket,
} from './instrument.js';
export { closeLogger, createLogger, type Logger, type LoggerOptions, LogLevel, REDACTED_KEYS } from './logger.js';
export { type LocalTimestamped, type MergeOptions, mergeByLocalTs, mergeByLocalTsSync } from './merge.js';
export { createMetricsRegistry, MetricKind, type MetricsRegistry, type MetricsRegistryOptions } from './metrics.js';
export { currencyMinorUnits, Money } from './money.js';
export { SeededRandom } from './random.js';
export {
  decimalToUnits,
  formatScaled,
  fromUnits,
  type Increment,
  parseIncrement,
  Rounding,
  toUnits,
  unitsToDecimal,
} from './units.js';
