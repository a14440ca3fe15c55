import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { RecordingCorruptError, UnknownRecordingFormatError } from './errors.js';
import { openRecording } from './open.js';
import type { RawFrame } from './raw-frame.js';

const fixture = (p: string) => fileURLToPath(new URL(`../../test/fixtures/${p}`, import.meta.url));

async function collect(
  path: string | Uint8Array,
  format?: 'auto' | 'cryptofeed' | 'hftbacktest' | 'cbcap' | 'tickerml',
) {
  const rec = await openRecording(path, format === undefined ? {} : { format });
  const frames: RawFrame[] = [];
  for await (const f of rec.frames()) frames.push(f);
  return { rec, frames };
}

/** Counts the frames whose text contains every needle. */
function count(frames: readonly RawFrame[], ...needles: string[]): number {
  return frames.filter((f) => needles.every((n) => f.data.includes(n))).length;
}

describe('fixture readers match the fixture README', () => {
  it('hftbacktest Binance spot: 3,451 depth, 9,757 trade, 28,040 bookTicker, 1 REST snapshot', async () => {
    const { rec, frames } = await collect(fixture('binance/hftbacktest_spot_btcusdt_20240808.gz'));
    expect(rec.info).toEqual({ format: 'hftbacktest', venue: 'binance', compressed: true });
    expect(count(frames, '"stream":"btcusdt@depth@100ms"')).toBe(3451);
    expect(count(frames, '"stream":"btcusdt@trade"')).toBe(9757);
    expect(count(frames, '"stream":"btcusdt@bookTicker"')).toBe(28040);
    const http = frames.filter((f) => f.kind === 'http');
    expect(http).toHaveLength(1);
    expect(http[0]?.url).toBe('/api/v3/depth?symbol=BTCUSDT&limit=1000');
    expect(rec.stats).toMatchObject({ frames: 41249, malformed: 0, truncatedTail: false });
    // ns → µs exactly: 1723161253937085768 ns is 1723161253937085 µs.
    expect(frames[0]?.localTs).toBe(1723161253937085);
    // 346 s of data.
    const span = (frames.at(-1)?.localTs ?? 0) - (frames[0]?.localTs ?? 0);
    expect(Math.round(span / 1e6)).toBeGreaterThanOrEqual(345);
    expect(Math.round(span / 1e6)).toBeLessThanOrEqual(347);
  });

  it('cryptofeed Binance USD-M: 764 depth updates and 4 REST depth snapshots', async () => {
    const { rec, frames } = await collect(fixture('binance/cryptofeed_BINANCE_FUTURES.jsonl'));
    expect(rec.info).toEqual({ format: 'cryptofeed', venue: 'binanceusdm', compressed: false });
    expect(count(frames, '"e":"depthUpdate"')).toBe(764);
    expect(frames.filter((f) => f.kind === 'http' && f.url?.includes('/fapi/v1/depth'))).toHaveLength(4);
    expect(frames.filter((f) => f.kind === 'connect')).toHaveLength(1);
    expect(rec.stats.malformed).toBe(0);
  });

  it('cryptofeed Coinbase Advanced Trade (gz): 2 l2_data snapshots and 773 updates', async () => {
    const { rec, frames } = await collect(fixture('coinbase/cryptofeed_COINBASE_advtrade.jsonl.gz'));
    expect(rec.info).toEqual({ format: 'cryptofeed', venue: 'coinbase', compressed: true });
    const l2 = frames.filter((f) => f.data.startsWith('{"channel":"l2_data"'));
    expect(count(l2, '"type":"snapshot"')).toBe(2);
    expect(count(l2, '"type":"update"')).toBe(773);
    // The BTC-USD snapshot is one ~5 MB frame: read whole.
    expect(Math.max(...l2.map((f) => f.data.length))).toBeGreaterThan(4_000_000);
    expect(frames.filter((f) => f.kind === 'send')).toHaveLength(5);
    expect(rec.stats).toMatchObject({ frames: 1037, malformed: 0 });
  });

  it('crossbook Kraken depth-10 capture: 8 acks, 7 unsubscribes, 5 snapshots, 296 updates, 60 heartbeats', async () => {
    const { rec, frames } = await collect(fixture('kraken/crossbook_kraken_btcusd_l2.cbcap'));
    expect(rec.info).toEqual({ format: 'cbcap', venue: 'kraken', symbol: 'BTC/USD', compressed: false });
    expect(count(frames, '"method":"subscribe"')).toBe(8);
    expect(count(frames, '"method":"unsubscribe"')).toBe(7);
    expect(count(frames, '"channel":"book"', '"type":"snapshot"')).toBe(5);
    expect(count(frames, '"channel":"book"', '"type":"update"')).toBe(296);
    expect(count(frames, '"channel":"heartbeat"')).toBe(60);
    expect(rec.stats.malformed).toBe(0);
    // localTs is anchored at the header's wall-clock start (1785552832693693000 ns).
    expect(frames[0]?.localTs).toBe(1785552832693693);
    expect(frames.every((f, i) => i === 0 || f.localTs >= (frames[i - 1]?.localTs ?? 0))).toBe(true);
  });

  it('crossbook Kraken depth-25 sample: 1 snapshot, 2,051 updates, 50 heartbeats', async () => {
    const { frames, rec } = await collect(fixture('kraken/crossbook_kraken_btcusd_sample.cbcap'));
    expect(count(frames, '"channel":"book"', '"type":"snapshot"')).toBe(1);
    expect(count(frames, '"channel":"book"', '"type":"update"')).toBe(2051);
    expect(count(frames, '"channel":"heartbeat"')).toBe(50);
    expect(rec.stats.malformed).toBe(0);
  });

  it('cryptofeed Kraken Futures: 10 book_snapshot and 7,014 book deltas', async () => {
    const { frames } = await collect(fixture('kraken/cryptofeed_KRAKEN_FUTURES.jsonl'));
    expect(count(frames, '"feed":"book_snapshot"')).toBe(10);
    expect(count(frames, '{"feed":"book"')).toBe(7014);
  });

  it('cryptofeed KuCoin (gz): 3,853 level2 updates and 9 REST snapshots', async () => {
    const { frames, rec } = await collect(fixture('kucoin/cryptofeed_KUCOIN.jsonl.gz'));
    expect(rec.info.venue).toBe('kucoin');
    expect(count(frames, '"subject":"trade.l2update"')).toBe(3853);
    expect(frames.filter((f) => f.kind === 'http' && f.url?.includes('/market/orderbook/level2'))).toHaveLength(9);
    expect(count(frames, '"type":"welcome"')).toBe(1);
  });
});

