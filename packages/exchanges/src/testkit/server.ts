/**
 * The replay server: a loopback WebSocket + HTTP venue that plays a recording to a real adapter.
 *
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { defaultTimerProvider, type TimerProvider } from '@tickerml/core';
import { WebSocket, WebSocketServer } from 'ws';
import { RecordingBaseError } from '../readers/errors.js';
import type { RawFrame } from '../readers/raw-frame.js';
import { BookState } from './book-state.js';
import { FaultKind, type FaultPlanSpec, type InjectedFault, planFaults, StreamingFaultPlan } from './faults.js';
import {
  answerClient,
  coinbaseSequence,
  corruptFrame,
  FrameRole,
  frameRole,
  withCoinbaseSequence,
} from './protocol.js';

/** How fast the tape plays. */
export type ReplayPace =
  /** As fast as the socket takes it (with backpressure). */
  | 'max'
  /** With the recorded gaps between frames. */
  | 'recorded'
  /** Recorded gaps divided by `speed` (×N). */
  | { readonly speed: number };

/** Options of {@link ReplayServer.start}. */
export interface ReplayServerOptions {
  /**
   * The recording, in file order (`recv` frames are played, `http` frames answer REST requests).
   * An array without `windowFrames` is held whole, sorted by `localTs` and its faults planned over
   * the whole tape. Any other iterable (a reader's `frames()`) is read as it plays, a window of
   * `windowFrames` frames at a time, so a day-long recording does not have to fit in memory.
   */
  readonly frames: readonly RawFrame[] | Iterable<RawFrame> | AsyncIterable<RawFrame>;
  /**
   * Most tape frames the server holds at once when reading a stream: what it looks ahead over
   * (the same book's next updates, for placing faults) and how far out of `localTs` order a frame
   * may be. The latest recorded REST answer per endpoint is kept besides. Defaults to 4,096 for an
   * iterable and to the whole tape for an array.
   */
  readonly windowFrames?: number;
  /** Defaults to `'max'`. */
  readonly pace?: ReplayPace;
  /** Seeded faults to inject while playing. */
  readonly faults?: FaultPlanSpec;
  /** Seed of the fault plan. Defaults to 1. */
  readonly seed?: number;
  /**
   * When the tape starts for a connection: `'connect'`, or `'first-message'` (after the client's
   * first subscribe, as Kraken, Coinbase, KuCoin and a Binance `/stream` socket behave).
   * Defaults to `'connect'` for a Binance combined-stream URL naming its streams
   * (`/stream?streams=...`), else `'first-message'`.
   */
  readonly startOn?: 'connect' | 'first-message';
  /**
   * Timers for `recorded` / `{speed}` pacing: core's `TimerProvider` (the one `LiveClock` uses).
   * Defaults to core's `defaultTimerProvider`, the host's timers: the server talks to real
   * sockets on loopback, so it paces on wall time unless a test hands it other timers.
   */
  readonly timers?: TimerProvider;
  /**
   * Inject the next planned fault only once the client has healed the previous one (asked for a
   * fresh snapshot, then 10 more book updates went by; or, if it never asks, 200 updates and
   * `healTimeoutMs` later), so each fault can be seen on its own. Counted faults (corrupt, close,
   * stale-snapshot) wait; random-rate ones are not drawn meanwhile. Also: a fault only hits a book
   * that was served a snapshot at least 5 of its updates ago (one still syncing would swallow it
   * unseen); a stale snapshot goes to the book whose update was lost for it; and on Kraken a drop
   * or reorder waits for an update whose loss the next update's checksum shows. Defaults to false
   * (the plan is applied exactly where drawn, whatever the client does).
   */
  readonly paceFaults?: boolean;
  /** With `paceFaults`: wall time to wait for a resync request before giving up on it, ms. Defaults to 300. */
  readonly healTimeoutMs?: number;
  /** Server time for reply stamps, µs. Defaults to the tape position's recorded `localTs`. */
  readonly nowUs?: () => number;
  /**
   * Which books (venue symbols) planned faults may hit; defaults to all. A fault on a book the
   * client does not follow cannot be seen.
   */
  readonly faultable?: (venueSymbol: string) => boolean;
  /**
   * While this returns true the tape does not advance (polled between frames). The live replay
   * holds it while the client has frames in flight or a book resyncing, so the client sees the
   * tape in step and a seeded run is the same every time.
   */
  readonly hold?: () => boolean;
  /** Called with each fault as it is applied (after it is added to {@link ReplayServer.injected}). */
  readonly onInject?: (fault: InjectedFault) => void;
  /**
   * Play the tape again from its first frame each time it ends, for as long as the server runs
   * (`finished` then never resolves). At each wrap every socket is closed after its last frames
   * (close code 1012, "service restart"), and the tracked book and recorded-snapshot position
   * start over, so the client reconnects and resynchronises exactly as on the first pass: the
   * venue's sequence numbers go back to the recording's first ones on a fresh connection, never
   * inside one. Faults are planned over the first pass only. Defaults to false.
   */
  readonly loop?: boolean;
  /** With `loop`: called with the pass that starts (2, 3, …) just before the sockets are closed. */
  readonly onLoop?: (pass: number) => void;
}

