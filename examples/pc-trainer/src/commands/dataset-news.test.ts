import { describe, expect, it } from 'vitest';
import { datasetCommand, parseDatasetArgs } from './dataset.js';

describe('pc-trainer dataset --news', () => {
  it('takes several news recordings after --news', () => {
    const args = parseDatasetArgs(['--data', 'a.gz', '--news', 'n1.jsonl.gz', 'n2.jsonl.gz', '--out', 'x.arrow']);
    expect(args).not.toBe('help');
    if (args !== 'help') expect(args.news).toEqual(['n1.jsonl.gz', 'n2.jsonl.gz']);
  });

  it('refuses a news recording that is not there, naming it, with exit 1', async () => {
    const err: string[] = [];
    const status = await datasetCommand(
      [
        '--data',
        'examples/pi-trader/recordings/binance/hftbacktest_spot_btcusdt_20240808.gz',
        '--news',
        '/nonexistent/news.jsonl.gz',
        '--out',
        '/tmp/never-written.arrow',
      ],
      { stdout: () => {}, stderr: (t) => err.push(t), isTty: false },
    );
    expect(status).toBe(1);
    expect(err.join('')).toContain('no news recording at /nonexistent/news.jsonl.gz');
  });
});
