/**
 * @packageDocumentation
 * Paper trading on the live clock: the execution engine driven by live feeds, a risk gate around
 * the strategy, SQLite checkpoints and exact crash recovery.
 */

/** The risk gate moved to `@tickerml/execution` (no storage needed); re-exported here so existing imports keep working. */
export {
  type EmergencyStopReport,
  type GateDecision,
  liveEquityAtoms,
  RiskGate,
  type RiskGateOptions,
} from '@tickerml/execution';
export {
  type AlertChannel,
  type AlertChannelStats,
  type AlertChannelsConfig,
  AlertDeliveryError,
  AlertDispatcher,
  type AlertDispatcherOptions,
  type AlertLogger,
  type AlertRetryOptions,
  alertChannelsFromConfig,
  LogAlertChannel,
  SlackAlertChannel,
  TelegramAlertChannel,
  WebhookAlertChannel,
} from './alerts/channels.js';
export {
  type AlertCondition,
  AlertConfigError,
  AlertEngine,
  type AlertEngineOptions,
  type AlertMessage,
  type AlertRecord,
  AlertSeverity,
  AlertStatus,
  alertText,
} from './alerts/engine.js';
export {
  ALERT_RULES,
  type AlertThresholds,
  BoxAlertRules,
  type BoxObservation,
  type FeedObservation,
  quantile,
} from './alerts/rules.js';
export { CheckpointFormatError, PaperTraderError, RecoveryMismatchError } from './errors.js';
export { AccountFigures, type AccountFiguresOptions, type FiguresState } from './figures.js';
export {
  CHECKPOINT_VERSION,
  type Checkpoint,
  type CheckpointCash,
  type CheckpointOrder,
  type CheckpointPosition,
  type CheckpointRows,
  PaperStore,
} from './store.js';
export { PaperTrader, type PaperTraderOptions, ResumeMode } from './trader.js';
