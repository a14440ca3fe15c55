/**
 * The alert engine: turns the conditions that hold at each evaluation into messages for people.
 *
 * A rule set (see {@link BoxAlertRules}) says which conditions hold now, each under a stable
 * `key` (`feed_stale:binance`). The engine compares them with the ones that held before:
 * - a new key **fires** once (status `firing`);
 * - a key still active is sent again (a repeat) at most every `repeatUs`;
 * - a key that no longer holds is **resolved** once (status `resolved`) and moves to the recent list.
 *
 * One-off events that have no "cleared" state (the process resumed from a checkpoint after a
 * crash) go through {@link AlertEngine.notice}: sent once, kept in the recent list, never resolved.
 *
 * The engine does no I/O: it hands each message to `send` (usually an {@link AlertDispatcher},
 * which queues and retries without ever blocking the caller). Time is passed in, in µs.
 *
 * @module
 */
import { BaseError } from '@tickerml/core';

/** How bad an alert is. */
export const AlertSeverity = { Info: 'info', Warning: 'warning', Critical: 'critical' } as const;
/** One of {@link AlertSeverity}'s values. */
export type AlertSeverity = (typeof AlertSeverity)[keyof typeof AlertSeverity];

/** What a message says about its alert. */
export const AlertStatus = {
  /** The condition started holding (or, with `repeat` > 0, still holds). */
  Firing: 'firing',
  /** The condition stopped holding. */
  Resolved: 'resolved',
  /** A one-off event (a crash recovery): sent once, never resolved. */
  Notice: 'notice',
} as const;
/** One of {@link AlertStatus}'s values. */
export type AlertStatus = (typeof AlertStatus)[keyof typeof AlertStatus];

/** A condition that holds now, as a rule reports it. */
export interface AlertCondition {
  /** Stable identity across evaluations, e.g. `feed_stale:binance`. */
  readonly key: string;
  /** The rule's name, e.g. `feed_stale` (the Prometheus rules use the same names). */
  readonly rule: string;
  readonly severity: AlertSeverity;
  /** One line with the numbers, e.g. "binance: no book update for 12.0 s (threshold 5.0 s)". */
  readonly summary: string;
  /** Extra labels (venue, symbol…). */
  readonly labels?: Readonly<Record<string, string>>;
}

/** What a channel delivers. Times are µs since the epoch. */
export interface AlertMessage {
  readonly status: AlertStatus;
  readonly key: string;
  readonly rule: string;
  readonly severity: AlertSeverity;
  /** For `resolved`: the last summary seen while firing. */
  readonly summary: string;
  readonly labels: Readonly<Record<string, string>>;
  /** When the condition was first seen, µs. */
  readonly startedAtUs: number;
  /** When this message was made, µs. */
  readonly atUs: number;
  /** 0 for the first `firing` message, 1, 2… for the repeats. */
  readonly repeat: number;
  /** The box that sends it (config `box`, default the host name), so one chat can serve several. */
  readonly source: string;
}

/** An alert as the dashboard shows it. */
export interface AlertRecord {
  readonly key: string;
  readonly rule: string;
  readonly severity: AlertSeverity;
  readonly summary: string;
  readonly labels: Readonly<Record<string, string>>;
  /** `firing` while active; `resolved` or `notice` in the recent list. */
  readonly status: AlertStatus;
  readonly startedAtUs: number;
  /** When it was resolved (or the notice sent), µs; `undefined` while active. */
  readonly endedAtUs: number | undefined;
  /** Messages sent for it so far (first + repeats + resolved). */
  readonly messages: number;
}

/** A bad option of {@link AlertEngine} or an alert channel. */
export class AlertConfigError extends BaseError {
  override name = 'AlertConfigError' as const;
}

/** Options of {@link AlertEngine}. */
export interface AlertEngineOptions {
  /** Shortest time between two messages for the same still-active alert, µs (config `repeat_minutes`). Must be > 0. */
  readonly repeatUs: number;
  /** Receives every message; must not throw or block (an {@link AlertDispatcher} queues). */
  readonly send: (message: AlertMessage) => void;
  /** Resolved alerts and notices kept for the dashboard, newest first. Default 50. */
  readonly recentLimit?: number;
  /** Names the box in every message. Default `tickerml`. */
  readonly source?: string;
}

interface Active {
  condition: AlertCondition;
  startedAtUs: number;
  lastSentUs: number;
  repeats: number;
  messages: number;
}

/**
 * Fires, repeats and resolves alerts from the conditions each evaluation reports.
 *
 * @example
 * ```ts
 * const engine = new AlertEngine({ repeatUs: 60 * 60e6, send: (m) => dispatcher.send(m) });
 * engine.update([{ key: 'feed_stale:binance', rule: 'feed_stale', severity: 'critical', summary: 'binance: no update for 9 s' }], nowUs);
 * // → one `firing` message; the same call an hour later → one repeat; update([], later) → `resolved`.
 * ```
 */
export class AlertEngine {
  readonly repeatUs: number;
  readonly #send: (message: AlertMessage) => void;
  readonly #recentLimit: number;
  readonly #source: string;
  readonly #active = new Map<string, Active>();
  readonly #recent: AlertRecord[] = [];
  /** Messages handed to `send` so far. */
  sent = 0;