describe('malformed input', () => {
  it('counts and samples bad cryptofeed lines, keeps the good ones', async () => {
    const text = [
      '{"t":"header","format":2,"exchange":"KRAKEN"}',
      '{"t":"recv","conn":"c","ts":1.5,"data":"a"}',
      'not json',
      '{"t":"recv","ts":"x","data":"b"}',
      '{"t":"bogus","ts":1,"data":"c"}',
      '{"t":"recv","conn":"c","ts":2,"data":"d"}',
      '{"t":"recv","conn":"c","ts":3,"da',
    ].join('\n');
    const { frames, rec } = await collect(Buffer.from(text));
    expect(frames.map((f) => f.data)).toEqual(['a', 'd']);
    expect(frames[0]?.localTs).toBe(1_500_000);
    expect(rec.stats.malformed).toBe(4);
    expect(rec.stats.truncatedTail).toBe(true);
    expect(rec.stats.malformedSamples.map((s) => s.line)).toEqual([3, 4, 5, 7]);
    expect(rec.stats.malformedSamples[0]?.sample).toBe('not json');
  });

  it('skips a damaged cbcap record header and resumes at the next record', async () => {
    const a = '{"a":1}';
    const b = '{"b":22}';
    const text = `CBCAP1 kraken BTC/USD 1000000000\n10 ${a.length}\n${a}\ngarbage here\n20 ${b.length}\n${b}\n30 50\n{"cut`;
    const { frames, rec } = await collect(Buffer.from(text));
    expect(frames.map((f) => f.data)).toEqual([a, b]);
    expect(frames.map((f) => f.localTs)).toEqual([1_000_000, 1_000_000]);
    expect(rec.stats.malformed).toBe(2);
    expect(rec.stats.truncatedTail).toBe(true);
  });

  it('names the file and shows its start when the format is unknown', async () => {
    await expect(openRecording(Buffer.from('hello world\n'))).rejects.toBeInstanceOf(UnknownRecordingFormatError);
    await expect(openRecording(Buffer.from('hello world\n'))).rejects.toThrow(/starts with "hello world"/);
  });

  it('returns every good frame before damaged gzip data, then throws RecordingCorruptError', async () => {
    // 12,000 distinct lines (hard to compress: over 2 zlib slices of 64 KB), then a damaged member.
    let x = 12345;
    const lines: string[] = [];
    for (let i = 0; i < 12000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      lines.push(
        `${1000000000 + i * 1000} {"stream":"x@trade","data":{"p":"${x.toString(36)}${(x * 7).toString(36)}"}}`,
      );
    }
    const good = gzipSync(Buffer.from(`${lines.join('\n')}\n`));
    expect(good.length).toBeGreaterThan(2 * 65536);
    const bad = Buffer.from(gzipSync(Buffer.from('2000000000 {"stream":"x@trade","data":{}}\n'.repeat(50))));
    bad.fill(0x55, 12, 40); // stomp on the deflate data of the second member
    const rec = await openRecording(Buffer.concat([good, bad]), { format: 'hftbacktest' });
    const got: RawFrame[] = [];
    await expect(
      (async () => {
        for await (const f of rec.frames()) got.push(f);
      })(),
    ).rejects.toBeInstanceOf(RecordingCorruptError);
    // Everything up to the 64 KB slice holding the damage comes back, in order and intact.
    expect(got.length).toBeGreaterThanOrEqual(6000);
    expect(got.map((f) => f.data)).toEqual(lines.slice(0, got.length).map((l) => l.slice(l.indexOf(' ') + 1)));
  });
});