/** The server could not be started or was misused. */
export class ReplayServerError extends RecordingBaseError {
  override name = 'ReplayServerError' as const;
}

/** A tape frame with what playing it needs: its role, and the faultable book it updates ('' if none). */
interface TapeEntry {
  readonly frame: RawFrame;
  readonly role: FrameRole;
  readonly book: string;
}

interface Connection {
  readonly ws: WebSocket;
  readonly path: string;
  streaming: boolean;
  /** Coinbase: next sequence_num this connection should see, and recorded→sent offset. */
  cbNext: number;
  cbOffset: number | undefined;
}

/** A REST request the server answered. */
export interface ServedRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** `tracked` (current book), `recorded` (body from the file), `stale`, `bullet`, or `none`. */
  readonly source: 'tracked' | 'recorded' | 'stale' | 'bullet' | 'none';
}

/**
 * Serves a recording on `127.0.0.1:<ephemeral port>` as if it were the venue: WebSocket on any
 * path (`wsUrl`), REST on `httpUrl`. Answers subscribe and ping messages, REST depth snapshots
 * (of the book *now*, or the recorded body), KuCoin's `POST /api/v1/bullet-public`, and injects
 * faults on command ({@link ReplayServer.inject}) or from a seeded plan.
 *
 * The tape is one cursor shared by all connections: frames go to every subscribed socket; when
 * none is open the tape waits, so a reconnecting client resumes where the stream is.
 *
 * @throws {ReplayServerError} from `start` when the port cannot be bound.
 * @example
 * ```ts
 * const rec = await openRecording('test/fixtures/kraken/crossbook_kraken_btcusd_l2.cbcap');
 * const frames = []; for await (const f of rec.frames()) frames.push(f);
 * const server = await ReplayServer.start({ frames, faults: { corrupt: 2 }, seed: 7 });
 * const adapter = new KrakenAdapter({ urls: { ws: server.wsUrl, rest: server.httpUrl } });
 * await server.finished;
 * console.log(server.injected); // the faults applied, where
 * await server.close();
 * ```
 */
export class ReplayServer {
  /** The faults applied so far, in order. */
  readonly injected: InjectedFault[] = [];
  /** REST requests answered so far (with `loop`: in the current pass). */
  readonly requests: ServedRequest[] = [];
  /** Frames sent over WebSocket so far (all connections). */
  framesSent = 0;
  /** WebSocket connections accepted so far. */
  connectionsAccepted = 0;
  /**
   * Resolves when the last frame of the tape has been sent (never with `loop`).
   * Rejects with the error of reading the stream, or a {@link ReplayServerError} naming a frame
   * out of `localTs` order by more than `windowFrames`.
   */
  readonly finished: Promise<void>;
  /** Most tape frames held at once so far (at most `windowFrames`). */
  peakFramesHeld = 0;
  /** Why the tape stopped early (also the rejection of {@link finished}), if it did. */
  failure: Error | undefined;
  /** Passes of the tape started so far (1 until a `loop` server wraps). */
  passes = 1;

  /** Tape entries from absolute index `bufStart` on; played ones are released unless the tape is held whole. */
  private buf: Array<TapeEntry | undefined> = [];
  private bufStart = 0;
  private readonly source: Iterator<RawFrame> | AsyncIterator<RawFrame>;
  private sourceDone = false;
  /** An array given without `windowFrames`: held whole (loop, plan over the whole tape). */
  private readonly wholeTape: boolean;
  private readonly windowFrames: number;
  private readonly faultable: ((venueSymbol: string) => boolean) | undefined;
  private lastPlayed: RawFrame | undefined;
  /** Frames read from the source so far (greetings and other kinds included), for error messages. */
  private framesRead = 0;
  /** Book updates of each faultable book still ahead in the tape held. */
  private readonly remaining = new Map<string, number>();
  private initialRemaining = new Map<string, number>();
  /** Recorded REST answers by path, then query; per query only the latest at or before the tape position, and later ones. */
  private readonly recordedHttp = new Map<string, Map<string, RawFrame[]>>();
  private book = new BookState();
  private readonly plan: Map<number, FaultKind>;
  private readonly streamingPlan: StreamingFaultPlan | undefined;
  private readonly pending: FaultKind[] = [];
  private readonly sentAhead = new Set<number>();
  private readonly connections = new Set<Connection>();
  private greeting: string | undefined;
  private readonly startOn: 'connect' | 'first-message' | undefined;
  private readonly pace: ReplayPace;
  private readonly timers: TimerProvider;
  private readonly nowUsFn: (() => number) | undefined;
  private readonly onInject: ((fault: InjectedFault) => void) | undefined;
  private readonly holdFn: (() => boolean) | undefined;
  private cursor = 0;
  /** Book updates of each book (venue symbol) since a snapshot of it was served. */
  private readonly updatesSinceSnapshot = new Map<string, number>();
  /** Books whose next snapshot is served stale (`*`: whichever book asks first). */
  private readonly staleArmed: string[] = [];
  /**
   * Planned faults wait while the client is still healing the previous one (until it asked for a
   * fresh snapshot and 10 more book updates went by), so that each one can be seen on its own.
   */
  private healing = false;
  private resyncRequested = false;
  private updatesSinceResync = 0;
  private updatesWhileHealing = 0;
  private readonly deferred: FaultKind[] = [];
  private readonly paceFaults: boolean;
  private readonly healTimeoutMs: number;
  private healingSinceMs = 0;
  /** Planned faults skipped because the client was still healing the previous one. */
  plannedFaultsSkipped = 0;
  private stalled = false;
  private pumping = false;
  private timer: unknown;
  private closed = false;
  private resolveFinished!: () => void;
  private rejectFinished!: (err: Error) => void;
  private readonly firstKrakenSnapshot = new Map<string, string>();
  private readonly loop: boolean;
  private readonly onLoop: ((pass: number) => void) | undefined;

