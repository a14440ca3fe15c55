import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecordingCorruptError, UnknownRecordingFormatError } from './errors.js';
import { openRecording } from './open.js';
import type { RawFrame, RecordingFormat } from './raw-frame.js';

const FORMATS: RecordingFormat[] = ['cryptofeed', 'hftbacktest', 'cbcap', 'tickerml'];

/** Reads everything; the only errors allowed are the typed ones for undecodable gzip data. */
async function drain(bytes: Uint8Array, format: RecordingFormat | 'auto') {
  const rec = await openRecording(bytes, { format });
  const frames: RawFrame[] = [];
  try {
    for await (const f of rec.frames()) frames.push(f);
  } catch (err) {
    if (!(err instanceof RecordingCorruptError)) throw err;
  }
  return { rec, frames };
}

function validFrame(f: RawFrame): boolean {
  return (
    Number.isSafeInteger(f.localTs) &&
    f.localTs >= 0 &&
    typeof f.data === 'string' &&
    ['recv', 'send', 'http', 'connect', 'disconnect'].includes(f.kind)
  );
}

/** Plausible lines of each format, to mix with garbage. */
const goodLine = fc.oneof(
  fc
    .record({ ts: fc.double({ min: 0, max: 2e9, noNaN: true }), data: fc.string() })
    .map(({ ts, data }) => JSON.stringify({ t: 'recv', conn: 'c', ts, data })),
  fc
    .record({ ns: fc.bigInt({ min: 0n, max: 9n * 10n ** 18n }), body: fc.string() })
    .map(({ ns, body }) => `${ns} {"stream":"x@trade","data":${JSON.stringify(body)}}`),
  fc
    .record({ ts: fc.integer({ min: 0 }), data: fc.string() })
    .map(({ ts, data }) => JSON.stringify({ ts, k: 'recv', d: data })),
);
const junkLine = fc.oneof(
  fc.string(),
  fc.constantFrom(
    '{"t":"recv","ts":1e999,"data":"x"}',
    '{"t":"recv","ts":-1,"data":"x"}',
    '{"t":"recv","ts":1e12,"data":"x"}',
    '{"ts":1,"k":"recv","d":5}',
    '[1,2,3]',
    'null',
    '{"t":"recv","ts":1,"data":{"deep":[[[[]]]]}}',
  ),
  fc.integer().map((n) => `${n} `),
  fc.bigInt({ min: 10n ** 19n, max: 10n ** 24n }).map((ns) => `${ns} {"stream":"x@trade","data":{}}`), // time beyond 2255
  fc.string().map((s) => `{"t":"recv","ts":1,"data":"${s}`), // truncated JSON
);

describe('readers never crash on bad input (fast-check)', () => {
  it('random bytes, in every format and auto-detected, raw and gzipped', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 2048 }),
        fc.constantFrom<RecordingFormat | 'auto'>('auto', ...FORMATS),
        fc.boolean(),
        async (bytes, format, gz) => {
          const input = gz ? gzipSync(bytes) : bytes;
          let result: Awaited<ReturnType<typeof drain>>;
          try {
            result = await drain(input, format);
          } catch (err) {
            // Auto-detection may refuse random bytes, with the typed error.
            expect(format).toBe('auto');
            expect(err).toBeInstanceOf(UnknownRecordingFormatError);
            return;
          }
          expect(result.frames.every(validFrame)).toBe(true);
          expect(result.rec.stats.frames).toBe(result.frames.length);
          expect(result.rec.stats.malformedSamples.length).toBeLessThanOrEqual(5);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('good lines mixed with garbage: every good line is returned, every bad one counted', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            goodLine.map((l) => ({ l, good: true })),
            junkLine.map((l) => ({ l, good: false })),
          ),
          { maxLength: 40 },
        ),
        async (lines) => {
          // One format per file: keep the lines of the format of the first good one.
          const first = lines.find((x) => x.good)?.l;
          if (first === undefined) return;
          const format: RecordingFormat = first.startsWith('{"t"')
            ? 'cryptofeed'
            : first.startsWith('{"ts"')
              ? 'tickerml'
              : 'hftbacktest';
          const ofFormat = (l: string) =>
            format === 'cryptofeed'
              ? l.startsWith('{"t":"recv","conn"')
              : format === 'tickerml'
                ? l.startsWith('{"ts"') && l.includes('"k":"recv"')
                : /^\d+ \{"stream"/.test(l);
          const kept = lines
            .filter((x) => !x.good || ofFormat(x.l))
            .map((x) => ({ ...x, l: x.l.replace(/[\n\r]/g, ' ') }));
          const text = kept.map((x) => x.l).join('\n');
          const { frames, rec } = await drain(Buffer.from(text), format);
          const goodCount = kept.filter((x) => x.good).length;
          // Every good line comes back (garbage that happens to be valid may add frames, never remove them).
          expect(frames.length).toBeGreaterThanOrEqual(goodCount);
          expect(rec.stats.frames + rec.stats.malformed).toBeLessThanOrEqual(kept.filter((x) => x.l !== '').length);
          expect(frames.every(validFrame)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('any truncation of a real-format file returns a prefix of its frames', async () => {
    const lines = Array.from({ length: 60 }, (_, i) =>
      JSON.stringify({ t: 'recv', conn: 'ws.1', ts: 1700000000 + i, data: `{"i":${i},"p":"6${i}.5"}` }),
    );
    const whole = Buffer.from(`${['{"t":"header","format":2,"exchange":"KRAKEN"}', ...lines].join('\n')}\n`);
    const gz = gzipSync(whole);
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.nat(), async (compressed, cutSeed) => {
        const src = compressed ? gz : whole;
        const cut = cutSeed % (src.length + 1);
        const { frames } = await drain(src.subarray(0, cut), 'cryptofeed');
        const expected = lines.map((l) => (JSON.parse(l) as { data: string }).data);
        expect(frames.map((f) => f.data)).toEqual(expected.slice(0, frames.length));
      }),
      { numRuns: 200 },
    );
  });
});
