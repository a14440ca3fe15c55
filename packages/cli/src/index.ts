/**
 * @packageDocumentation
 * The tickerml command-line tool.
 */
export { main, USAGE } from './bin.js';
export { type CommandIo, PostgresBackendMissingError } from './commands/migrate.js';
export {
  type FaultRow,
  formatReplayReport,
  REPLAY_USAGE,
  type ReplayArgs,
  type ReplayReport,
  replayCommand,
  runReplay,
  type SymbolReport,
  trimDecimal,
} from './commands/replay.js';