  private constructor(
    private readonly http: Server,
    private readonly wss: WebSocketServer,
    options: ReplayServerOptions,
  ) {
    this.finished = new Promise((resolve, reject) => {
      this.resolveFinished = resolve;
      this.rejectFinished = reject;
    });
    // Callers that only poll `failure` must not see an unhandled rejection.
    this.finished.catch(() => undefined);
    this.pace = options.pace ?? 'max';
    this.timers = options.timers ?? defaultTimerProvider;
    this.nowUsFn = options.nowUs;
    this.onInject = options.onInject;
    this.holdFn = options.hold;
    this.startOn = options.startOn;
    this.paceFaults = options.paceFaults ?? false;
    this.healTimeoutMs = options.healTimeoutMs ?? 300;
    this.onLoop = options.onLoop;
    this.faultable = options.faultable;
    this.wholeTape = Array.isArray(options.frames) && options.windowFrames === undefined;
    if (
      options.windowFrames !== undefined &&
      !(Number.isSafeInteger(options.windowFrames) && options.windowFrames >= 2)
    )
      throw new ReplayServerError('Invalid replay window', {
        details: `expected windowFrames an integer >= 2, was ${options.windowFrames}`,
      });
    this.windowFrames = this.wholeTape ? Number.POSITIVE_INFINITY : (options.windowFrames ?? 4096);
    if ((options.loop ?? false) && !this.wholeTape)
      throw new ReplayServerError('A looping replay needs the whole tape', {
        details: 'pass `frames` as an array without `windowFrames` to loop',
      });
    if (this.wholeTape) {
      // Played in localTs order (stable), as recorded streams are replayed everywhere.
      const ordered = (options.frames as readonly RawFrame[])
        .map((f, i) => [f, i] as const)
        .sort((a, b) => a[0].localTs - b[0].localTs || a[1] - b[1])
        .map(([f]) => f);
      this.source = ordered[Symbol.iterator]();
      for (let r = this.source.next(); r.done !== true; r = this.source.next()) this.admit(r.value);
      this.sourceDone = true;
      this.initialRemaining = new Map(this.remaining);
    } else {
      const frames = options.frames as Iterable<RawFrame> | AsyncIterable<RawFrame>;
      this.source =
        Symbol.asyncIterator in frames
          ? frames[Symbol.asyncIterator]()
          : (frames as Iterable<RawFrame>)[Symbol.iterator]();
    }
    // A fault only hits an update with at least 20 more of the same book after it: a book needs
    // updates after its fresh snapshot to be seen healed. Closing every socket resyncs every book:
    // only where each book has 5 updates still to come. A whole tape is planned up front; a
    // stream, update by update as it plays, looking ahead over its window.
    if (this.wholeTape && options.faults !== undefined) {
      const eligible: number[] = [];
      const closeEligible: number[] = [];
      const remaining = new Map(this.remaining);
      let booksWithFewLeft = [...remaining.values()].filter((n) => n < 5).length;
      for (let i = 0; i < this.buf.length; i++) {
        const symbol = (this.buf[i] as TapeEntry).book;
        if (symbol === '') continue;
        const left = (remaining.get(symbol) ?? 0) - 1;
        remaining.set(symbol, left);
        if (left === 4) booksWithFewLeft++;
        if (left >= 20) eligible.push(i);
        if (left >= 20 && booksWithFewLeft === 0) closeEligible.push(i);
      }
      this.plan = planFaults(eligible, options.faults, options.seed ?? 1, closeEligible);
    } else {
      this.plan = new Map();
    }
    this.streamingPlan =
      !this.wholeTape && options.faults !== undefined
        ? new StreamingFaultPlan(options.faults, options.seed ?? 1)
        : undefined;
    this.loop = (options.loop ?? false) && this.buf.length > 0;
  }

  /** Tape frames held now: read and not yet played. */
  get framesHeld(): number {
    return this.bufStart + this.buf.length - this.cursor;
  }

  /** Absolute index one past the last tape frame read. */
  private get readEnd(): number {
    return this.bufStart + this.buf.length;
  }

  private at(index: number): TapeEntry | undefined {
    return this.buf[index - this.bufStart];
  }

