/**
 * A file cut short is noticed, whatever the cut: inside a line, or at a line boundary with only
 * the gzip trailer missing. By default the readers return every good frame and say so in their
 * stats; with `partial: 'error'` they throw, naming the file and the last good frame. A line
 * without an end (a forced format on input with no newlines) fails at a bounded length.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { splitLines } from './bytes.js';
import { RecordingLineTooLongError, RecordingTruncatedError } from './errors.js';
import { openRecording } from './open.js';

const HFT = fileURLToPath(new URL('../../test/fixtures/binance/hftbacktest_spot_btcusdt_20240808.gz', import.meta.url));

async function read(source: Uint8Array, partial?: 'accept' | 'error') {
  const rec = await openRecording(source, partial === undefined ? {} : { partial });
  let frames = 0;
  let error: unknown;
  try {
    for await (const _ of rec.frames()) frames++;
  } catch (e) {
    error = e;
  }
  return { rec, frames, error };
}

describe('truncated recordings', () => {
  const whole = readFileSync(HFT);

  it('a complete file is not partial', async () => {
    const { rec, frames, error } = await read(whole, 'error');
    expect(error).toBeUndefined();
    expect(frames).toBe(41_249);
    expect(rec.stats.truncatedTail).toBe(false);
  });

  it('a gzip cut in half: the good frames, marked partial; an error naming the last good frame when asked', async () => {
    const half = whole.subarray(0, whole.length >> 1);
    const accepted = await read(half);
    expect(accepted.error).toBeUndefined();
    expect(accepted.frames).toBeGreaterThan(1_000);
    expect(accepted.frames).toBeLessThan(41_249);
    expect(accepted.rec.stats.truncatedTail).toBe(true);
    const refused = await read(half, 'error');
    expect(refused.frames).toBe(accepted.frames);
    expect(refused.error).toBeInstanceOf(RecordingTruncatedError);
    const e = refused.error as RecordingTruncatedError;
    expect(e.framesBefore).toBe(accepted.frames);
    expect(e.message).toContain(`after ${accepted.frames} good frames`);
    expect(e.message).toMatch(/last good frame at \d{4}-\d\d-\d\dT/);
  });

  it('a gzip whose trailer alone is missing (the cut falls on a line boundary)', async () => {
    const text = '1723161253937085768 {"a":1}\n1723161253937085769 {"b":2}\n';
    const gz = gzipSync(Buffer.from(text));
    expect((await read(gz)).rec.stats.truncatedTail).toBe(false);
    const cut = await read(gz.subarray(0, gz.length - 8), 'error');
    expect(cut.frames).toBe(2);
    expect(cut.error).toBeInstanceOf(RecordingTruncatedError);
  });
});

describe('line length cap', () => {
  it('fails at the cap naming the offset where the line started, without holding more', async () => {
    async function* zeros(): AsyncGenerator<Buffer> {
      yield Buffer.from('ok\n');
      for (;;) yield Buffer.alloc(64 * 1024);
    }
    const lines: string[] = [];
    const run = async () => {
      for await (const batch of splitLines(zeros(), { maxLineBytes: 1024 * 1024 }))
        for (const l of batch) lines.push(l.text);
    };
    await expect(run()).rejects.toThrow(RecordingLineTooLongError);
    await expect(run()).rejects.toThrow(/at byte offset 3/);
    expect(lines[0]).toBe('ok');
  });

  it('a forced line format on input without newlines fails instead of growing', async () => {
    const rec = await openRecording(Buffer.alloc(80 * 1024 * 1024), { format: 'tickerml' });
    const t0 = performance.now();
    await expect(
      (async () => {
        for await (const _ of rec.frames());
      })(),
    ).rejects.toThrow(/line longer than .* at byte offset 0/);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });
});
