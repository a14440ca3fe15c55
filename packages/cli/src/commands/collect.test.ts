import { describe, expect, it } from 'vitest';
import { UsageError } from '../args.js';
import { COLLECT_USAGE, collectCommand, parseCollectArgs } from './collect.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t) }, out, err };
}

describe('tickerml collect arguments', () => {
  it('reads grids per venue and symbol, the group, the target and the durations', () => {
    const args = parseCollectArgs([
      '--grid',
      'binance:BTC/USDT=0.01/0.00001',
      '--grid=kraken:BTC/USD=0.1/0.00000001',
      '--group',
      'box-2',
      '--db',
      'postgresql://localhost/t',
      '--duration',
      '30',
      '--status-every',
      '0',
      '--from-beginning',
    ]);
    if (args === 'help') throw new Error('unexpected help');
    expect(args.grids.get('binance')?.get('BTC/USDT')).toEqual({ tickSize: '0.01', lotSize: '0.00001' });
    expect(args.grids.get('kraken')?.get('BTC/USD')).toEqual({ tickSize: '0.1', lotSize: '0.00000001' });
    expect(args).toMatchObject({ group: 'box-2', db: 'postgresql://localhost/t', durationS: 30, statusEveryS: 0 });
    expect(args.fromBeginning).toBe(true);
  });

  it('names the flag of a bad value', () => {
    expect(() => parseCollectArgs(['--grid', 'BTC/USDT=0.01/1'])).toThrow(UsageError);
    expect(() => parseCollectArgs(['--grid', 'BTC/USDT=0.01/1'])).toThrow(/venue:symbol=tick\/lot/);
    expect(() => parseCollectArgs(['--duration', '0'])).toThrow(/--duration must be a positive number/);
    expect(() => parseCollectArgs(['--group', 'a b'])).toThrow(/--group/);
    expect(() => parseCollectArgs(['--nope'])).toThrow(/unknown option '--nope'/);
  });

  it('exits 2 with the usage on bad arguments and 0 on --help', async () => {
    const bad = capture();
    expect(await collectCommand(['--duration', 'x'], bad.io)).toBe(2);
    expect(bad.err.join('')).toContain('--duration');
    expect(bad.err.join('')).toContain(COLLECT_USAGE);
    const help = capture();
    expect(await collectCommand(['--help'], help.io)).toBe(0);
    expect(help.out.join('')).toBe(COLLECT_USAGE);
  });

  it('exits 1 naming the directory when the configuration is missing', async () => {
    const c = capture();
    expect(await collectCommand(['--config', '/nonexistent/tickerml-config', '--db', ':memory:'], c.io)).toBe(1);
    expect(c.err.join('')).toContain('/nonexistent/tickerml-config');
  });
});