  /** Takes one frame of the source into the tape, in `localTs` order within the window. */
  private admit(frame: RawFrame): void {
    this.framesRead++;
    if (frame.kind === 'http') this.keepRecorded(frame);
    if (frame.kind !== 'recv' && frame.kind !== 'http') return;
    const role = frame.kind === 'recv' ? frameRole(frame.data) : FrameRole.Data;
    if (role === FrameRole.Greeting) {
      this.greeting ??= frame.data;
      return;
    }
    const update = role === FrameRole.BookUpdate ? bookSymbol(frame.data) : '';
    const book = update !== '' && (this.faultable?.(update) ?? true) ? update : '';
    const firstUnplayed = this.cursor - this.bufStart;
    let slot = this.buf.length;
    while (slot > firstUnplayed && (this.buf[slot - 1] as TapeEntry).frame.localTs > frame.localTs) slot--;
    if (slot === firstUnplayed && this.lastPlayed !== undefined && frame.localTs < this.lastPlayed.localTs) {
      throw new ReplayServerError('Recording out of order beyond the replay window', {
        details: `frame ${this.framesRead} of the recording (${frame.kind}, localTs ${frame.localTs}) comes after a frame at localTs ${this.lastPlayed.localTs} already played; it is out of order by more than windowFrames (${this.windowFrames}): raise windowFrames`,
      });
    }
    const entry: TapeEntry = { frame, role, book };
    if (slot === this.buf.length) {
      this.buf.push(entry);
    } else {
      this.buf.splice(slot, 0, entry);
      const moved = [...this.sentAhead].filter((i) => i >= this.bufStart + slot);
      for (const i of moved) this.sentAhead.delete(i);
      for (const i of moved) this.sentAhead.add(i + 1);
    }
    if (book !== '') this.remaining.set(book, (this.remaining.get(book) ?? 0) + 1);
    if (this.framesHeld > this.peakFramesHeld) this.peakFramesHeld = this.framesHeld;
  }

  /** Keeps a recorded REST answer, dropping those of its endpoint superseded at the tape position. */
  private keepRecorded(frame: RawFrame): void {
    const key = requestKey(frame.url ?? '');
    let byQuery = this.recordedHttp.get(key.path);
    if (byQuery === undefined) {
      byQuery = new Map();
      this.recordedHttp.set(key.path, byQuery);
    }
    const list = byQuery.get(key.query) ?? [];
    list.push(frame);
    byQuery.set(key.query, list);
    const nowTs = this.lastPlayed?.localTs;
    if (nowTs === undefined) return;
    let superseded = 0;
    while (superseded + 1 < list.length && (list[superseded + 1] as RawFrame).localTs <= nowTs) superseded++;
    if (superseded > 0) list.splice(0, superseded);
  }

  /** Reads the source until the window is full or the recording ends. */
  private async fill(): Promise<void> {
    while (!this.sourceDone && this.framesHeld < this.windowFrames) {
      const next = await this.source.next();
      if (next.done === true) this.sourceDone = true;
      else this.admit(next.value);
    }
  }

  /** Lets go of a played frame (a whole tape keeps its frames for `loop`). */
  private release(index: number): void {
    if (this.wholeTape) return;
    this.buf[index - this.bufStart] = undefined;
    const played = index + 1 - this.bufStart;
    if (played >= 1024 && played * 2 >= this.buf.length) {
      this.buf.splice(0, played);
      this.bufStart += played;
    }
  }

  /**
   * Starts a server for `options.frames` on 127.0.0.1 and an ephemeral port.
   * @throws {ReplayServerError} when the socket cannot be bound.
   */
  static async start(options: ReplayServerOptions): Promise<ReplayServer> {
    const http = createServer();
    const wss = new WebSocketServer({ server: http });
    const server = new ReplayServer(http, wss, options);
    // The first window, so the greeting is known before the first client connects.
    try {
      await server.fill();
    } catch (err) {
      throw err instanceof ReplayServerError ? err : new ReplayServerError('Cannot read the recording', { cause: err });
    }
    if (server.sourceDone && server.framesHeld === 0) server.resolveFinished();
    http.on('request', (req, res) => server.onHttp(req, res));
    wss.on('connection', (ws, req) => server.onConnection(ws, req));
    await new Promise<void>((resolve, reject) => {
      http.once('error', (err) => reject(new ReplayServerError('Cannot start the replay server', { cause: err })));
      http.listen(0, '127.0.0.1', () => resolve());
    });
    return server;
  }

  /** The bound port. */
  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  /** WebSocket base URL, `ws://127.0.0.1:<port>` (any path is accepted). */
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** REST base URL, `http://127.0.0.1:<port>`. */
  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /**
   * Frames in the tape (received frames and REST bodies, greetings excluded): all of them for a
   * whole tape, those read so far for a stream.
   */
  get tapeLength(): number {
    return this.readEnd;
  }

  /** Index of the next tape frame to play. */
  get position(): number {
    return this.cursor;
  }

  /** Number of sockets open now. */
  get openConnections(): number {
    return this.connections.size;
  }

  /**
   * Injects a fault now: `close` terminates every socket at once, `stall` stops the tape until
   * {@link resume}, `stale-snapshot` makes the next snapshot served stale, and `drop`, `dup`,
   * `reorder`, `corrupt` apply to the next book update played.
   */
  inject(kind: FaultKind): void {
    if (kind === FaultKind.Close) this.closeSockets(-1);
    else if (kind === FaultKind.Stall) this.stall();
    else if (kind === FaultKind.StaleSnapshot) this.staleArmed.push('*');
    else this.pending.push(kind);
  }

