/**
 * One logical market-data stream over `ws`: connects (resolving the URL each time, e.g. after a
 * KuCoin bullet request), subscribes through a paced sender, detects dead sockets (no frame for
 * `idleTimeoutMs`), sends application pings, reconnects with capped exponential backoff and
 * jitter, and rolls over to a fresh socket before the venue's connection lifetime ends, keeping
 * the old one until the new one streams (so sequence-checked books see no gap).
 *
 * Every timer goes through the injected core {@link Clock} (a required option: no hidden wall clock).
 *
 * @module
 */
import type { Clock } from '@tickerml/core';
import WebSocket from 'ws';
import { type AdapterTimers, type TimerHandle, timersOn } from '../common/clock.js';
import { type FeedLogger, redactUrl, silentLogger } from '../common/logger.js';
import { type BackoffOptions, backoffDelayMs } from './backoff.js';
import { PacedSender } from './paced-sender.js';

/** Options of {@link ManagedConnection}. Times in milliseconds. */
export interface ConnectionOptions {
  /** Name used in logs, e.g. `binanceus`. */
  readonly name: string;
  /** Resolves the URL to connect to, called before every (re)connect. Secrets in it are never logged. */
  readonly url: () => string | Promise<string>;
  /** The one clock of the process (core's `LiveClock`, `TestClock` in tests): stamps and every timer. */
  readonly clock: Clock;
  /** Uniform [0, 1) source for backoff jitter (core's seeded generator in tests). */
  readonly random: () => number;
  readonly logger?: FeedLogger;
  readonly backoff?: BackoffOptions;
  /** No frame for this long closes the socket and reconnects, ms. */
  readonly idleTimeoutMs: number;
  /** Application-level ping (Kraken `ping`, KuCoin `ping`) every `intervalMs`. */
  readonly ping?: { readonly intervalMs: number; readonly message: () => string };
  /** Venue connection lifetime: roll over `rolloverBeforeMs` before `lifetimeMs` ends. */
  readonly lifetime?: { readonly lifetimeMs: number; readonly rolloverBeforeMs: number };
  /** Client messages per second the venue allows on one connection. */
  readonly maxMessagesPerSecond: number;
  /** When `true`, subscriptions are sent only after {@link ManagedConnection.markReady} (KuCoin `welcome`). */
  readonly waitForReady?: boolean;
  /** Messages that subscribe everything, sent on every new socket. */
  readonly subscribeMessages: () => string[];
  /** Every text frame, with its receive time in µs. */
  readonly onMessage: (text: string, localTs: number) => void;
  /** Every message written to a socket, with the time it was sent (µs). */
  readonly onSent?: (text: string, localTs: number) => void;
  /** A socket opened (`rollover` is true for the proactive replacement socket). */
  readonly onOpen?: (info: { readonly rollover: boolean; readonly localTs: number }) => void;
  /** The stream was interrupted (not called for a planned rollover); a reconnect follows unless stopped. */
  readonly onDown?: (info: {
    readonly reason: string;
    readonly localTs: number;
    readonly reconnectInMs: number;
  }) => void;
}

interface Link {
  readonly id: number;
  readonly ws: WebSocket;
  readonly sender: PacedSender;
  readonly openedUs: number;
  lastFrameUs: number;
  frames: number;
  open: boolean;
  ready: boolean;
  readonly timers: TimerHandle[];
  /** Closed on purpose (rollover, stop): its close is not an outage. */
  retired: boolean;
}

/** Connection state, for monitoring and tests. */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'waiting' | 'stopped';

/**
 * A self-healing WebSocket stream.
 *
 * @example
 * const clock = new LiveClock(); // one per process, made at the composition root
 * const rng = new SeededRandom(7);
 * const conn = new ManagedConnection({
 *   name: 'kraken', url: () => 'wss://ws.kraken.com/v2', clock, random: () => rng.next(),
 *   idleTimeoutMs: 10_000, maxMessagesPerSecond: 10,
 *   subscribeMessages: () => [bookSubscribe(['BTC/USD'], 10, 1)],
 *   onMessage: (text, ts) => handler.onFrame(text, ts),
 * });
 * conn.start();
 */
