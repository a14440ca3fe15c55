import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { contentHash, type NewsItem } from '../src/item.js';
import { AutoScorer } from '../src/scoring/auto.js';
import { OllamaScorer, SCORE_SCHEMA } from '../src/scoring/ollama.js';
import { loopback, type Seen } from './loopback.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const item = (title: string, summary = ''): NewsItem => ({
  kind: 'news',
  source: 'test',
  url: `https://example.test/${encodeURIComponent(title)}`,
  title,
  summary,
  publishedTs: null,
  localTs: 1,
  assets: ['BTC'],
  contentHash: contentHash(title, summary),
});

/** Answers as Ollama's /api/tags and /api/chat do; `chat` decides the message content or an HTTP error. */
async function fakeOllama(chat: (req: Seen, n: number) => { status?: number; content?: string; delayMs?: number }) {
  let n = 0;
  const server = await loopback(async (req, res: ServerResponse) => {
    if (req.url === '/api/tags') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ models: [{ name: 'qwen3:latest', model: 'qwen3:latest', size: 1 }] }));
      return;
    }
    const answer = chat(req, n++);
    if (answer.delayMs !== undefined) await new Promise((r) => setTimeout(r, answer.delayMs));
    if (res.destroyed) return;
    if (answer.status !== undefined && answer.status !== 200) {
      res
        .writeHead(answer.status, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: 'model is busy' }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        model: 'qwen3',
        created_at: '2026-12-07T00:00:00Z',
        message: { role: 'assistant', content: answer.content ?? '' },
        done: true,
      }),
    );
  });
  closers.push(server.close);
  return server;
}

describe('OllamaScorer against a loopback server answering as Ollama', () => {
  it('asks for schema-constrained JSON with thinking off and temperature 0, and caches per item, model and asset', async () => {
    const server = await fakeOllama(() => ({ content: '{"sentiment":0.6,"relevance":0.9,"reason":"ETF inflows"}' }));
    const scorer = new OllamaScorer({ host: server.url });
    expect(await scorer.probe()).toEqual({ ok: true });
    const score = await scorer.score(item('Bitcoin ETF inflows top $1B'), 'BTC');
    expect(score).toEqual({ sentiment: 0.6, relevance: 0.9, reason: 'ETF inflows', scorer: 'ollama:qwen3' });
    const chat = server.seen.find((s) => s.url === '/api/chat');
    const body = JSON.parse(chat?.body ?? '{}');
    expect(body).toMatchObject({ model: 'qwen3', stream: false, think: false, options: { temperature: 0 } });
    expect(body.format).toEqual(JSON.parse(JSON.stringify(SCORE_SCHEMA)));
    await scorer.score(item('Bitcoin ETF inflows top $1B'), 'BTC');
    expect(server.seen.filter((s) => s.url === '/api/chat')).toHaveLength(1);
    expect(scorer.stats).toMatchObject({ cacheHits: 1, requests: 1 });
    await scorer.score(item('Bitcoin ETF inflows top $1B'), 'ETH');
    expect(server.seen.filter((s) => s.url === '/api/chat')).toHaveLength(2);
  });

  it('counts and drops answers outside the schema instead of guessing', async () => {
    const answers = [
      'not json at all',
      '{"sentiment":1.7,"relevance":0.5,"reason":"x"}',
      '{"sentiment":0.1,"reason":"x"}',
    ];
    const server = await fakeOllama((_req, n) => ({ content: answers[n] ?? '' }));
    const scorer = new OllamaScorer({ host: server.url });
    for (const [i, title] of ['a', 'b', 'c'].entries()) {
      expect(await scorer.score(item(title), 'BTC'), `answer ${i}`).toBeNull();
    }
    expect(scorer.stats.invalid).toBe(3);
  });

  it('retries a 500 and succeeds; gives up after the attempts; times out a slow answer', async () => {
    const server = await fakeOllama((req, n) => {
      const title = JSON.parse(req.body).messages[1].content as string;
      if (title.includes('flaky'))
        return n === 0 ? { status: 500 } : { content: '{"sentiment":-0.2,"relevance":1,"reason":"r"}' };
      if (title.includes('slow')) return { delayMs: 2_000, content: '{}' };
      return { status: 503 };
    });
    const scorer = new OllamaScorer({ host: server.url, retryBaseMs: 10, timeoutMs: 300, attempts: 2 });
    expect((await scorer.score(item('flaky'), 'BTC'))?.sentiment).toBe(-0.2);
    await expect(scorer.score(item('down'), 'BTC')).rejects.toThrow();
    const started = Date.now();
    await expect(scorer.score(item('slow'), 'BTC')).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1_800);
    expect(scorer.stats.failed).toBe(2);
  });

  it('says when the model is not pulled', async () => {
    const server = await fakeOllama(() => ({ content: '{}' }));
    const probe = await new OllamaScorer({ host: server.url, model: 'qwen3:8b' }).probe();
    expect(probe).toEqual({ ok: false, reason: 'model "qwen3:8b" is not pulled in Ollama (it has: qwen3:latest)' });
  });
});

describe('AutoScorer', () => {
  const logger = () => {
    const lines: Array<{ level: string; msg: string; obj: object }> = [];
    return {
      lines,
      info: (obj: object, msg: string) => lines.push({ level: 'info', msg, obj }),
      warn: (obj: object, msg: string) => lines.push({ level: 'warn', msg, obj }),
    };
  };

  it('falls back to VADER when nothing listens, logging once why and how to start Ollama', async () => {
    const server = await fakeOllama(() => ({ content: '{}' }));
    const deadUrl = server.url;
    await server.close();
    closers.length = 0;
    const log = logger();
    const scorer = new AutoScorer({ ollama: { host: deadUrl, timeoutMs: 500 }, log });
    const a = await scorer.score(item('Bitcoin slumps as fraud charges and a terrible hack panic investors'), 'BTC');
    const b = await scorer.score(item('Bitcoin wins approval, a great success'), 'BTC');
    expect(a?.scorer).toBe('vader');
    expect(a?.sentiment).toBeLessThan(0);
    expect(b?.sentiment).toBeGreaterThan(0);
    expect(log.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    expect(log.lines[0]?.msg).toMatch(/ollama serve.*ollama pull qwen3/);
  });

  it('uses Ollama when it has the model and records it as the scorer', async () => {
    const server = await fakeOllama(() => ({ content: '{"sentiment":0.3,"relevance":0.4,"reason":"ok"}' }));
    const log = logger();
    const scorer = new AutoScorer({ ollama: { host: server.url }, log });
    expect(await scorer.active()).toBe('ollama:qwen3');
    expect((await scorer.score(item('ETH upgrade ships'), 'ETH'))?.scorer).toBe('ollama:qwen3');
    expect(log.lines).toHaveLength(0);
  });
});