  private record(fault: InjectedFault): void {
    this.injected.push(fault);
    this.onInject?.(fault);
  }

  /** Stops playing frames (the `stall` fault); sockets stay open and still answer pings. */
  stall(): void {
    if (!this.stalled)
      this.record({
        kind: FaultKind.Stall,
        tapeIndex: this.cursor,
        localTs: this.at(this.cursor)?.frame.localTs ?? 0,
        detail: 'tape stopped',
      });
    this.stalled = true;
  }

  /** Resumes a stalled tape. */
  resume(): void {
    this.stalled = false;
    this.kick();
  }

  /** Stops everything and frees the port. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    for (const c of this.connections) c.ws.terminate();
    this.connections.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private nowUs(): number {
    return this.nowUsFn?.() ?? this.tapeTs();
  }

  /** `localTs` of the tape position: the next frame, or the last one played. */
  private tapeTs(): number {
    return this.at(this.cursor)?.frame.localTs ?? this.lastPlayed?.localTs ?? 0;
  }

  private onHttp(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const method = req.method ?? 'GET';
    const reply = (status: number, body: string, source: ServedRequest['source']) => {
      this.requests.push({ method, path: url, status, source });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    };
    req.resume();
    if (method === 'POST' && url.startsWith('/api/v1/bullet-public')) {
      reply(
        200,
        JSON.stringify({
          code: '200000',
          data: {
            token: 'replay-token',
            instanceServers: [
              {
                endpoint: `${this.wsUrl}/kucoin`,
                encrypt: false,
                protocol: 'websocket',
                pingInterval: 18000,
                pingTimeout: 10000,
              },
            ],
          },
        }),
        'bullet',
      );
      return;
    }
    const staleSlot = this.staleSlot(requestKey(url).symbol);
    if (staleSlot >= 0 && this.streamContinues()) {
      const stale = this.book.restSnapshot(url, this.nowUs(), true);
      if (stale !== undefined) {
        this.staleArmed.splice(staleSlot, 1);
        this.record({
          kind: FaultKind.StaleSnapshot,
          tapeIndex: this.cursor,
          localTs: this.nowUs(),
          detail: `stale snapshot served on ${url}`,
          ...venueSymbolOf(requestKey(url).symbol),
        });
        this.resyncRequested = false; // the client must ask again
        reply(200, stale, 'stale');
        return;
      }
    }
    const tracked = this.book.restSnapshot(url, this.nowUs());
    const snapshotOf = requestKey(url).symbol;
    if (snapshotOf !== undefined) this.updatesSinceSnapshot.set(snapshotOf, 0);
    if (tracked !== undefined) this.noteResync();
    if (tracked !== undefined) {
      reply(200, tracked, 'tracked');
      return;
    }
    const recorded = this.lookupRecorded(url);
    if (recorded !== undefined) {
      this.noteResync();
      reply(200, recorded, 'recorded');
      return;
    }
    reply(404, JSON.stringify({ error: `no recorded response for ${method} ${url}` }), 'none');
  }

