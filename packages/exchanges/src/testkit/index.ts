/**
 * `@tickerml/exchanges/testkit`: a loopback venue that replays recordings to real adapters and
 * injects faults. Adapters point at it through their URL configuration only.
 *
 * @packageDocumentation
 */
export { ReplayServer, ReplayServerError, type ReplayPace, type ReplayServerOptions, type ReplayTimers, type ServedRequest } from './server.js';
export { FaultKind, InvalidFaultSpecError, parseFaultSpec, planFaults, type FaultPlanSpec, type InjectedFault } from './faults.js';
export { FrameRole, frameRole, answerClient, corruptFrame, type ClientRequest } from './protocol.js';
export { BookState, krakenChecksumOfText } from './book-state.js';
export { loadFrames } from './load.js';
export { inferReplaySetup, makeHandler, replayIntoHandler, snapshotSymbolOf, canonicalSymbol, isBookVenue, BOOK_VENUES, type BookVenue, type ReplaySetup, type HandlerReplay } from './venues.js';
export { replayThroughServer, ReplayTimeoutError, type ThroughServerOptions, type ThroughServerResult } from './live.js';
