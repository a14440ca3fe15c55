/**
 * Loading a whole recording into memory for the replay server.
 *
 * @module
 */

import type { RecordingSource } from '../readers/bytes.js';
import { type OpenRecordingOptions, openRecording, type Recording } from '../readers/open.js';
import type { RawFrame } from '../readers/raw-frame.js';

/**
 * Reads every frame of a recording (any supported format).
 * @returns the frames and the opened recording (its `info` and `stats`).
 * @throws the errors of {@link openRecording} and of iterating its frames.
 * @example
 * ```ts
 * const { frames, recording } = await loadFrames('test/fixtures/kucoin/cryptofeed_KUCOIN.jsonl.gz');
 * const server = await ReplayServer.start({ frames });
 * ```
 */
export async function loadFrames(
  source: RecordingSource,
  options: OpenRecordingOptions = {},
): Promise<{ frames: RawFrame[]; recording: Recording }> {
  const recording = await openRecording(source, options);
  const frames: RawFrame[] = [];
  for await (const frame of recording.frames()) frames.push(frame);
  return { frames, recording };
}
