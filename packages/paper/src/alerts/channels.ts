/**
 * Where alert messages go: the log, a generic JSON webhook, Telegram's Bot API `sendMessage`, a
 * Slack-compatible incoming webhook. Secrets (webhook URLs, the bot token) come from environment
 * variables named in config and never appear in a log line or an error: every error text is
 * scrubbed of them before it leaves the channel.
 *
 * {@link AlertDispatcher} queues messages per channel and delivers them in order in the
 * background, retrying with exponential backoff; `send` returns at once and never throws, so a
 * slow or dead endpoint never holds up trading.
 *
 * @module
 */
import { BaseError, defaultTimerProvider, type TimerProvider } from '@tickerml/core';
import { AlertConfigError, type AlertMessage, alertText } from './engine.js';

/** One way of telling someone. */
export interface AlertChannel {
  /** `log`, `webhook`, `telegram`, `slack` (or your own). */
  readonly name: string;
  /**
   * Delivers one message; rejects with {@link AlertDeliveryError} (retryable or not) on failure.
   * `signal` aborts it at the dispatcher's timeout.
   */
  deliver(message: AlertMessage, signal: AbortSignal): Promise<void>;
}

/** A delivery failed. `kind` says whether the dispatcher retries it (5xx, 429, network errors) or not (other 4xx). */
export class AlertDeliveryError extends BaseError {
  override name = 'AlertDeliveryError' as const;
}

/** The minimal logger the log channel and the dispatcher write to (a pino logger fits). */
export interface AlertLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Replaces every secret in `text` with `[redacted]`. */
function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join('[redacted]');
  return out;
}

/**
 * POSTs `body` as JSON to `url`; resolves with the response text of a 2xx answer.
 * @throws AlertDeliveryError naming the channel and the status (never the URL), retryable for
 *   network errors, 408, 429 (with the server's `Retry-After`) and 5xx.
 */