  /** @throws {@link AlertConfigError} for a `repeatUs` or `recentLimit` that is not a positive number. */
  constructor(options: AlertEngineOptions) {
    if (!(options.repeatUs > 0) || !Number.isFinite(options.repeatUs))
      throw new AlertConfigError(`alert repeatUs must be a positive number of µs, was ${options.repeatUs}`);
    const recent = options.recentLimit ?? 50;
    if (!Number.isSafeInteger(recent) || recent < 0)
      throw new AlertConfigError(`alert recentLimit must be a non-negative integer, was ${recent}`);
    this.repeatUs = options.repeatUs;
    this.#send = options.send;
    this.#recentLimit = recent;
    this.#source = options.source ?? 'tickerml';
  }

  /**
   * Compares the conditions that hold at `nowUs` with the active alerts: fires the new ones,
   * repeats those due, resolves those gone.
   *
   * @returns the messages sent by this call, in order (resolutions first).
   */
  update(conditions: readonly AlertCondition[], nowUs: number): AlertMessage[] {
    const out: AlertMessage[] = [];
    const now = new Map<string, AlertCondition>();
    for (const c of conditions) now.set(c.key, c);
    for (const [key, a] of this.#active) {
      if (now.has(key)) continue;
      this.#active.delete(key);
      a.messages++;
      out.push(this.#message(AlertStatus.Resolved, a.condition, a.startedAtUs, nowUs, a.repeats));
      this.#remember({ ...record(a, AlertStatus.Resolved), endedAtUs: nowUs });
    }
    for (const c of now.values()) {
      const a = this.#active.get(c.key);
      if (a === undefined) {
        this.#active.set(c.key, { condition: c, startedAtUs: nowUs, lastSentUs: nowUs, repeats: 0, messages: 1 });
        out.push(this.#message(AlertStatus.Firing, c, nowUs, nowUs, 0));
        continue;
      }
      a.condition = c;
      if (nowUs - a.lastSentUs >= this.repeatUs) {
        a.lastSentUs = nowUs;
        a.repeats++;
        a.messages++;
        out.push(this.#message(AlertStatus.Firing, c, a.startedAtUs, nowUs, a.repeats));
      }
    }
    for (const m of out) this.#deliver(m);
    return out;
  }

  /** Sends a one-off event (it is never resolved) and keeps it in the recent list. */
  notice(condition: AlertCondition, nowUs: number): AlertMessage {
    const m = this.#message(AlertStatus.Notice, condition, nowUs, nowUs, 0);
    this.#remember({
      key: condition.key,
      rule: condition.rule,
      severity: condition.severity,
      summary: condition.summary,
      labels: condition.labels ?? {},
      status: AlertStatus.Notice,
      startedAtUs: nowUs,
      endedAtUs: nowUs,
      messages: 1,
    });
    this.#deliver(m);
    return m;
  }

  /** The alerts firing now, oldest first. */
  active(): AlertRecord[] {
    return [...this.#active.values()].map((a) => record(a, AlertStatus.Firing));
  }

  /** Resolved alerts and notices, newest first (at most `recentLimit`). */
  recent(): AlertRecord[] {
    return [...this.#recent];
  }

  #remember(r: AlertRecord): void {
    this.#recent.unshift(r);
    if (this.#recent.length > this.#recentLimit) this.#recent.length = this.#recentLimit;
  }

  #deliver(m: AlertMessage): void {
    this.sent++;
    this.#send(m);
  }

  #message(status: AlertStatus, c: AlertCondition, startedAtUs: number, atUs: number, repeat: number): AlertMessage {
    return {
      status,
      key: c.key,
      rule: c.rule,
      severity: c.severity,
      summary: c.summary,
      labels: c.labels ?? {},
      startedAtUs,
      atUs,
      repeat,
      source: this.#source,
    };
  }
}

function record(a: Active, status: AlertStatus): AlertRecord {
  return {
    key: a.condition.key,
    rule: a.condition.rule,
    severity: a.condition.severity,
    summary: a.condition.summary,
    labels: a.condition.labels ?? {},
    status,
    startedAtUs: a.startedAtUs,
    endedAtUs: undefined,
    messages: a.messages,
  };
}

/** The text a chat channel shows for a message: an icon, the status, the summary, when it started. */
export function alertText(m: AlertMessage): string {
  const icon = m.status === 'resolved' ? '✅' : m.status === 'notice' ? 'ℹ️' : m.severity === 'critical' ? '🚨' : '⚠️';
  const head =
    m.status === 'resolved'
      ? `RESOLVED ${m.rule}`
      : m.status === 'notice'
        ? `${m.rule}`
        : `${m.severity.toUpperCase()} ${m.rule}${m.repeat > 0 ? ` (still firing, reminder ${m.repeat})` : ''}`;
  const since = new Date(Math.floor(m.startedAtUs / 1000)).toISOString();
  const tail = m.status === 'notice' ? `at ${since}` : `since ${since}`;
  return `${icon} [${m.source}] ${head}: ${m.summary} (${tail})`;
}