export class ManagedConnection {
  private readonly o: ConnectionOptions;
  private readonly logger: FeedLogger;
  private readonly timers: AdapterTimers;
  private active: Link | undefined;
  private next: Link | undefined;
  private attempt = 0;
  private reconnectTimer: TimerHandle | undefined;
  private nextLinkId = 1;
  private stopped = true;
  private connecting = false;
  /** Sockets opened so far (first connect, reconnects and rollovers). */
  connects = 0;
  /** Unplanned interruptions so far. */
  outages = 0;
  /** Planned rollovers completed. */
  rollovers = 0;
  /** Text frames received so far, over every socket. */
  framesReceived = 0;
  /** Delays (ms) of the reconnects scheduled so far, in order. */
  readonly reconnectDelaysMs: number[] = [];

  constructor(options: ConnectionOptions) {
    this.o = options;
    this.logger = options.logger ?? silentLogger;
    this.timers = timersOn(options.clock, `connection:${options.name}`);
  }

  /** Current state. */
  get state(): ConnectionState {
    if (this.stopped) return this.active === undefined ? 'idle' : 'stopped';
    if (this.active?.open) return 'open';
    return this.reconnectTimer !== undefined ? 'waiting' : 'connecting';
  }

  /** Opens the stream (idempotent). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.connect(false);
  }

  /** Closes every socket and cancels every timer; no reconnect follows. */
  stop(): void {
    this.stopped = true;
    if (this.reconnectTimer) this.timers.cancelTimer(this.reconnectTimer);
    this.reconnectTimer = undefined;
    for (const link of [this.active, this.next]) if (link) this.retire(link, 1000, 'client stop');
    this.next = undefined;
  }

  /** Queues messages on the live socket (paced); dropped when no socket is open. */
  send(messages: readonly string[]): void {
    const link = this.active;
    if (link?.open && link.ready) link.sender.enqueue(messages);
  }

  /** Marks the current socket ready for subscriptions (after a venue `welcome`). */
  markReady(): void {
    for (const link of [this.active, this.next]) {
      if (link?.open && !link.ready) {
        link.ready = true;
        link.sender.enqueue(this.o.subscribeMessages());
        return;
      }
    }
  }

  /** Forces the current socket closed as if the venue dropped it (used on protocol errors). */
  dropActive(reason: string): void {
    const link = this.active;
    if (link) {
      this.logger.warn({ connection: this.o.name, reason }, 'closing socket');
      link.ws.terminate();
    }
  }

