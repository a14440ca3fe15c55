import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AlertDispatcher,
  type AlertLogger,
  alertChannelsFromConfig,
  SlackAlertChannel,
  TelegramAlertChannel,
  WebhookAlertChannel,
} from './channels.js';
import { AlertEngine, type AlertMessage } from './engine.js';

interface Received {
  readonly method: string;
  readonly url: string;
  readonly contentType: string | undefined;
  readonly body: unknown;
}

/** A real HTTP server on loopback that records each request and answers with `respond`. */
async function loopback(
  respond: (req: Received, n: number, res: ServerResponse) => void,
): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const r: Received = {
        method: req.method ?? '',
        url: req.url ?? '',
        contentType: req.headers['content-type'],
        body: text === '' ? undefined : JSON.parse(text),
      };
      received.push(r);
      respond(r, received.length, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, server };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

function memoryLogger(): AlertLogger & { lines: string[] } {
  const lines: string[] = [];
  const put = (fields: object, message: string) => lines.push(`${message} ${JSON.stringify(fields)}`);
  return { lines, info: put, warn: put, error: put };
}

const T0 = 1_765_000_000_000_000;
const stale = {
  key: 'feed_stale:binance',
  rule: 'feed_stale',
  severity: 'critical',
  summary: 'binance: no book update for 9.0 s (threshold 5.0 s)',
  labels: { venue: 'binance' },
} as const;

