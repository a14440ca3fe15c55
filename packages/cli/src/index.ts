/**
 * @packageDocumentation
 * The tickerml command-line tool.
 */
export { main, USAGE } from './bin.js';
export { replayCommand, runReplay, formatReplayReport, trimDecimal, REPLAY_USAGE, type ReplayReport, type SymbolReport } from './commands/replay.js';