  /** The recorded body for a path: same query first, then same `symbol`, then any; latest at or before the tape position. */
  private lookupRecorded(url: string): string | undefined {
    const key = requestKey(url);
    let byQuery = this.recordedHttp.get(key.path);
    if (byQuery === undefined) {
      // Same resource under another API version or depth variant (`/api/v1/.../level2_100` vs `/api/v3/.../level2`).
      const wanted = resourceOf(key.path);
      for (const [path, frames] of this.recordedHttp) if (resourceOf(path) === wanted) byQuery = frames;
    }
    if (byQuery === undefined) return undefined;
    const list = [...byQuery.values()].flat().sort((a, b) => a.localTs - b.localTs);
    if (list.length === 0) return undefined;
    const nowTs = this.tapeTs();
    const candidates = list.filter((f) => requestKey(f.url ?? '').query === key.query);
    const bySymbol =
      candidates.length > 0 ? candidates : list.filter((f) => requestKey(f.url ?? '').symbol === key.symbol);
    const pool = bySymbol.length > 0 ? bySymbol : key.symbol === undefined ? list : [];
    if (pool.length === 0) return undefined;
    let best = pool[0] as RawFrame;
    for (const f of pool) if (f.localTs <= nowTs) best = f;
    return best.data;
  }

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    if (this.closed) {
      ws.terminate();
      return;
    }
    this.connectionsAccepted++;
    const conn: Connection = { ws, path: req.url ?? '/', streaming: false, cbNext: 0, cbOffset: undefined };
    this.connections.add(conn);
    ws.on('close', () => this.connections.delete(conn));
    ws.on('error', () => this.connections.delete(conn));
    ws.on('message', (data) => this.onClientMessage(conn, data.toString()));
    if (this.greeting !== undefined) this.sendTo(conn, this.greeting, false);
    if ((this.startOn ?? (conn.path.includes('streams=') ? 'connect' : 'first-message')) === 'connect') {
      conn.streaming = true;
      this.kick();
    }
  }

  private onClientMessage(conn: Connection, text: string): void {
    const answer = answerClient(text, this.nowUs());
    for (const reply of answer.replies) this.sendTo(conn, reply, true);
    if (answer.bookSymbols !== undefined && this.cursor > 0) {
      for (const symbol of answer.bookSymbols) {
        let snapshot: string | undefined;
        if (answer.protocol === 'kraken') {
          const slot = this.staleSlot(symbol);
          if (slot >= 0 && this.streamContinues() && this.firstKrakenSnapshot.has(symbol)) {
            this.staleArmed.splice(slot, 1);
            snapshot = this.firstKrakenSnapshot.get(symbol);
            this.record({
              kind: FaultKind.StaleSnapshot,
              tapeIndex: this.cursor,
              localTs: this.nowUs(),
              detail: `stale ${symbol} snapshot on subscribe`,
              venueSymbol: symbol,
            });
            this.resyncRequested = false;
          } else {
            snapshot = this.book.krakenSnapshot(symbol, this.nowUs());
            this.noteResync();
          }
        } else if (answer.protocol === 'coinbase') {
          snapshot = this.book.coinbaseSnapshot(symbol, this.nowUs());
          this.noteResync();
        }
        if (snapshot !== undefined) {
          this.updatesSinceSnapshot.set(symbol, 0);
          this.sendTo(conn, snapshot, true);
        }
      }
    }
    if (answer.bookSymbols !== undefined) this.noteResync();
    if (!conn.streaming) {
      conn.streaming = true;
      this.kick();
    }
  }

  /** Index in `staleArmed` of a stale snapshot due to `symbol`'s book, or -1. */
  private staleSlot(symbol: string | undefined): number {
    const own = symbol === undefined ? -1 : this.staleArmed.indexOf(symbol);
    return own >= 0 ? own : this.staleArmed.indexOf('*');
  }

  /** A stale snapshot is only served while updates still follow that can show it is stale. */
  private streamContinues(): boolean {
    return !this.sourceDone || this.cursor < this.readEnd - 20;
  }

  private noteResync(): void {
    if (this.healing) this.resyncRequested = true;
  }

  /** Sends one message to one socket; `synthesized` messages take the next Coinbase sequence number. */
  private sendTo(conn: Connection, text: string, synthesized: boolean, recordedSeq = -1): void {
    if (conn.ws.readyState !== WebSocket.OPEN) return;
    let out = text;
    if (synthesized && coinbaseSequence(text) >= 0) {
      out = withCoinbaseSequence(text, conn.cbNext);
      conn.cbNext++;
      if (conn.cbOffset !== undefined) conn.cbOffset++;
    } else if (recordedSeq >= 0) {
      conn.cbOffset ??= conn.cbNext - recordedSeq;
      const seq = recordedSeq + conn.cbOffset;
      out = withCoinbaseSequence(text, seq);
      conn.cbNext = seq + 1;
    }
    conn.ws.send(out);
    this.framesSent++;
  }

  private broadcast(text: string): void {
    const recordedSeq = coinbaseSequence(text);
    for (const conn of this.connections) if (conn.streaming) this.sendTo(conn, text, false, recordedSeq);
  }

  private closeSockets(index: number, localTs = 0): void {
    this.record({
      kind: FaultKind.Close,
      tapeIndex: index,
      localTs,
      detail: `${this.connections.size} socket(s) terminated`,
    });
    for (const conn of this.connections) conn.ws.terminate();
    this.connections.clear();
  }

  private hasListener(): boolean {
    for (const c of this.connections) if (c.streaming && c.ws.readyState === WebSocket.OPEN) return true;
    return false;
  }

  private kick(): void {
    if (this.pumping || this.closed) return;
    this.pumping = true;
    queueMicrotask(() => {
      void this.pump();
    });
  }

  /** Plays frames while someone listens and the tape is not stalled. */
  private async pump(): Promise<void> {
    // At the fastest pace a burst of frames leaves in one write, as a venue's socket delivers
    // frames that queued while the reader was busy; frame by frame, the client would pay one
    // wake-up and one read per frame, which is the server's pace, not the client's capacity.
    const corked: Socket[] = [];
    try {
      let sinceYield = 0;
      while (!this.closed && !this.stalled && this.hasListener()) {
        if (!this.sourceDone && this.framesHeld < this.windowFrames) await this.fill();
        if (this.cursor >= this.readEnd) break;
        if (this.holdFn?.()) {
          // What is corked has not reached the feed: release it, or the hold never ends.
          uncorkAll(corked);
          sinceYield = 0;
          await new Promise<void>((resolve) => setImmediate(resolve));
          continue;
        }
        if (this.pace !== 'max' && this.lastPlayed !== undefined) {
          const prev = this.lastPlayed;
          const next = (this.at(this.cursor) as TapeEntry).frame;
          const speed = this.pace === 'recorded' ? 1 : this.pace.speed;
          const delayMs = (next.localTs - prev.localTs) / 1000 / speed;
          if (delayMs >= 1) {
            await new Promise<void>((resolve) => {
              this.timer = this.timers.setTimeout(resolve, delayMs);
            });
            this.timer = undefined;
            if (this.closed || this.stalled || !this.hasListener()) break;
          }
        }
        if (sinceYield === 0 && this.pace === 'max') this.corkAll(corked);
        this.playOne();
        if (++sinceYield >= 64 || this.maxBuffered() > 4 * 1024 * 1024) {
          sinceYield = 0;
          uncorkAll(corked);
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
    } catch (err) {
      this.failure = err instanceof Error ? err : new ReplayServerError('Cannot read the recording', { cause: err });
      this.closed = true;
      this.rejectFinished(this.failure);
    } finally {
      uncorkAll(corked);
      this.pumping = false;
    }
    if (this.cursor < this.readEnd || !this.sourceDone || this.closed) return;
    if (this.loop) this.wrap();
    else this.resolveFinished();
  }

  /** `loop`: starts the next pass on fresh connections (see {@link ReplayServerOptions.loop}). */
  private wrap(): void {
    this.passes++;
    this.onLoop?.(this.passes);
    // close, not terminate: the frames already queued reach the client before the close frame.
    for (const c of this.connections) c.ws.close(1012, 'replay loop');
    this.connections.clear();
    this.cursor = 0;
    this.lastPlayed = undefined;
    for (const [book, n] of this.initialRemaining) this.remaining.set(book, n);
    this.book = new BookState();
    this.firstKrakenSnapshot.clear();
    this.sentAhead.clear();
    this.plan.clear();
    // Bounded over a long run: the requests of the current pass only.
    this.requests.length = 0;
  }

  /** Corks the TCP socket under every open connection (`ws` keeps it as `_socket`). */
  private corkAll(corked: Socket[]): void {
    for (const c of this.connections) {
      const socket = (c.ws as unknown as { _socket?: Socket | null })._socket;
      if (socket && !socket.destroyed) {
        socket.cork();
        corked.push(socket);
      }
    }
  }

  private maxBuffered(): number {
    let max = 0;
    for (const c of this.connections) if (c.ws.bufferedAmount > max) max = c.ws.bufferedAmount;
    return max;
  }

  /**
   * Whether losing the Kraken update `frame` (tape index `index`) would show at the same book's
   * next update. False when that update is not in the window: the loss cannot be placed there.
   */
  private krakenLossShows(index: number, frame: RawFrame): boolean {
    const symbol = bookSymbol(frame.data);
    for (let next = index + 1; next < this.readEnd; next++) {
      const entry = this.at(next) as TapeEntry;
      if (entry.role !== FrameRole.BookUpdate) continue;
      if (bookSymbol(entry.frame.data) === symbol) return this.book.krakenLossShows(frame.data, entry.frame.data);
    }
    return false;
  }

  private playOne(): void {
    const index = this.cursor++;
    const { frame, role, book } = this.at(index) as TapeEntry;
    this.release(index);
    this.lastPlayed = frame;
    // Eligible for a fault: at least 20 more updates of the book ahead in the window; for a close,
    // also 5 of every book.
    let eligible = false;
    let closeEligible = false;
    if (book !== '') {
      const left = (this.remaining.get(book) ?? 0) - 1;
      this.remaining.set(book, left);
      eligible = left >= 20;
      closeEligible = eligible;
      if (eligible) for (const n of this.remaining.values()) if (n < 5) closeEligible = false;
    }
    const drawn =
      this.streamingPlan === undefined
        ? this.plan.get(index)
        : eligible && !this.sentAhead.has(index)
          ? this.streamingPlan.next(closeEligible)
          : undefined;
    // Kraken has no sequence numbers: losing or delaying an update shows only through the
    // checksum of the next one, so planned drops and reorders wait for an update where it does.
    const checksumBlind =
      role === FrameRole.BookUpdate &&
      frame.data.includes('"checksum":') &&
      (drawn !== undefined || this.deferred.length > 0) &&
      !this.krakenLossShows(index, frame);
    this.book.observe(frame);
    if (frame.kind === 'http') return;
    if (frame.data.startsWith('{"channel":"book","type":"snapshot"')) {
      const symbol = /"symbol":"([^"]+)"/.exec(frame.data)?.[1];
      if (symbol !== undefined && !this.firstKrakenSnapshot.has(symbol))
        this.firstKrakenSnapshot.set(symbol, frame.data);
    }
    // A snapshot on the socket (Kraken, Coinbase) starts its book afresh.
    if (frame.data.includes('"type":"snapshot"')) {
      const symbol = bookSymbol(frame.data);
      if (symbol !== '?') this.updatesSinceSnapshot.set(symbol, 0);
    }
    if (this.sentAhead.delete(index)) return;
    if (role === FrameRole.Control) {
      // Replies are synthesized for the live client; keep a Coinbase connection's counter whole.
      if (coinbaseSequence(frame.data) >= 0)
        for (const c of this.connections) if (c.cbOffset !== undefined) c.cbOffset--;
      return;
    }
    let fault: FaultKind | undefined;
    if (role === FrameRole.BookUpdate) {
      // Healed: 10 updates after the client's resync request. Or never noticed: after 200 updates
      // without one (a Kraken update outside the checksummed top 10 can go unseen).
      if (
        this.healing &&
        (this.resyncRequested
          ? ++this.updatesSinceResync >= 10
          : ++this.updatesWhileHealing >= 200 && performance.now() - this.healingSinceMs >= this.healTimeoutMs)
      ) {
        this.healing = false;
      }
      fault = this.pending.shift();
      const fromPlan = fault === undefined;
      const planned = fault === undefined ? drawn : undefined;
      // A book that has not been served a snapshot yet (or only just) is still syncing: a fault
      // there would vanish into the snapshot, unseen.
      const symbol = bookSymbol(frame.data);
      const since = this.updatesSinceSnapshot.get(symbol);
      if (since !== undefined) this.updatesSinceSnapshot.set(symbol, since + 1);
      const bookSettled = !this.paceFaults || (since ?? -1) >= 5;
      if (this.healing || !bookSettled) {
        // Counted faults wait for the heal; random-rate ones are simply not drawn meanwhile.
        if (planned === FaultKind.Corrupt || planned === FaultKind.Close || planned === FaultKind.StaleSnapshot)
          this.deferred.push(planned);
        else if (planned !== undefined) this.plannedFaultsSkipped++;
      } else if (fault === undefined) {
        const next = this.deferred[0];
        const fits = next === FaultKind.Close ? closeEligible : eligible;
        fault = (next !== undefined && fits ? this.deferred.shift() : undefined) ?? planned;
        if (planned !== undefined && fault !== planned) this.plannedFaultsSkipped++;
      }
      if (
        this.paceFaults &&
        checksumBlind &&
        fromPlan &&
        (fault === FaultKind.Drop || fault === FaultKind.Reorder || fault === FaultKind.StaleSnapshot)
      ) {
        this.deferred.push(fault);
        fault = undefined;
      }
      // A duplicate never needs a resync.
      const needsHeal = fault !== FaultKind.Duplicate;
      if (fault !== undefined && needsHeal) {
        // That book (every book, on a close) waits for a fresh snapshot before the next fault.
        if (fault === FaultKind.Close) this.updatesSinceSnapshot.clear();
        else this.updatesSinceSnapshot.delete(symbol);
      }
      if (fault !== undefined && needsHeal && this.paceFaults) {
        this.healing = true;
        this.healingSinceMs = performance.now();
        this.resyncRequested = false;
        this.updatesSinceResync = 0;
        this.updatesWhileHealing = 0;
      }
    }
    if (fault === undefined) {
      this.broadcast(frame.data);
      return;
    }
    const log = (detail: string, kind: FaultKind = fault as FaultKind) =>
      this.record({ kind, tapeIndex: index, localTs: frame.localTs, detail, venueSymbol: bookSymbol(frame.data) });
    switch (fault) {
      case FaultKind.Drop:
        log('book update not sent');
        return;
      case FaultKind.Duplicate:
        this.broadcast(frame.data);
        this.broadcast(frame.data);
        log('book update sent twice');
        return;
      case FaultKind.Reorder: {
        // Swapped with the same book's next update: a swap across books changes nothing.
        const symbol = bookSymbol(frame.data);
        let next = index + 1;
        while (
          next < this.readEnd &&
          ((this.at(next) as TapeEntry).role !== FrameRole.BookUpdate ||
            this.sentAhead.has(next) ||
            bookSymbol((this.at(next) as TapeEntry).frame.data) !== symbol)
        )
          next++;
        if (next >= this.readEnd) {
          this.broadcast(frame.data);
          return;
        }
        this.broadcast((this.at(next) as TapeEntry).frame.data);
        this.broadcast(frame.data);
        this.sentAhead.add(next);
        log(`book update sent after tape frame ${next}`);
        return;
      }
      case FaultKind.Corrupt:
        this.broadcast(corruptFrame(frame.data));
        log(frame.data.includes('"checksum":') ? 'checksum changed' : 'frame cut in half');
        return;
      case FaultKind.Close:
        this.broadcast(frame.data);
        this.closeSockets(index, frame.localTs);
        return;
      case FaultKind.StaleSnapshot:
        // Lose this update so the client must resync, and make the snapshot it gets stale.
        this.staleArmed.push(bookSymbol(frame.data));
        log('book update not sent, next snapshot stale', FaultKind.Drop);
        return;
      default:
        this.broadcast(frame.data);
    }
  }
}

