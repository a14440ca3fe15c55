/**
 * The dashboard's HTTP server: static page, a JSON snapshot and a server-sent-events stream.
 *
 * Routes: `GET /` (the page), `/assets/*` (its script and styles), `/vendor/*` (uPlot),
 * `GET /api/snapshot` (the whole state as JSON), `GET /events` (SSE: one `snapshot` event on
 * connect, then `update` events), `GET /healthz`.
 *
 * Bound to 127.0.0.1 by default; a non-loopback `host` requires a `token` (start fails without one).
 * With a `token`, the page, `/api/snapshot` and `/events` require it as `?token=...` or
 * `Authorization: Bearer ...` (the page passes its own `?token=` on to the stream); the static
 * script, styles and uPlot hold no account data and are served without it. Requests whose `Host`
 * header is not an allowed name get 421 (a DNS-rebinding page cannot read the account), and every
 * response carries `Content-Security-Policy`, `X-Content-Type-Options`, `X-Frame-Options` and
 * `Referrer-Policy`. docs/security.md says what is exposed and how to expose it safely.
 *
 * @module
 */

import { timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';
import { BaseError, isLoopbackHost } from '@tickerml/core';
import type { DashboardSnapshot, DashboardUpdate, EquityPoint, FillView } from './types.js';

/** Options of {@link DashboardServer}. */
export interface DashboardOptions {
  /** TCP port. Defaults to 5005; 0 picks a free one. */
  readonly port?: number;
  /** Bind address. Defaults to 127.0.0.1 (local only). */
  readonly host?: string;
  /** Access token; when set, requests without it get 401. Required when `host` is not a loopback address. */
  readonly token?: string;
  /**
   * Host names (without port) the `Host` header may carry besides the loopback names; others get
   * 421. Defaults to none; bound to a wildcard address (`0.0.0.0`, `::`), the machine's own
   * addresses and host name are allowed too, and bound to a specific address, that address.
   */
  readonly allowedHosts?: readonly string[];
  /** Page title. */
  readonly title?: string;
  /** Starting balance shown on the page, decimal string. Defaults to "10000". */
  readonly startingBalance?: string;
  /** Equity points kept (older ones are thinned out). Defaults to 5,000. */
  readonly maxEquityPoints?: number;
  /** Fills kept. Defaults to 200. */
  readonly maxFills?: number;
  /** Pending updates are pushed to browsers at most this often, in milliseconds. Defaults to 200. */
  readonly pushIntervalMs?: number;
  /**
   * The policy file the box decides with, served at `/model/policy.onnx` for the in-browser model
   * page (`/model.html`, onnxruntime-web with its WASM files from `/vendor/ort/`). Called per request
   * (hot reload changes it); `undefined` answers 404.
   */
  readonly modelFile?: () => string | undefined;
}

/** The server could not start (port in use, bad address, a non-loopback address without a token). */
export class DashboardStartError extends BaseError {
  override readonly name = 'DashboardStartError' as const;
}

/**
 * Sent with every response: only our own script, styles and stream; no framing (clickjacking),
 * no MIME sniffing, no referrer carrying `?token=` to another site.
 */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/** The host name of a `Host` header, lower case, without port or IPv6 brackets. */
function hostOf(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') < 0 ? undefined : h.indexOf(']'));
  const colon = h.indexOf(':');
  return (colon < 0 ? h : h.slice(0, colon)).replace(/\.$/, '');
}

const ASSETS_DIR = fileURLToPath(new URL('../assets/', import.meta.url));
const require = createRequire(import.meta.url);

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
};

/** The model page's policy: the default one plus WebAssembly compilation for onnxruntime-web. */
const MODEL_PAGE_CSP = (SECURITY_HEADERS['content-security-policy'] as string).replace(
  "script-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
);