async function postJson(
  channel: string,
  url: string,
  body: unknown,
  signal: AbortSignal,
  secrets: readonly string[],
): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal,
    });
  } catch (error) {
    const cause =
      error instanceof Error
        ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ''}`
        : String(error);
    throw new AlertDeliveryError(`${channel}: request failed`, { kind: 'retryable', details: scrub(cause, secrets) });
  }
  const text = await res.text().catch(() => '');
  if (res.ok) return text;
  const retryAfterS = Number(res.headers.get('retry-after') ?? retryAfterFromTelegram(text));
  const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
  throw new AlertDeliveryError(`${channel}: HTTP ${res.status}`, {
    kind: retryable ? 'retryable' : 'non_retryable',
    details: scrub(text.slice(0, 300), secrets),
    ...(retryable && retryAfterS > 0 ? { retryAfterMs: retryAfterS * 1000 } : {}),
  });
}

function retryAfterFromTelegram(text: string): number | undefined {
  try {
    const j = JSON.parse(text) as { parameters?: { retry_after?: unknown } };
    const r = j.parameters?.retry_after;
    return typeof r === 'number' ? r : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes each message to the log: `warn` for firing warnings and critical alerts, `info` for
 * resolutions and notices.
 *
 * @example
 * ```ts
 * const channel = new LogAlertChannel(createLogger({ name: 'pi-trader' }));
 * ```
 */
export class LogAlertChannel implements AlertChannel {
  readonly name = 'log';
  readonly #logger: AlertLogger;
  constructor(logger: AlertLogger) {
    this.#logger = logger;
  }
  async deliver(m: AlertMessage): Promise<void> {
    const fields = { alert: m.rule, key: m.key, status: m.status, severity: m.severity, repeat: m.repeat, ...m.labels };
    if (m.status === 'firing') this.#logger.warn(fields, `alert: ${m.summary}`);
    else this.#logger.info(fields, `alert ${m.status}: ${m.summary}`);
  }
}

/**
 * POSTs each message as JSON to a webhook: the {@link AlertMessage} fields plus `text` (the
 * one-line rendering chat tools show). A 2xx answer is success.
 *
 * @example
 * ```ts
 * const channel = new WebhookAlertChannel({ url: process.env.TICKERML_ALERT_WEBHOOK_URL! });
 * ```
 */
export class WebhookAlertChannel implements AlertChannel {
  readonly name = 'webhook';
  readonly #url: string;
  constructor(options: { readonly url: string }) {
    this.#url = checkedUrl('webhook', options.url);
  }
  async deliver(m: AlertMessage, signal: AbortSignal): Promise<void> {
    await postJson(this.name, this.#url, { ...m, text: alertText(m) }, signal, [this.#url]);
  }
}

/**
 * Sends each message with Telegram's Bot API: `POST {apiBase}/bot{token}/sendMessage` with
 * `chat_id` and `text`. Success is an answer with `"ok": true`; a 429 is retried after the
 * `retry_after` Telegram sends.
 *
 * @example
 * ```ts
 * const channel = new TelegramAlertChannel({ token: process.env.TICKERML_TELEGRAM_BOT_TOKEN!, chatId: '-100123' });
 * ```
 */
export class TelegramAlertChannel implements AlertChannel {
  readonly name = 'telegram';
  readonly #token: string;
  readonly #chatId: string;
  readonly #apiBase: string;
  /** @param options.apiBase - defaults to `https://api.telegram.org` (tests point it at loopback). */
  constructor(options: { readonly token: string; readonly chatId: string; readonly apiBase?: string }) {
    if (!/^\d+:[\w-]+$/.test(options.token))
      throw new AlertConfigError('telegram: the bot token must look like 123456:ABC-def (as BotFather gives it)');
    if (options.chatId.trim() === '') throw new AlertConfigError('telegram: chat id is empty');
    this.#token = options.token;
    this.#chatId = options.chatId;
    this.#apiBase = checkedUrl('telegram', options.apiBase ?? 'https://api.telegram.org').replace(/\/+$/, '');
  }
  async deliver(m: AlertMessage, signal: AbortSignal): Promise<void> {
    const text = await postJson(
      this.name,
      `${this.#apiBase}/bot${this.#token}/sendMessage`,
      { chat_id: this.#chatId, text: alertText(m), disable_web_page_preview: true },
      signal,
      [this.#token],
    );
    let ok = false;
    try {
      ok = (JSON.parse(text) as { ok?: unknown }).ok === true;
    } catch {
      ok = false;
    }
    if (!ok)
      throw new AlertDeliveryError('telegram: answer is not {"ok": true}', {
        kind: 'non_retryable',
        details: scrub(text.slice(0, 300), [this.#token]),
      });
  }
}

/**
 * POSTs `{"text": …}` to a Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat,
 * Discord's `/slack` endpoint). A 2xx answer is success.
 *
 * @example
 * ```ts
 * const channel = new SlackAlertChannel({ url: process.env.TICKERML_SLACK_WEBHOOK_URL! });
 * ```
 */
export class SlackAlertChannel implements AlertChannel {
  readonly name = 'slack';
  readonly #url: string;
  constructor(options: { readonly url: string }) {
    this.#url = checkedUrl('slack', options.url);
  }
  async deliver(m: AlertMessage, signal: AbortSignal): Promise<void> {
    await postJson(this.name, this.#url, { text: alertText(m) }, signal, [this.#url]);
  }
}

function checkedUrl(channel: string, url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AlertConfigError(`${channel}: the URL is not valid (value not shown: it may hold a secret)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new AlertConfigError(`${channel}: the URL must be http:// or https://, was ${parsed.protocol}//…`);
  return url;
}

/** Retry policy of {@link AlertDispatcher}. */
export interface AlertRetryOptions {
  /** Tries per message, the first included. Default 5. */
  readonly attempts?: number;
  /** Wait before the first retry, ms; doubles each retry. Default 500. */
  readonly baseDelayMs?: number;
  /** Longest wait between tries, ms. Default 30,000. */
  readonly maxDelayMs?: number;
  /** Each try is aborted after this long, ms. Default 10,000. */
  readonly timeoutMs?: number;
}

/** Counts per channel of {@link AlertDispatcher}. */
export interface AlertChannelStats {
  delivered: number;
  /** Messages given up on (retries exhausted or a non-retryable answer). */
  failed: number;
  /** Tries that failed and were tried again. */
  retries: number;
  /** Messages dropped because the queue was full (oldest first). */
  dropped: number;
  /** Messages waiting. */
  queued: number;
}

/** Options of {@link AlertDispatcher}. */
export interface AlertDispatcherOptions {
  readonly channels: readonly AlertChannel[];
  readonly retry?: AlertRetryOptions;
  /** Messages waiting per channel before the oldest is dropped. Default 100. */
  readonly maxQueue?: number;
  /** Where delivery failures are logged (channel, status, attempt; never a secret). */
  readonly logger?: AlertLogger;
  /** Waits between retries. Default the host timers. */
  readonly timers?: TimerProvider;
  /** Called after each message is delivered or given up on. */
  readonly onOutcome?: (channel: string, message: AlertMessage, error: AlertDeliveryError | undefined) => void;
}

interface Lane {
  readonly channel: AlertChannel;
  readonly queue: AlertMessage[];
  readonly stats: AlertChannelStats;
  running: boolean;
}

/**
 * Delivers messages to every channel in the background: one ordered queue per channel, retries
 * with exponential backoff (or the server's `Retry-After`), a bounded queue. `send` never throws
 * and never waits.
 *
 * @example
 * ```ts
 * const dispatcher = new AlertDispatcher({ channels: [new LogAlertChannel(logger)], retry: { attempts: 5 } });
 * const engine = new AlertEngine({ repeatUs: 3600e6, send: (m) => dispatcher.send(m) });
 * // at shutdown:
 * await dispatcher.close(5_000);
 * ```
 */
export class AlertDispatcher {
  readonly #lanes: Lane[];
  readonly #attempts: number;
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #timeoutMs: number;
  readonly #maxQueue: number;
  readonly #logger: AlertLogger | undefined;
  readonly #timers: TimerProvider;
  readonly #onOutcome: AlertDispatcherOptions['onOutcome'];
  readonly #idle = new Set<() => void>();
  readonly #sleeping = new Map<unknown, () => void>();
  #closed = false;

  /** @throws {@link AlertConfigError} for a retry option out of range. */
  constructor(options: AlertDispatcherOptions) {
    const r = options.retry ?? {};
    this.#attempts = r.attempts ?? 5;
    this.#baseMs = r.baseDelayMs ?? 500;
    this.#maxMs = r.maxDelayMs ?? 30_000;
    this.#timeoutMs = r.timeoutMs ?? 10_000;
    this.#maxQueue = options.maxQueue ?? 100;
    if (!Number.isSafeInteger(this.#attempts) || this.#attempts < 1)
      throw new AlertConfigError(`alert retry attempts must be an integer ≥ 1, was ${this.#attempts}`);
    for (const [k, v] of [
      ['baseDelayMs', this.#baseMs],
      ['maxDelayMs', this.#maxMs],
      ['timeoutMs', this.#timeoutMs],
    ] as const)
      if (!(v > 0) || !Number.isFinite(v)) throw new AlertConfigError(`alert retry ${k} must be > 0 ms, was ${v}`);
    if (!Number.isSafeInteger(this.#maxQueue) || this.#maxQueue < 1)
      throw new AlertConfigError(`alert maxQueue must be an integer ≥ 1, was ${this.#maxQueue}`);
    this.#lanes = options.channels.map((channel) => ({
      channel,
      queue: [],
      stats: { delivered: 0, failed: 0, retries: 0, dropped: 0, queued: 0 },
      running: false,
    }));
    this.#logger = options.logger;
    this.#timers = options.timers ?? defaultTimerProvider;
    this.#onOutcome = options.onOutcome;
  }

  /** The channels' names, in order. */
  get channelNames(): string[] {
    return this.#lanes.map((l) => l.channel.name);
  }

  /** Counts per channel name. */
  stats(): Record<string, AlertChannelStats> {
    return Object.fromEntries(this.#lanes.map((l) => [l.channel.name, { ...l.stats, queued: l.queue.length }]));
  }

  /** Queues `message` for every channel and returns at once. Ignored after {@link close}. */
  send(message: AlertMessage): void {
    if (this.#closed) return;
    for (const lane of this.#lanes) {
      lane.queue.push(message);
      if (lane.queue.length > this.#maxQueue) {
        lane.queue.shift();
        lane.stats.dropped++;
      }
      if (!lane.running) void this.#run(lane);
    }
  }

  /** Resolves once every queue is empty and no delivery is in flight. */
  idle(): Promise<void> {
    if (this.#lanes.every((l) => !l.running)) return Promise.resolve();
    return new Promise((resolve) => this.#idle.add(resolve));
  }

  /**
   * Stops accepting messages and waits up to `timeoutMs` for the queues to drain (retry waits
   * are cut short: each queued message gets its remaining tries at once). What is still queued
   * after that is dropped.
   */
  async close(timeoutMs = 5_000): Promise<void> {
    this.#closed = true;
    for (const [handle, wake] of this.#sleeping) {
      this.#timers.clearTimeout(handle);
      wake();
    }
    this.#sleeping.clear();
    let timer: unknown;
    await Promise.race([
      this.idle(),
      new Promise<void>((resolve) => {
        timer = this.#timers.setTimeout(resolve, timeoutMs);
      }),
    ]);
    this.#timers.clearTimeout(timer);
    for (const lane of this.#lanes) {
      lane.stats.dropped += lane.queue.length;
      lane.queue.length = 0;
    }
  }

  async #run(lane: Lane): Promise<void> {
    lane.running = true;
    try {
      while (lane.queue.length > 0) {
        const m = lane.queue[0] as AlertMessage;
        const error = await this.#deliverWithRetries(lane, m);
        // The message may have been dropped from the front while it was in flight (queue full).
        if (lane.queue[0] === m) lane.queue.shift();
        if (error === undefined) lane.stats.delivered++;
        else {
          lane.stats.failed++;
          this.#logger?.error(
            {
              channel: lane.channel.name,
              alert: m.rule,
              status: m.status,
              err: error.shortMessage,
              details: error.details,
            },
            `alert not delivered to ${lane.channel.name}; giving up on this message`,
          );
        }
        this.#onOutcome?.(lane.channel.name, m, error);
      }
    } finally {
      lane.running = false;
      if (this.#lanes.every((l) => !l.running)) {
        for (const resolve of this.#idle) resolve();
        this.#idle.clear();
      }
    }
  }

  async #deliverWithRetries(lane: Lane, m: AlertMessage): Promise<AlertDeliveryError | undefined> {
    for (let attempt = 1; ; attempt++) {
      const controller = new AbortController();
      const timer = this.#timers.setTimeout(() => controller.abort(), this.#timeoutMs);
      let error: AlertDeliveryError | undefined;
      try {
        await lane.channel.deliver(m, controller.signal);
      } catch (e) {
        error =
          e instanceof AlertDeliveryError
            ? e
            : new AlertDeliveryError(`${lane.channel.name}: delivery threw`, {
                kind: 'retryable',
                details: e instanceof Error ? e.message : String(e),
              });
      } finally {
        this.#timers.clearTimeout(timer);
      }
      if (error === undefined) return undefined;
      if (error.kind !== 'retryable' || attempt >= this.#attempts) return error;
      lane.stats.retries++;
      const waitMs = Math.min(this.#maxMs, error.retryAfterMs ?? this.#baseMs * 2 ** (attempt - 1));
      this.#logger?.warn(
        { channel: lane.channel.name, alert: m.rule, attempt, retryInMs: waitMs, err: error.shortMessage },
        `alert delivery to ${lane.channel.name} failed; retrying`,
      );
      if (!this.#closed) await this.#sleep(waitMs);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const handle = this.#timers.setTimeout(() => {
        this.#sleeping.delete(handle);
        resolve();
      }, ms);
      this.#sleeping.set(handle, resolve);
    });
  }
}

/** The `alerts.channels` section of `monitoring_config.yaml`, as loaded (camelCase). */
export interface AlertChannelsConfig {
  readonly log: { readonly enabled: boolean };
  readonly webhook: { readonly enabled: boolean; readonly urlEnv: string };
  readonly telegram: {
    readonly enabled: boolean;
    readonly tokenEnv: string;
    readonly chatIdEnv: string;
    readonly apiBase: string;
  };
  readonly slack: { readonly enabled: boolean; readonly urlEnv: string };
}

/**
 * Builds the enabled channels, reading their secrets from `env`.
 *
 * @throws {@link AlertConfigError} naming the environment variable an enabled channel needs and
 *   does not find (never its value).
 * @example
 * ```ts
 * const channels = alertChannelsFromConfig(config.monitoring.alerts.channels, process.env, logger);
 * ```
 */
export function alertChannelsFromConfig(
  config: AlertChannelsConfig,
  env: Readonly<Record<string, string | undefined>>,
  logger: AlertLogger,
): AlertChannel[] {
  const need = (channel: string, variable: string): string => {
    const v = env[variable];
    if (v === undefined || v.trim() === '')
      throw new AlertConfigError(
        `monitoring_config.yaml alerts.channels.${channel} is enabled but the environment variable ${variable} is not set`,
        { metaMessages: ['Secrets are read only from the environment; set it, or disable the channel.'] },
      );
    return v.trim();
  };
  const channels: AlertChannel[] = [];
  if (config.log.enabled) channels.push(new LogAlertChannel(logger));
  if (config.webhook.enabled) channels.push(new WebhookAlertChannel({ url: need('webhook', config.webhook.urlEnv) }));
  if (config.telegram.enabled)
    channels.push(
      new TelegramAlertChannel({
        token: need('telegram', config.telegram.tokenEnv),
        chatId: need('telegram', config.telegram.chatIdEnv),
        apiBase: config.telegram.apiBase,
      }),
    );
  if (config.slack.enabled) channels.push(new SlackAlertChannel({ url: need('slack', config.slack.urlEnv) }));
  return channels;
}
