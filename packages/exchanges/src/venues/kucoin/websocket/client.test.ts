import { type MarketEvent, TestClock } from '@tickerml/core';
import { describe, expect, it } from 'vitest';
import { DecimalGrid } from '../../../common/decimal.js';
import { type FeedLogger, redact } from '../../../common/logger.js';
import { waitFor } from '../../../contract/wait.js';
import { loadFrames } from '../../../replay/load.js';
import { ReplayServer } from '../../../testkit/index.js';
import { krakenFeed } from '../../kraken/websocket/client.js';
import { kucoinFeed } from './client.js';

const FIXTURES = new URL('../../../../test/fixtures/', import.meta.url).pathname;

function capture(): { logger: FeedLogger; lines: string[] } {
  const lines: string[] = [];
  const log = (fields: Record<string, unknown>, message: string) => lines.push(`${message} ${JSON.stringify(fields)}`);
  return { lines, logger: { debug: log, info: log, warn: log, error: log } };
}

describe('secrets stay out of logs', () => {
  it('redact masks secret keys and token query parameters', () => {
    const cfg = {
      apiKey: 'k-123',
      secret: 's-456',
      passphrase: 'p',
      nested: { token: 't-789', url: 'wss://x/endpoint?token=t-789&connectId=1' },
      depth: 10,
    };
    const text = JSON.stringify(redact(cfg));
    for (const s of ['k-123', 's-456', 't-789']) expect(text).not.toContain(s);
    expect(redact(cfg).depth).toBe(10);
    expect(redact(cfg).nested.url).toBe('wss://x/endpoint?token=***&connectId=1');
  });

  it('KuCoin: the bullet token is used to connect, subscriptions wait for welcome, and the token is never logged', async () => {
    const { frames } = await loadFrames(`${FIXTURES}kucoin/cryptofeed_KUCOIN.jsonl.gz`);
    const server = await ReplayServer.start({ frames });
    const { logger, lines } = capture();
    const events: MarketEvent[] = [];
    const clock = new TestClock(1_700_000_000_000_000);
    const feed = kucoinFeed({
      instruments: [new DecimalGrid('SNX/BTC', '0.00000001', '0.00000001')],
      emit: (e) => events.push(e),
      clock,
      random: () => 0,
      logger,
      urls: { rest: server.httpUrl },
    });
    feed.start();
    try {
      await waitFor(
        () => feed.book('SNX/BTC') !== undefined,
        'SNX/BTC synced',
        400_000,
        () => clock.advanceBy(1_000),
      );
      expect(server.requests.find((r) => r.source === 'bullet')).toMatchObject({
        method: 'POST',
        path: '/api/v1/bullet-public',
      });
      // force a reconnect so the URL (with its token) goes through the logging paths too
      feed.connection.dropActive('test');
      await waitFor(
        () => feed.connection.connects === 2 && feed.connection.state === 'open',
        'reconnected',
        400_000,
        () => clock.advanceBy(1_000),
      );
      expect(lines.some((l) => l.includes('token=***'))).toBe(true);
      for (const l of lines) expect(l).not.toContain('replay-token');
    } finally {
      feed.stop();
      await server.close();
    }
  }, 60_000);

  it('Kraken: a configured level3 token subscribes level3 on the auth endpoint and is never logged', async () => {
    const { frames } = await loadFrames(`${FIXTURES}kraken/crossbook_kraken_btcusd_l2.cbcap`);
    const server = await ReplayServer.start({ frames });
    const { logger, lines } = capture();
    const clock = new TestClock(1_700_000_000_000_000);
    const feed = krakenFeed({
      instruments: [new DecimalGrid('BTC/USD', '0.1', '0.00000001')],
      emit: () => {},
      clock,
      random: () => 0,
      logger,
      level3Token: 'l3-secret-token',
      urls: { wsAuth: `${server.wsUrl}/auth`, ws: 'ws://127.0.0.1:1/unused' },
    });
    const subs = (feed.handler as unknown as { subscribeMessages(t?: string): string[] })
      .subscribeMessages('l3-secret-token')
      .map((m) => JSON.parse(m));
    expect(subs.map((m) => m.params.channel)).toEqual(['book', 'trade', 'level3']);
    feed.start();
    try {
      await waitFor(
        () => feed.connection.state === 'open' && feed.connection.framesReceived > 10,
        'streaming from the auth endpoint',
        400_000,
        () => clock.advanceBy(1_000),
      );
      for (const l of lines) expect(l).not.toContain('l3-secret-token');
    } finally {
      feed.stop();
      await server.close();
    }
  }, 60_000);
});
