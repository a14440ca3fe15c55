/**
 * The common shape every recording reader yields: one raw frame exactly as the venue sent it
 * (or as we sent it), stamped with when it was seen locally.
 *
 * @module
 */

/** What a raw frame is. */
export const RawFrameKind = {
  /** A WebSocket message received from the venue. */
  Recv: 'recv',
  /** A WebSocket message we sent (subscribe, ping). */
  Send: 'send',
  /** A REST response body; `url` is the request URL. */
  Http: 'http',
  /** A WebSocket connection opened to `url`. */
  Connect: 'connect',
  /** A WebSocket connection closed; `data` is the reason. */
  Disconnect: 'disconnect',
} as const;
export type RawFrameKind = (typeof RawFrameKind)[keyof typeof RawFrameKind];

/** Every kind, in a stable order (reports, validation). */
export const RAW_FRAME_KINDS: readonly RawFrameKind[] = Object.values(RawFrameKind);

/** One recorded frame, before any parsing. */
export interface RawFrame {
  /** When the frame was received (or sent), microseconds since the Unix epoch. */
  readonly localTs: number;
  readonly kind: RawFrameKind;
  /** Connection id as the recorder named it (e.g. `KUCOIN.ws.1`), when the format has one. */
  readonly connId?: string;
  /** Request URL (`http`) or endpoint (`connect`, and `send`/`recv` when recorded). */
  readonly url?: string;
  /** The exact frame text or HTTP body. */
  readonly data: string;
}

/** Recording formats the readers understand. */
export const RecordingFormat = {
  Cryptofeed: 'cryptofeed',
  Hftbacktest: 'hftbacktest',
  Cbcap: 'cbcap',
  Tickerml: 'tickerml',
} as const;
export type RecordingFormat = (typeof RecordingFormat)[keyof typeof RecordingFormat];

/** What a recording's header (or its first frames) says about it. */
export interface RecordingInfo {
  readonly format: RecordingFormat;
  /** Venue id (`binance`, `kraken`, `kucoin`, ...) when the file names it or its content shows it. */
  readonly venue?: string;
  /** Symbol named by the header (crossbook captures name one), venue spelling. */
  readonly symbol?: string;
  /** Whether the file is gzip-compressed. */
  readonly compressed: boolean;
}

/** One malformed line or record, kept as a sample for the report. */
export interface MalformedSample {
  /** 1-based line number (record number for `.cbcap`). */
  readonly line: number;
  readonly reason: string;
  /** The first 160 characters of the offending text. */
  readonly sample: string;
}

/** Counters a reader fills while it is iterated. */
export interface ReaderStats {
  /** Frames yielded. */
  frames: number;
  /** Lines or records skipped because they could not be parsed. */
  malformed: number;
  /** Up to {@link MAX_MALFORMED_SAMPLES} examples of what was skipped. */
  readonly malformedSamples: MalformedSample[];
  /** True when the file ended inside a record (a crash mid-write): the partial record was skipped. */
  truncatedTail: boolean;
}

/** How many malformed samples a reader keeps. */
export const MAX_MALFORMED_SAMPLES = 5;

/** Fresh, zeroed counters. */
export function newReaderStats(): ReaderStats {
  return { frames: 0, malformed: 0, malformedSamples: [], truncatedTail: false };
}

/** Counts one malformed line and keeps it as a sample while there is room. */
export function noteMalformed(stats: ReaderStats, line: number, reason: string, text: string): void {
  stats.malformed++;
  if (stats.malformedSamples.length < MAX_MALFORMED_SAMPLES) {
    stats.malformedSamples.push({ line, reason, sample: text.length > 160 ? `${text.slice(0, 160)}…` : text });
  }
}
