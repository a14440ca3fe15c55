/**
 * Reading real recordings: TickerML's readers against the obvious Node approach (readline over
 * a gunzip stream, the same per-line work), on the hftbacktest Binance file (41,249 lines) and
 * the cryptofeed Coinbase file (1,037 lines, one of them a 5 MB snapshot).
 *
 * Run: pnpm vitest bench --run packages/exchanges/src/readers
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import { bench, describe } from 'vitest';
import { openRecording } from './open.js';

const fixture = (p: string) => fileURLToPath(new URL(`../../test/fixtures/${p}`, import.meta.url));
const HFT = fixture('binance/hftbacktest_spot_btcusdt_20240808.gz');
const COINBASE = fixture('coinbase/cryptofeed_COINBASE_advtrade.jsonl.gz');

async function tickerml(path: string): Promise<number> {
  let n = 0;
  for await (const f of (await openRecording(path)).frames()) n += f.data.length > 0 ? 1 : 0;
  return n;
}

async function readlineHft(path: string): Promise<number> {
  let n = 0;
  const rl = createInterface({
    input: createReadStream(path).pipe(createGunzip()),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const line of rl) {
    const space = line.indexOf(' ');
    const localTs = Number(line.slice(0, space - 3));
    const data = line.slice(space + 1);
    if (Number.isSafeInteger(localTs) && data.length > 0) n++;
  }
  return n;
}

async function readlineCryptofeed(path: string): Promise<number> {
  let n = 0;
  const rl = createInterface({
    input: createReadStream(path).pipe(createGunzip()),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const line of rl) {
    const r = JSON.parse(line) as { t: string; ts: number; data?: string };
    if (r.t !== 'header' && Math.round(r.ts * 1e6) > 0) n++;
  }
  return n;
}

const options = { time: 2000, warmupTime: 300 };

describe('hftbacktest raw .gz, 41,249 lines', () => {
  bench('tickerml openRecording', async () => void (await tickerml(HFT)), options);
  bench('node readline + gunzip (peer)', async () => void (await readlineHft(HFT)), options);
});

describe('cryptofeed Coinbase .jsonl.gz, 1,037 lines (11 MB)', () => {
  bench('tickerml openRecording', async () => void (await tickerml(COINBASE)), options);
  bench('node readline + gunzip + JSON.parse (peer)', async () => void (await readlineCryptofeed(COINBASE)), options);
});
