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
