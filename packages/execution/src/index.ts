/**
 * @packageDocumentation
 * Simulated venues with queue, latency, fee and impact models, an exact portfolio ledger and the
 * backtest engine for TickerML.
 */

export {
  BacktestConfigError,
  type BacktestRun,
  type BacktestSettings,
  buildVenues,
  DEFAULT_FEES,
  type ExecutionFile,
  executionSchema,
  type FeeSetting,
  type LatencySetting,
  loadExecutionFile,
  parseExecutionFile,
  type QueueSetting,
  runBacktest,
  type VenueSettings,
  venueSettingsFromFile,
} from './backtest.js';
export { BookSide, NO_ASK, NO_BID, VenueBook } from './book.js';
export { type FeeModel, type FeeRates, InvalidFeeConfigError, makerTakerFees, tieredFeeModel } from './fees.js';
export { type InstrumentSpec, InvalidInstrumentSpecError, TradableInstrument } from './instrument.js';
export {
  type CancelReject,
  type DrivableClock,
  DuplicateVenueError,
  Engine,
  EngineError,
  type EngineOptions,
  InvalidTimerRequestError,
  type OrderUpdate,
  type OrderView,
  type Strategy,
  type StrategyContext,
  type TimerFired,
  UnknownVenueError,
} from './kernel.js';
export {
  constantLatency,
  DEFAULT_LATENCY_MS,
  InvalidLatencyConfigError,
  interpolatedLatency,
  type LatencyModel,
  type LatencyRange,
  type LatencySample,
  rangeLatency,
} from './latency.js';
export {
  atomsToDecimal,
  atomsToMoney,
  decimalToAtoms,
  divRoundHalfEven,
  InvalidAmountError,
  MONEY_SCALE,
  mulRate,
  parseRate,
  type Rate,
} from './money.js';
export {
  InvalidOrderTransitionError,
  isFinalStatus,
  Liquidity,
  type OrderEdge,
  type OrderRequest,
  OrderSide,
  OrderStatus,
  type OrderTransition,
  OrderType,
  RejectReason,
  SimOrder,
} from './orders.js';
export {
  type EquityPoint,
  type Fill,
  InvalidPortfolioOptionError,
  type OpeningPosition,
  Portfolio,
  type PortfolioOptions,
  type PortfolioView,
  type Position,
  type PositionView,
  UnknownAccountError,
} from './portfolio.js';
export {
  l3FifoQueue,
  logProbQueue,
  powerProbQueue,
  type QueueModel,
  QueueModelKind,
  riskAverseQueue,
} from './queue.js';
export {
  type BacktestReport,
  buildReport,
  equityToCsv,
  fillsToCsv,
  type MarkoutStats,
  type ReportSummary,
  reportToHtml,
  reportToJson,
} from './report.js';
export {
  type EmergencyStopReport,
  type GateDecision,
  type GateKellyOptions,
  InvalidEdgeError,
  liveEquityAtoms,
  RiskGate,
  type RiskGateOptions,
} from './risk-gate.js';
export { bookImbalance, hasTouch } from './strategies/common.js';
export {
  type ArbitrageStats,
  arbitrageSurvivesCosts,
  type CrossVenueArbitrageOptions,
  crossVenueArbitrage,
} from './strategies/cross-venue-arbitrage.js';
export { type ObiMomentumOptions, obiMomentum } from './strategies/obi-momentum.js';
export {
  BASELINE_STRATEGIES,
  type BaselineMarket,
  type BaselineName,
  createBaseline,
  lotsForNotional,
  UnknownStrategyError,
} from './strategies/registry.js';
export { type TouchMarketMakerOptions, touchMarketMaker } from './strategies/touch-market-maker.js';
export { type VwapReversionOptions, vwapReversion } from './strategies/vwap-reversion.js';
export {
  DEFAULT_TOXIC_QUEUE_POSITION,
  DuplicateOrderIdError,
  type ImpactConfig,
  IncompleteVenueConfigError,
  MARKOUT_HORIZONS_US,
  SimulatedVenue,
  SimulatedVenueBuilder,
  type SimulatedVenueConfig,
  VenueInstrumentError,
  type VenueListener,
} from './venue.js';