/** onnxruntime-web's WASM build, served from the box (no CDN): URL path → file. */
const ORT_FILES: ReadonlyMap<string, string> = (() => {
  const wasm = require.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm');
  const dist = wasm.slice(0, wasm.lastIndexOf('/') + 1);
  return new Map(
    ['ort.wasm.min.mjs', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm'].map((f) => [
      `/vendor/ort/${f}`,
      `${dist}${f}`,
    ]),
  );
})();

/**
 * Serves the live P&L dashboard.
 *
 * @example
 * const dash = new DashboardServer({ port: 5005 });
 * await dash.start();
 * dash.update({ equity: [{ tsUs: 1_700_000_000_000_000, equity: '10012.50', pnl: '12.50' }] });
 * // later
 * await dash.stop();
 */
export class DashboardServer {
  readonly #opts: Required<Omit<DashboardOptions, 'token' | 'modelFile'>> & {
    token: string | undefined;
    modelFile: (() => string | undefined) | undefined;
  };
  #allowedHosts = new Set<string>();
  #server: Server | undefined;
  readonly #clients = new Set<ServerResponse>();
  #state: {
    equity: EquityPoint[];
    positions: DashboardSnapshot['positions'];
    openOrders: DashboardSnapshot['openOrders'];
    fills: FillView[];
    risk: DashboardSnapshot['risk'];
    feeds: DashboardSnapshot['feeds'];
    alerts: DashboardSnapshot['alerts'];
    funding: DashboardSnapshot['funding'];
    stats: DashboardSnapshot['stats'];
    news: DashboardSnapshot['news'];
    model: DashboardSnapshot['model'];
    modelContext: DashboardSnapshot['modelContext'];
  } = {
    equity: [],
    positions: [],
    openOrders: [],
    fills: [],
    risk: { drawdown: 0, emergencyStop: false, halts: [] },
    feeds: [],
    alerts: { active: [], recent: [] },
    funding: [],
    stats: null,
    news: { headlines: [], sentiment: [] },
    model: null,
    modelContext: null,
  };
  #pending:
    | { equity: EquityPoint[]; fills: Map<string, FillView>; rest: Omit<DashboardUpdate, 'equity' | 'fills'> }
    | undefined;
  #pushTimer: NodeJS.Timeout | undefined;

  constructor(options: DashboardOptions = {}) {
    this.#opts = {
      port: options.port ?? 5005,
      host: options.host ?? '127.0.0.1',
      token: options.token,
      allowedHosts: options.allowedHosts ?? [],
      title: options.title ?? 'TickerML paper trading',
      startingBalance: options.startingBalance ?? '10000',
      maxEquityPoints: options.maxEquityPoints ?? 5_000,
      maxFills: options.maxFills ?? 200,
      pushIntervalMs: options.pushIntervalMs ?? 200,
      modelFile: options.modelFile,
    };
  }

  /**
   * Starts listening.
   *
   * @returns the URL of the page (with the token when one is set).
   * @throws {DashboardStartError} when the address cannot be bound, or is not a loopback address
   *   and no token is set.
   */
  async start(): Promise<string> {
    const bind = this.#opts.host;
    if (this.#opts.token === undefined && !isLoopbackHost(bind)) {
      throw new DashboardStartError(
        `refusing to serve the dashboard on ${bind} without an access token: it shows the account to anyone who can reach it; set a token (dashboard.token, TICKERML__DASHBOARD__TOKEN) or bind 127.0.0.1`,
      );
    }
    this.#allowedHosts = new Set(this.#opts.allowedHosts.map(hostOf));
    if (bind === '0.0.0.0' || bind === '::' || bind === '') {
      // Every interface: the names this machine is reached by on its networks.
      for (const list of Object.values(networkInterfaces()))
        for (const a of list ?? []) this.#allowedHosts.add(hostOf(a.address));
      const name = hostname().toLowerCase();
      this.#allowedHosts.add(name).add(`${name}.local`);
    } else {
      this.#allowedHosts.add(hostOf(bind));
    }
    const server = createServer((req, res) => {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
      this.#handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`dashboard error: ${err instanceof Error ? err.message : String(err)}`);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          new DashboardStartError(
            `cannot serve the dashboard on ${this.#opts.host}:${this.#opts.port}: ${err.code ?? err.message}`,
            { cause: err },
          ),
        ),
      );
      server.listen(this.#opts.port, this.#opts.host, () => resolve());
    });
    this.#server = server;
    return this.url;
  }

  /** The page's URL (with `?token=` when a token is set). */
  get url(): string {
    const addr = this.#server?.address() as AddressInfo | null | undefined;
    const port = addr?.port ?? this.#opts.port;
    const host = this.#opts.host.includes(':') ? `[${this.#opts.host}]` : this.#opts.host;
    return `http://${host}:${port}/${this.#opts.token ? `?token=${encodeURIComponent(this.#opts.token)}` : ''}`;
  }

  /** The page's URL for logs and terminals: the token, when set, shows as `[REDACTED]`. */
  get redactedUrl(): string {
    return this.#opts.token === undefined ? this.url : this.url.replace(/\?token=.*$/, '?token=[REDACTED]');
  }

  /** Closes the stream connections and the server. */
  async stop(): Promise<void> {
    if (this.#pushTimer) clearTimeout(this.#pushTimer);
    this.#pushTimer = undefined;
    this.#flush();
    for (const c of this.#clients) c.end();
    this.#clients.clear();
    const server = this.#server;
    this.#server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  /** The current state. */
  snapshot(): DashboardSnapshot {
    return {
      title: this.#opts.title,
      startingBalance: this.#opts.startingBalance,
      ...this.#state,
    };
  }

  /** Number of connected browsers. */
  get clientCount(): number {
    return this.#clients.size;
  }

  /**
   * Applies a change: equity points are appended, fills upserted by id (markouts arrive later),
   * the other fields replaced. Browsers receive it within `pushIntervalMs`.
   */
  update(u: DashboardUpdate): void {
    const s = this.#state;
    if (u.equity) {
      for (const p of u.equity) s.equity.push(p);
      if (s.equity.length > this.#opts.maxEquityPoints) {
        // Keep the shape of the whole curve: thin the older half by two.
        const half = Math.floor(s.equity.length / 2);
        s.equity = [...s.equity.slice(0, half).filter((_, i) => i % 2 === 0), ...s.equity.slice(half)];
      }
    }
    if (u.fills) {
      for (const f of u.fills) {
        const i = s.fills.findIndex((x) => x.id === f.id);
        if (i >= 0) s.fills[i] = f;
        else s.fills.push(f);
      }
      if (s.fills.length > this.#opts.maxFills) s.fills.splice(0, s.fills.length - this.#opts.maxFills);
    }
    if (u.positions) s.positions = u.positions;
    if (u.openOrders) s.openOrders = u.openOrders;
    if (u.risk) s.risk = u.risk;
    if (u.feeds) s.feeds = u.feeds;
    if (u.alerts) s.alerts = u.alerts;
    if (u.funding) s.funding = u.funding;
    if (u.stats) s.stats = u.stats;
    if (u.news) s.news = u.news;
    if (u.model) s.model = u.model;
    if (u.modelContext) s.modelContext = u.modelContext;

    if (this.#clients.size === 0) return; // the next browser starts from a snapshot
    if (!this.#pending) this.#pending = { equity: [], fills: new Map<string, FillView>(), rest: {} };
    const p = this.#pending;
    if (u.equity) p.equity.push(...u.equity);
    if (u.fills) for (const f of u.fills) p.fills.set(f.id, f);
    const { equity: _e, fills: _f, ...rest } = u;
    p.rest = { ...p.rest, ...rest };
    if (!this.#pushTimer && this.#clients.size > 0) {
      this.#pushTimer = setTimeout(() => {
        this.#pushTimer = undefined;
        this.#flush();
      }, this.#opts.pushIntervalMs);
    }
  }

  #flush(): void {
    const p = this.#pending;
    this.#pending = undefined;
    if (!p || this.#clients.size === 0) return;
    const update: DashboardUpdate = {
      ...p.rest,
      ...(p.equity.length ? { equity: p.equity } : {}),
      ...(p.fills.size ? { fills: [...p.fills.values()] } : {}),
    };
    this.#broadcast('update', update);
  }

  #broadcast(event: string, data: unknown): void {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const c of this.#clients) {
      // A browser that cannot keep up is dropped; EventSource reconnects and gets a fresh snapshot.
      if (c.writableLength > 4 * 1024 * 1024) {
        c.end();
        this.#clients.delete(c);
        continue;
      }
      c.write(frame);
    }
  }

  #authorized(req: IncomingMessage, url: URL): boolean {
    const token = this.#opts.token;
    if (!token) return true;
    const given = url.searchParams.get('token') ?? req.headers.authorization?.replace(/^Bearer\s+/i, '') ?? '';
    const a = Buffer.from(given);
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // The page's code and styles hold no account data; only the page, the snapshot and the stream are guarded.
    const isStatic = url.pathname.startsWith('/assets/') || url.pathname.startsWith('/vendor/');
    // DNS rebinding: a page of another site whose name now points here still sends its own name.
    const host = req.headers.host;
    if (host === undefined) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('dashboard: a Host header is required');
      return;
    }
    const name = hostOf(host);
    if (!isLoopbackHost(name) && !this.#allowedHosts.has(name)) {
      res
        .writeHead(421, { 'content-type': 'text/plain' })
        .end(`dashboard: not served under the name '${name.slice(0, 100)}' (see dashboard.allowed_hosts)`);
      return;
    }
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (!isStatic && !this.#authorized(req, url)) {
      res.writeHead(401, { 'content-type': 'text/plain' }).end('dashboard: missing or wrong access token');
      return;
    }
    if (req.method !== 'GET') {
      res.writeHead(405).end();
      return;
    }
    switch (url.pathname) {
      case '/':
      case '/index.html':
        return this.#file(res, `${ASSETS_DIR}index.html`);
      case '/assets/app.js':
        return this.#file(res, `${ASSETS_DIR}app.js`);
      case '/assets/style.css':
        return this.#file(res, `${ASSETS_DIR}style.css`);
      case '/vendor/uPlot.iife.min.js':
        return this.#file(res, require.resolve('uplot/dist/uPlot.iife.min.js'));
      case '/vendor/uPlot.min.css':
        return this.#file(res, require.resolve('uplot/dist/uPlot.min.css'));
      case '/model.html':
        // onnxruntime-web compiles WebAssembly: this page alone may ('wasm-unsafe-eval').
        res.setHeader('content-security-policy', MODEL_PAGE_CSP);
        return this.#file(res, `${ASSETS_DIR}model.html`);
      case '/assets/model.js':
        return this.#file(res, `${ASSETS_DIR}model.js`);
      case '/model/policy.onnx': {
        const file = this.#opts.modelFile?.();
        if (file === undefined) {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('no model: a baseline strategy decides');
          return;
        }
        return this.#file(res, file);
      }
      case '/api/snapshot':
        res
          .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
          .end(JSON.stringify(this.snapshot()));
        return;
      case '/events': {
        // Changes not yet pushed go to the browsers already connected; the new one gets them in its snapshot.
        this.#flush();
        res.writeHead(200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-store',
          connection: 'keep-alive',
        });
        res.write(`retry: 1000\nevent: snapshot\ndata: ${JSON.stringify(this.snapshot())}\n\n`);
        this.#clients.add(res);
        req.on('close', () => this.#clients.delete(res));
        return;
      }
      default: {
        const ortFile = ORT_FILES.get(url.pathname);
        if (ortFile !== undefined) return this.#file(res, ortFile);
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      }
    }
  }

  async #file(res: ServerResponse, path: string): Promise<void> {
    const body = await readFile(path);
    const ext = path.slice(path.lastIndexOf('.'));
    res
      .writeHead(200, { 'content-type': CONTENT_TYPES[ext] ?? 'application/octet-stream', 'cache-control': 'no-cache' })
      .end(body);
  }
}