const BOOK_SYMBOL = /"(?:s|symbol|product_id)":"([^"]+)"/;

/** The venue symbol a book update is for (Binance `s`, KuCoin/Kraken `symbol`, Coinbase `product_id`). */
function bookSymbol(text: string): string {
  return BOOK_SYMBOL.exec(text.length > 400 ? text.slice(0, 400) : text)?.[1] ?? '?';
}

function venueSymbolOf(symbol: string | undefined): { venueSymbol?: string } {
  return symbol === undefined ? {} : { venueSymbol: symbol };
}

function resourceOf(path: string): string {
  return path.replace(/^\/(api|fapi|dapi)\/v\d+/, '').replace(/_\d+$/, '');
}

function requestKey(url: string): { path: string; query: string; symbol: string | undefined } {
  let parsed: URL;
  try {
    parsed = new URL(url, 'http://replay.invalid');
  } catch {
    return { path: url, query: '', symbol: undefined };
  }
  const params = [...parsed.searchParams.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    path: parsed.pathname,
    query: params.map(([k, v]) => `${k}=${v}`).join('&'),
    symbol: parsed.searchParams.get('symbol') ?? parsed.searchParams.get('pair') ?? undefined,
  };
}

function uncorkAll(corked: Socket[]): void {
  for (const socket of corked.splice(0)) if (!socket.destroyed) socket.uncork();
}