describe('alert channels against loopback servers', () => {
  it('webhook: one JSON POST per message with the alert fields and a text line, firing then resolved', async () => {
    const hook = await loopback((_r, _n, res) => res.writeHead(204).end());
    const dispatcher = new AlertDispatcher({
      channels: [new WebhookAlertChannel({ url: `${hook.url}/hooks/tickerml` })],
    });
    const engine = new AlertEngine({ repeatUs: 60e6, send: (m) => dispatcher.send(m), source: 'pi-1' });
    engine.update([stale], T0);
    engine.update([], T0 + 10e6);
    await dispatcher.idle();
    expect(hook.received).toHaveLength(2);
    const [first, second] = hook.received as [Received, Received];
    expect(first.method).toBe('POST');
    expect(first.url).toBe('/hooks/tickerml');
    expect(first.contentType).toBe('application/json');
    expect(first.body).toMatchObject({
      status: 'firing',
      rule: 'feed_stale',
      key: 'feed_stale:binance',
      severity: 'critical',
      labels: { venue: 'binance' },
      startedAtUs: T0,
      atUs: T0,
      repeat: 0,
      source: 'pi-1',
    });
    expect((first.body as { text: string }).text).toContain('CRITICAL feed_stale: binance: no book update');
    expect(second.body).toMatchObject({ status: 'resolved', rule: 'feed_stale', startedAtUs: T0, atUs: T0 + 10e6 });
    expect((second.body as { text: string }).text).toContain('RESOLVED feed_stale');
    expect(dispatcher.stats()['webhook']).toMatchObject({ delivered: 2, failed: 0, retries: 0 });
  });

  it("telegram: sendMessage on /bot<token>/ with chat_id and text; a 429 is retried after Telegram's retry_after", async () => {
    const token = '123456:AAH-secret_token';
    const tg = await loopback((_r, n, res) => {
      if (n === 1) {
        res.writeHead(429, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error_code: 429, parameters: { retry_after: 0.05 } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, result: {} }));
    });
    const log = memoryLogger();
    const dispatcher = new AlertDispatcher({
      channels: [new TelegramAlertChannel({ token, chatId: '-1001234', apiBase: tg.url })],
      logger: log,
      retry: { baseDelayMs: 5_000 }, // the server's retry_after (50 ms) wins over the backoff
    });
    const started = performance.now();
    dispatcher.send(message('firing'));
    await dispatcher.idle();
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(tg.received).toHaveLength(2);
    for (const r of tg.received) {
      expect(r.method).toBe('POST');
      expect(r.url).toBe(`/bot${token}/sendMessage`);
      expect(r.body).toMatchObject({ chat_id: '-1001234', disable_web_page_preview: true });
      expect((r.body as { text: string }).text).toContain('feed_stale: binance: no book update');
    }
    expect(dispatcher.stats()['telegram']).toMatchObject({ delivered: 1, retries: 1, failed: 0 });
    // The retry was logged, without the token.
    expect(log.lines.some((l) => l.includes('retrying'))).toBe(true);
    for (const l of log.lines) expect(l).not.toContain('AAH-secret_token');
  });

  it('telegram: an answer without ok: true is a failure', async () => {
    const tg = await loopback((_r, _n, res) => res.writeHead(200).end(JSON.stringify({ ok: false })));
    const dispatcher = new AlertDispatcher({
      channels: [new TelegramAlertChannel({ token: '1:x', chatId: '5', apiBase: tg.url })],
    });
    dispatcher.send(message('firing'));
    await dispatcher.idle();
    expect(dispatcher.stats()['telegram']).toMatchObject({ delivered: 0, failed: 1 });
  });

  it('slack: {"text"} POSTs; 5xx answers are retried with exponential backoff until one succeeds', async () => {
    const times: number[] = [];
    const slack = await loopback((_r, n, res) => {
      times.push(performance.now());
      if (n <= 2) res.writeHead(503).end('busy');
      else res.writeHead(200).end('ok');
    });
    const dispatcher = new AlertDispatcher({
      channels: [new SlackAlertChannel({ url: `${slack.url}/services/T000/B000/XXXX` })],
      retry: { attempts: 4, baseDelayMs: 40 },
    });
    dispatcher.send(message('resolved'));
    await dispatcher.idle();
    expect(slack.received).toHaveLength(3);
    const firstTry = slack.received[0] as Received;
    expect(firstTry.url).toBe('/services/T000/B000/XXXX');
    expect(Object.keys(firstTry.body as object)).toEqual(['text']);
    expect((firstTry.body as { text: string }).text).toMatch(/^✅ \[pi-1\] RESOLVED feed_stale/);
    // Waits of 40 then 80 ms between the tries.
    expect((times[1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(35);
    expect((times[2] as number) - (times[1] as number)).toBeGreaterThanOrEqual(75);
    expect(dispatcher.stats()['slack']).toMatchObject({ delivered: 1, retries: 2, failed: 0 });
  });

  it('a 4xx answer is not retried; the failure is logged without the secret URL', async () => {
    const hook = await loopback((_r, _n, res) => res.writeHead(404).end('no such hook'));
    const log = memoryLogger();
    const secretPath = '/hooks/very-secret-path-123';
    const dispatcher = new AlertDispatcher({
      channels: [new WebhookAlertChannel({ url: `${hook.url}${secretPath}` })],
      logger: log,
      retry: { baseDelayMs: 10 },
    });
    dispatcher.send(message('firing'));
    await dispatcher.idle();
    expect(hook.received).toHaveLength(1);
    expect(dispatcher.stats()['webhook']).toMatchObject({ delivered: 0, failed: 1, retries: 0 });
    expect(log.lines.join('\n')).toContain('HTTP 404');
    expect(log.lines.join('\n')).not.toContain('very-secret-path-123');
  });

  it('an endpoint that never answers does not block send, and each try is cut at the timeout', async () => {
    const hang = await loopback(() => undefined); // never responds
    const log = memoryLogger();
    const dispatcher = new AlertDispatcher({
      channels: [new WebhookAlertChannel({ url: `${hang.url}/x` })],
      retry: { attempts: 2, baseDelayMs: 10, timeoutMs: 100 },
      logger: log,
    });
    for (let i = 0; i < 5; i++) dispatcher.send(message('firing'));
    // send returned with everything still queued: nothing waited for the endpoint.
    expect(dispatcher.stats()['webhook']).toMatchObject({ queued: 5, delivered: 0, failed: 0 });
    await dispatcher.close(1_000);
    expect(hang.received.length).toBeGreaterThanOrEqual(1);
    const st = dispatcher.stats()['webhook'];
    expect(st?.delivered).toBe(0);
    expect((st?.failed ?? 0) + (st?.dropped ?? 0)).toBe(5);
  });

  it('a refused connection is retried and its error names the channel, not the URL', async () => {
    const hook = await loopback((_r, _n, res) => res.writeHead(200).end());
    const url = `${hook.url}/secret-abc`;
    hook.server.closeAllConnections();
    await new Promise<void>((resolve) => hook.server.close(() => resolve()));
    servers.splice(servers.indexOf(hook.server), 1);
    const outcomes: string[] = [];
    const dispatcher = new AlertDispatcher({
      channels: [new WebhookAlertChannel({ url })],
      retry: { attempts: 3, baseDelayMs: 5 },
      onOutcome: (_c, _m, e) => outcomes.push(e === undefined ? 'ok' : `${e.message}`),
    });
    dispatcher.send(message('firing'));
    await dispatcher.idle();
    expect(dispatcher.stats()['webhook']).toMatchObject({ failed: 1, retries: 2 });
    expect(outcomes[0]).toContain('webhook: request failed');
    expect(outcomes[0]).not.toContain('secret-abc');
  });

  it('the queue is bounded: the oldest messages are dropped first', async () => {
    const hang = await loopback(() => undefined);
    const dispatcher = new AlertDispatcher({
      channels: [new WebhookAlertChannel({ url: hang.url })],
      maxQueue: 3,
      retry: { attempts: 1, timeoutMs: 50 },
    });
    for (let i = 0; i < 10; i++) dispatcher.send(message('firing'));
    expect(dispatcher.stats()['webhook']).toMatchObject({ dropped: 7, queued: 3 });
    await dispatcher.close(2_000);
  });
});

describe('alertChannelsFromConfig', () => {
  const config = {
    log: { enabled: true },
    webhook: { enabled: true, urlEnv: 'HOOK_URL' },
    telegram: { enabled: true, tokenEnv: 'TG_TOKEN', chatIdEnv: 'TG_CHAT', apiBase: 'https://api.telegram.org' },
    slack: { enabled: false, urlEnv: 'SLACK_URL' },
  };

  it('builds the enabled channels from the environment', () => {
    const channels = alertChannelsFromConfig(
      config,
      { HOOK_URL: 'http://127.0.0.1:1/x', TG_TOKEN: '1:abc', TG_CHAT: '42' },
      memoryLogger(),
    );
    expect(channels.map((c) => c.name)).toEqual(['log', 'webhook', 'telegram']);
  });

  it('names the missing variable of an enabled channel', () => {
    expect(() => alertChannelsFromConfig(config, { HOOK_URL: 'http://127.0.0.1:1/x' }, memoryLogger())).toThrow(
      /alerts\.channels\.telegram is enabled but the environment variable TG_TOKEN is not set/,
    );
  });

  it('refuses a malformed URL or token without printing it', () => {
    const bad = () =>
      alertChannelsFromConfig(
        { ...config, telegram: { ...config.telegram, enabled: false } },
        { HOOK_URL: 'not a url secret-xyz' },
        memoryLogger(),
      );
    expect(bad).toThrow(/webhook: the URL is not valid/);
    expect(bad).not.toThrow(/secret-xyz/);
    expect(() => new TelegramAlertChannel({ token: 'nocolon-secret', chatId: '1' })).toThrow(
      /bot token must look like/,
    );
  });
});

function message(status: 'firing' | 'resolved'): AlertMessage {
  return { ...stale, status, startedAtUs: T0, atUs: T0, repeat: 0, source: 'pi-1' };
}
