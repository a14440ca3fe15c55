import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecorderError } from '../readers/errors.js';
import { openRecording } from '../readers/open.js';
import type { RawFrame } from '../readers/raw-frame.js';
import { Recorder } from './recorder.js';

/** A hand-driven clock: tests move time, nothing sleeps. */
function manualClock(startUs: number) {
  let now = startUs;
  return { nowUs: () => now, advance: (us: number) => (now += us) };
}

async function readAll(path: string) {
  const rec = await openRecording(path);
  const frames: RawFrame[] = [];
  for await (const f of rec.frames()) frames.push(f);
  return { rec, frames };
}

const DAY0 = Date.UTC(2026, 10, 25, 23, 59, 0) * 1000; // 2026-11-25 23:59:00 UTC, in µs

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tmrec-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('Recorder', () => {
  it('round-trips every kind of frame byte for byte, with the localTs it stamped', async () => {
    const clock = manualClock(DAY0);
    const recorder = new Recorder({ dir, venue: 'kraken', clock });
    const awkward = '{"price":63004.90,"qty":0.00005100,"s":"ü \\" \\n ☃"}\n\u2028';
    expect(recorder.connect('ws.1', 'wss://ws.kraken.com/v2')).toBe(DAY0);
    clock.advance(10);
    recorder.send('{"method":"subscribe"}', 'ws.1');
    clock.advance(10);
    const ts = recorder.recv(awkward, 'ws.1');
    recorder.http('https://api.kraken.com/0/public/Depth?pair=XBTUSD', '{"result":{}}', DAY0 + 5);
    recorder.disconnect('ws.1', 'code 1006');
    recorder.close();
    expect(ts).toBe(DAY0 + 20);
    expect(recorder.files).toHaveLength(1);
    expect(recorder.files[0]).toMatch(/kraken-2026-11-25-0\.tmrec\.gz$/);

    const { rec, frames } = await readAll(recorder.files[0] as string);
    expect(rec.info).toEqual({ format: 'tickerml', venue: 'kraken', compressed: true });
    expect(frames).toEqual([
      { localTs: DAY0, kind: 'connect', connId: 'ws.1', url: 'wss://ws.kraken.com/v2', data: '' },
      { localTs: DAY0 + 10, kind: 'send', connId: 'ws.1', data: '{"method":"subscribe"}' },
      { localTs: DAY0 + 20, kind: 'recv', connId: 'ws.1', data: awkward },
      {
        localTs: DAY0 + 5,
        kind: 'http',
        url: 'https://api.kraken.com/0/public/Depth?pair=XBTUSD',
        data: '{"result":{}}',
      },
      { localTs: DAY0 + 20, kind: 'disconnect', connId: 'ws.1', data: 'code 1006' },
    ]);
    expect(rec.stats.malformed).toBe(0);
  });

  it('rotates at UTC midnight and never appends to a file it did not create', async () => {
    const clock = manualClock(DAY0);
    const first = new Recorder({ dir, venue: 'binanceus', clock });
    first.recv('a');
    clock.advance(61_000_000); // 00:00:01 next day
    first.recv('b');
    first.close();
    expect(first.files.map((f) => f.slice(dir.length + 1))).toEqual([
      'binanceus-2026-11-25-0.tmrec.gz',
      'binanceus-2026-11-26-0.tmrec.gz',
    ]);
    const second = new Recorder({ dir, venue: 'binanceus', clock });
    second.recv('c');
    second.close();
    expect(second.files.map((f) => f.slice(dir.length + 1))).toEqual(['binanceus-2026-11-26-1.tmrec.gz']);
    expect((await readAll(first.files[1] as string)).frames.map((f) => f.data)).toEqual(['b']);
  });

  it('flushes on size and age, one gzip member per flush', () => {
    const clock = manualClock(DAY0);
    const recorder = new Recorder({ dir, venue: 'kucoin', clock, flushBytes: 100, flushIntervalUs: 1_000 });
    recorder.recv('x'.repeat(120)); // over 100 bytes: flushed at once
    expect(recorder.flushes).toBe(1);
    recorder.recv('y');
    expect(recorder.flushes).toBe(1);
    clock.advance(1_000);
    recorder.recv('z'); // the buffer's oldest frame is now 1 ms old
    expect(recorder.flushes).toBe(2);
    recorder.close();
  });

  it('survives a crash mid-write: a truncated file still gives every frame of the complete members', async () => {
    const clock = manualClock(DAY0);
    const recorder = new Recorder({ dir, venue: 'coinbase', clock, flushBytes: 2_000 });
    const sent: string[] = [];
    const memberEnds: number[] = [];
    let flushes = 0;
    for (let i = 0; i < 400; i++) {
      clock.advance(1);
      const data = `{"i":${i},"pad":"${'abcdefghij'.repeat((i * 7) % 13)}"}`;
      sent.push(data);
      recorder.recv(data, 'ws.1');
      if (recorder.flushes !== flushes) {
        flushes = recorder.flushes;
        memberEnds.push(i + 1); // frames fully on disk after this flush
      }
    }
    recorder.close();
    const path = recorder.files[0] as string;
    const whole = readFileSync(path);
    expect(recorder.flushes).toBeGreaterThan(5);

    // Cut the file at many points, as a crash mid-write would; also chop the last byte only.
    for (const cut of [whole.length - 1, Math.floor(whole.length * 0.75), Math.floor(whole.length / 2), 37]) {
      writeFileSync(path, whole);
      truncateSync(path, cut);
      const { frames, rec } = await readAll(path);
      const data = frames.map((f) => f.data);
      // Never an invented or damaged frame: what comes back is a prefix of what was written.
      expect(data).toEqual(sent.slice(0, data.length));
      // And every frame of the members that were complete before the cut is there.
      const completeFrames = await completeMemberFrames(whole, cut, memberEnds);
      expect(data.length).toBeGreaterThanOrEqual(completeFrames);
      if (cut === whole.length - 1) expect(completeFrames).toBe(memberEnds.at(-1)); // all but the final close() member
      if (cut === Math.floor(whole.length / 2)) expect(completeFrames).toBeGreaterThan(100);
      expect(rec.stats.malformed).toBeLessThanOrEqual(1); // at most the cut line
    }
  });

  it('rejects bad options and writes after close with a RecorderError naming the problem', () => {
    const clock = manualClock(DAY0);
    expect(() => new Recorder({ dir, venue: 'kraken', clock, flushBytes: 0 })).toThrow(/flushBytes.*was 0/s);
    expect(() => new Recorder({ dir, venue: '../x', clock })).toThrow(RecorderError);
    const recorder = new Recorder({ dir, venue: 'kraken', clock });
    recorder.close();
    expect(() => recorder.recv('late')).toThrow(/closed/);
    expect(() => new Recorder({ dir, venue: 'kraken', clock: { nowUs: () => 1.5 } }).recv('x')).toThrow(
      /Invalid localTs/,
    );
  });
});

/** Frames held by the gzip members that end at or before byte `cut` (members found by decoding each one alone). */
async function completeMemberFrames(whole: Buffer, cut: number, memberEnds: readonly number[]): Promise<number> {
  const { gunzipSync } = await import('node:zlib');
  // Walk member boundaries: gzip members of this file each start with 1f 8b 08 00 and decode alone.
  let complete = 0;
  let start = 0;
  let member = 0;
  for (let end = start + 18; end <= whole.length && member < memberEnds.length; end++) {
    const next = end === whole.length || (whole[end] === 0x1f && whole[end + 1] === 0x8b && whole[end + 2] === 0x08);
    if (!next) continue;
    try {
      gunzipSync(whole.subarray(start, end));
    } catch {
      continue;
    }
    if (end <= cut) complete = memberEnds[member] ?? complete;
    member++;
    start = end;
    end = start + 17;
  }
  return complete;
}
