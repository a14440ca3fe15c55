/**
 * @packageDocumentation
 * Simulated venues with queue, latency, fee and impact models, an exact portfolio ledger and the
 * backtest engine for TickerML.
 */
export { BookSide, NO_ASK, NO_BID, VenueBook } from './book.js';
export { type FeeModel, type FeeRates, InvalidFeeConfigError, makerTakerFees, tieredFeeModel } from './fees.js';
export { type InstrumentSpec, InvalidInstrumentSpecError, TradableInstrument } from './instrument.js';
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
export { atomsToDecimal, atomsToMoney, decimalToAtoms, divRoundHalfEven, InvalidAmountError, MONEY_SCALE, mulRate, parseRate, type Rate } from './money.js';
export {
  InvalidOrderTransitionError,
  isFinalStatus,
  Liquidity,
  OrderSide,
  OrderStatus,
  type OrderRequest,
  type OrderTransition,
  OrderType,
  RejectReason,
  SimOrder,
} from './orders.js';
export { type EquityPoint, type Fill, type OpeningPosition, Portfolio, type Position, UnknownAccountError } from './portfolio.js';
export { l3FifoQueue, logProbQueue, powerProbQueue, type QueueModel, QueueModelKind, riskAverseQueue } from './queue.js';
export {
  DEFAULT_TOXIC_QUEUE_POSITION,
  type ImpactConfig,
  IncompleteVenueConfigError,
  MARKOUT_HORIZONS_US,
  SimulatedVenue,
  SimulatedVenueBuilder,
  type SimulatedVenueConfig,
  VenueInstrumentError,
  type VenueListener,
} from './venue.js';