  private async connect(rollover: boolean): Promise<void> {
    if (this.stopped || (this.connecting && !rollover)) return;
    this.connecting = true;
    let url: string;
    try {
      url = await this.o.url();
    } catch (err) {
      this.connecting = false;
      if (!rollover)
        this.scheduleReconnect(`url resolution failed: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (this.stopped) {
      this.connecting = false;
      return;
    }
    const clock = this.timers;
    let ws: WebSocket;
    try {
      // No UTF-8 validation pass over every frame (`ws` would close on a bad byte): invalid bytes
      // decode to U+FFFD, which no venue parser accepts in a key, symbol or number, so such a
      // frame is counted as malformed by the handler instead of costing a reconnect.
      ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 10_000, skipUTF8Validation: true });
    } catch (err) {
      this.connecting = false;
      this.logger.error({ connection: this.o.name, url: redactUrl(url), error: String(err) }, 'cannot open socket');
      if (!rollover) this.scheduleReconnect('invalid url');
      return;
    }
    const link: Link = {
      id: this.nextLinkId++,
      ws,
      sender: new PacedSender(
        (m) => {
          ws.send(m);
          this.o.onSent?.(m, clock.nowUs());
        },
        this.o.maxMessagesPerSecond,
        this.o.clock,
      ),
      openedUs: clock.nowUs(),
      lastFrameUs: clock.nowUs(),
      frames: 0,
      open: false,
      ready: !this.o.waitForReady,
      timers: [],
      retired: false,
    };
    if (rollover) this.next = link;
    else this.active = link;
    this.connects++;
    ws.on('open', () => {
      this.connecting = false;
      if (link.retired) return;
      link.open = true;
      link.lastFrameUs = clock.nowUs();
      this.logger.info({ connection: this.o.name, url: redactUrl(url), rollover }, 'socket open');
      if (link.ready) link.sender.enqueue(this.o.subscribeMessages());
      this.armTimers(link);
      this.o.onOpen?.({ rollover, localTs: clock.nowUs() });
    });
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (link.retired) return;
      const now = clock.nowUs();
      link.lastFrameUs = now;
      link.frames++;
      this.framesReceived++;
      if (link.frames === 1 && link === this.active) this.attempt = 0;
      const text = isBinary ? Buffer.from(data as Buffer).toString('utf8') : data.toString();
      this.o.onMessage(text, now);
      if (link === this.next && link.frames >= 2) this.promote(link);
    });
    // Protocol-level pings (Binance sends one every 3 min) prove the socket alive too; `ws` answers them.
    ws.on('ping', () => {
      link.lastFrameUs = clock.nowUs();
    });
    ws.on('error', (err: Error) => {
      this.logger.warn({ connection: this.o.name, error: redactUrl(err.message) }, 'socket error');
    });
    ws.on('close', (code: number, reasonBuf: Buffer) => {
      this.connecting = this.connecting && link.open;
      for (const t of link.timers) clock.cancelTimer(t);
      link.sender.close();
      const wasOpen = link.open;
      link.open = false;
      if (link.retired || this.stopped) return;
      if (link === this.next) {
        // The replacement failed: keep the old socket, try the rollover again later.
        this.next = undefined;
        return;
      }
      if (link !== this.active) return;
      const reason = `${wasOpen ? 'closed' : 'connect failed'} (code ${code}${reasonBuf.length > 0 ? `: ${reasonBuf.toString().slice(0, 100)}` : ''})`;
      this.outages++;
      this.scheduleReconnect(reason);
    });
  }

  private armTimers(link: Link): void {
    const clock = this.timers;
    const idle = this.o.idleTimeoutMs;
    const checkEvery = Math.max(1, Math.floor(idle / 2));
    const idleCheck = () => {
      if (!link.open || link.retired) return;
      const silentMs = (clock.nowUs() - link.lastFrameUs) / 1000;
      if (silentMs >= idle) {
        this.logger.warn({ connection: this.o.name, silentMs }, 'no frame within the idle timeout: reconnecting');
        link.ws.terminate();
        return;
      }
      link.timers.push(clock.setTimer(checkEvery, idleCheck));
    };
    link.timers.push(clock.setTimer(checkEvery, idleCheck));
    const ping = this.o.ping;
    if (ping) {
      const tick = () => {
        if (!link.open || link.retired) return;
        link.sender.enqueue([ping.message()]);
        link.timers.push(clock.setTimer(ping.intervalMs, tick));
      };
      link.timers.push(clock.setTimer(ping.intervalMs, tick));
    }
    const life = this.o.lifetime;
    if (life) {
      link.timers.push(
        clock.setTimer(Math.max(0, life.lifetimeMs - life.rolloverBeforeMs), () => {
          if (link === this.active && link.open && !this.stopped && this.next === undefined) {
            this.logger.info({ connection: this.o.name }, 'connection lifetime ending: rolling over');
            void this.connect(true);
          }
        }),
      );
    }
  }

  /** The replacement socket streams: retire the old one. */
  private promote(link: Link): void {
    const old = this.active;
    this.active = link;
    this.next = undefined;
    this.rollovers++;
    if (old) this.retire(old, 1000, 'rollover');
  }

  private retire(link: Link, code: number, reason: string): void {
    link.retired = true;
    link.open = false;
    for (const t of link.timers) this.timers.cancelTimer(t);
    link.sender.close();
    try {
      link.ws.close(code, reason);
    } catch {
      link.ws.terminate();
    }
  }

  private scheduleReconnect(reason: string): void {
    if (this.stopped) return;
    const delay = backoffDelayMs(this.attempt, this.o.backoff ?? {}, this.o.random);
    this.attempt++;
    this.reconnectDelaysMs.push(delay);
    this.logger.warn(
      { connection: this.o.name, reason, reconnectInMs: delay, attempt: this.attempt },
      'stream interrupted',
    );
    this.o.onDown?.({ reason, localTs: this.timers.nowUs(), reconnectInMs: delay });
    this.reconnectTimer = this.timers.setTimer(delay, () => {
      this.reconnectTimer = undefined;
      this.connecting = false;
      void this.connect(false);
    });
  }
}
