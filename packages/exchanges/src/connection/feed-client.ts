/**
 * A venue feed: a transport-free handler driven by a {@link ManagedConnection}, with REST
 * snapshots fetched (and retried with backoff) when a book needs one, re-subscriptions sent when
 * a book resyncs over the socket, and `Connected` / `Disconnected` feed-health events.
 *
 * @module
 */
import type { Clock, MarketEvent } from '@tickerml/core';
import type { SyncBook } from '../common/book.js';
import { type AdapterTimers, timersOn } from '../common/clock.js';
import { VenueHttpError } from '../common/errors.js';
import type { EventSink, FeedStats, HandlerHooks, ResyncMethod, VenueHandler } from '../common/feed.js';
import { type FeedLogger, redactUrl, silentLogger } from '../common/logger.js';
import type { RawFrame } from '../readers/raw-frame.js';
import { type BackoffOptions, backoffDelayMs } from './backoff.js';
import { type ConnectionOptions, ManagedConnection } from './connection.js';

/** Fetches a URL's body as text (the global `fetch` by default; injectable for tests). */
export type HttpGet = (url: string, init?: { method?: string }) => Promise<string>;

/** `fetch` → text, with a clear, retryable error on a non-2xx answer or a network failure. */
export const defaultHttpGet: HttpGet = async (url, init) => {
  let res: Response;
  try {
    res = await fetch(url, { method: init?.method ?? 'GET', signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    throw new VenueHttpError(`request to ${redactUrl(url)} failed`, { cause: err });
  }
  const body = await res.text();
  if (!res.ok) {
    const retryAfter = Number(res.headers.get('retry-after'));
    throw new VenueHttpError(`request to ${redactUrl(url)} answered HTTP ${res.status}`, {
      details: body.slice(0, 200),
      ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
    });
  }
  return body;
};

/** Options of {@link FeedClient}. */
export interface FeedClientOptions {
  /** Builds the handler with the hooks the client provides. */
  readonly makeHandler: (hooks: HandlerHooks) => VenueHandler;
  /** Canonical symbols carried (for Connected/Disconnected events). */
  readonly symbols: readonly string[];
  readonly emit: EventSink;
  /** The process's one clock: frame stamps and every timer. */
  readonly clock: Clock;
  readonly random: () => number;
  readonly logger?: FeedLogger;
  /** Connection settings except the callbacks the client wires itself. */
  readonly connection: Omit<
    ConnectionOptions,
    'onMessage' | 'onOpen' | 'onDown' | 'subscribeMessages' | 'clock' | 'random' | 'logger'
  >;
  /** Subscribe messages given the handler (called on every new socket). */
  readonly subscribeMessages: (handler: VenueHandler) => string[];
  /** URL of the REST snapshot of a venue symbol (venues that resync over REST). */
  readonly snapshotUrl?: (venueSymbol: string) => string;
  readonly httpGet?: HttpGet;
  /** Backoff between failed snapshot requests. */
  readonly snapshotBackoff?: BackoffOptions;
  /**
   * Every raw frame before parsing (received and sent messages, REST snapshot bodies), for the
   * recorder. Secrets are masked first (`token` fields and URL parameters).
   */
  readonly onRawFrame?: (frame: RawFrame) => void;
}

const TOKEN_FIELD = /("token"\s*:\s*")[^"]*(")/g;

/** What every feed exposes. */
export interface Feed {
  start(): void;
  stop(): void;
  /** The synchronized book of a canonical symbol (undefined while syncing). */
  book(symbol: string): SyncBook | undefined;
  stats(): ReadonlyMap<string, FeedStats>;
}

/**
 * A live feed for one connection's worth of symbols.
 *
 * @example
 * const clock = new LiveClock(); // the app's one clock
 * const rng = new SeededRandom(1); // reconnect jitter
 * const feed = binanceUsFeed({ symbols: ['BTC/USDT'], instruments, emit: bus.publish, clock, random: () => rng.next() });
 * feed.start();
 */
export class FeedClient implements Feed {
  readonly handler: VenueHandler;
  readonly connection: ManagedConnection;
  private readonly o: FeedClientOptions;
  private readonly logger: FeedLogger;
  private readonly timers: AdapterTimers;
  private readonly snapshotAttempts = new Map<string, number>();
  private stopped = false;
  /** REST snapshots fetched so far. */
  snapshotsFetched = 0;

  constructor(options: FeedClientOptions) {
    this.o = options;
    this.logger = options.logger ?? silentLogger;
    this.timers = timersOn(options.clock, `snapshot:${options.connection.name}`);
    const hooks: HandlerHooks = {
      emit: options.emit,
      requestSnapshot: (venueSymbol, method) => this.onSnapshotRequest(venueSymbol, method),
      logger: this.logger,
      onControl: (type) => {
        if (type === 'welcome') this.connection.markReady();
      },
    };
    this.handler = options.makeHandler(hooks);
    this.connection = new ManagedConnection({
      ...options.connection,
      clock: options.clock,
      random: options.random,
      logger: this.logger,
      subscribeMessages: () => options.subscribeMessages(this.handler),
      onMessage: (text, localTs) => {
        options.onRawFrame?.({ localTs, kind: 'recv', connId: options.connection.name, data: text });
        this.handler.onFrame(text, localTs);
      },
      ...(options.onRawFrame
        ? {
            onSent: (text: string, localTs: number) =>
              options.onRawFrame?.({
                localTs,
                kind: 'send',
                connId: options.connection.name,
                data: text.replace(TOKEN_FIELD, '$1***$2'),
              }),
          }
        : {}),
      onOpen: ({ rollover, localTs }) => {
        if (!rollover) this.health('connected', localTs);
      },
      onDown: ({ reason, localTs }) => {
        this.health('disconnected', localTs, reason);
        this.handler.resetAll(localTs);
      },
    });
  }

  start(): void {
    this.stopped = false;
    this.connection.start();
  }

  stop(): void {
    this.stopped = true;
    this.connection.stop();
  }

  book(symbol: string): SyncBook | undefined {
    return this.handler.book(symbol);
  }

  stats(): ReadonlyMap<string, FeedStats> {
    return this.handler.stats();
  }

  private health(kind: 'connected' | 'disconnected', localTs: number, reason = ''): void {
    for (const symbol of this.o.symbols) {
      const venue = this.handler.venue;
      const e: MarketEvent =
        kind === 'connected'
          ? { kind, venue, symbol, exchTs: localTs, localTs }
          : { kind, venue, symbol, exchTs: localTs, localTs, reason };
      this.o.emit(e);
    }
  }

  private onSnapshotRequest(venueSymbol: string, method: ResyncMethod): void {
    if (method === 'resubscribe') {
      this.connection.send(this.handler.resubscribeMessages(venueSymbol));
      return;
    }
    void this.fetchSnapshot(venueSymbol);
  }

  private async fetchSnapshot(venueSymbol: string): Promise<void> {
    const urlOf = this.o.snapshotUrl;
    if (urlOf === undefined || this.stopped) return;
    const url = urlOf(venueSymbol);
    try {
      const body = await (this.o.httpGet ?? defaultHttpGet)(url);
      if (this.stopped) return;
      this.snapshotsFetched++;
      this.snapshotAttempts.delete(venueSymbol);
      const localTs = this.o.clock.nowUs();
      this.o.onRawFrame?.({ localTs, kind: 'http', url: redactUrl(url), data: body });
      this.handler.onRestSnapshot(venueSymbol, body, localTs);
    } catch (err) {
      if (this.stopped) return;
      const attempt = this.snapshotAttempts.get(venueSymbol) ?? 0;
      this.snapshotAttempts.set(venueSymbol, attempt + 1);
      const retryAfter = err instanceof VenueHttpError ? (err.retryAfterMs ?? 0) : 0;
      const delay = Math.max(retryAfter, backoffDelayMs(attempt, this.o.snapshotBackoff ?? {}, this.o.random));
      this.logger.warn(
        {
          venue: this.handler.venue,
          symbol: venueSymbol,
          error: err instanceof Error ? err.message : String(err),
          retryInMs: delay,
        },
        'snapshot request failed',
      );
      this.timers.setTimer(delay, () => void this.fetchSnapshot(venueSymbol));
    }
  }
}

/** Several feeds (e.g. one Coinbase connection per product) behind one {@link Feed}. */
export class FeedGroup implements Feed {
  constructor(readonly feeds: readonly FeedClient[]) {}
  start(): void {
    for (const f of this.feeds) f.start();
  }
  stop(): void {
    for (const f of this.feeds) f.stop();
  }
  book(symbol: string): SyncBook | undefined {
    for (const f of this.feeds) {
      const b = f.book(symbol);
      if (b) return b;
    }
    return undefined;
  }
  stats(): ReadonlyMap<string, FeedStats> {
    const m = new Map<string, FeedStats>();
    for (const f of this.feeds) for (const [k, v] of f.stats()) if (k !== '*' || !m.has('*')) m.set(k, v);
    return m;
  }
}
