/**
 * @packageDocumentation
 * The tickerml command-line tool.
 */
export { main, USAGE } from './bin.js';
export {
  formatReplayReport,
  REPLAY_USAGE,
  type ReplayReport,
  replayCommand,
  runReplay,
  type SymbolReport,
  trimDecimal,
} from './commands/replay.js';
