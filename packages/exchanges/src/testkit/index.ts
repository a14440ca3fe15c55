/**
 * `@tickerml/exchanges/testkit`: a loopback venue that replays recordings to real adapters and
 * injects faults. Adapters point at it through their URL configuration only. Reading a
 * recording as events (`readEvents`, `loadFrames`, `inferReplaySetup`, …) is production API in
 * `@tickerml/exchanges` itself.
 *
 * @packageDocumentation
 */

export { BookState, krakenChecksumOfText, type Level as TextLevel } from './book-state.js';
export {
  type Detection,
  DetectionKind,
  DetectionLog,
  detectionsAccepted,
  type FaultMatch,
  type MatchOptions,
  matchFaults,
} from './detection.js';
export {
  FaultKind,
  type FaultPlanSpec,
  type InjectedFault,
  InvalidFaultSpecError,
  parseFaultSpec,
  planFaults,
  StreamingFaultPlan,
} from './faults.js';
export {
  ReplayTimeoutError,
  replayThroughServer,
  type ThroughServerOptions,
  type ThroughServerResult,
} from './live.js';
export { answerClient, type ClientRequest, corruptFrame, FrameRole, frameRole } from './protocol.js';
export {
  type ReplayPace,
  ReplayServer,
  ReplayServerError,
  type ReplayServerOptions,
  type ServedRequest,
} from './server.js';
