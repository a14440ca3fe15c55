/**
 * Schemas of the five configuration files, with their defaults and allowed ranges.
 * Keys in YAML are snake_case; the loaded configuration uses the same names in camelCase.
 *
 * @module
 */

import { z } from 'zod';
import { isLoopbackHost } from '../net.js';

/** `[lo, hi]`, `(lo, hi]`, … as printed in errors. */
function rangeLabel(lo: number, hi: number, loOpen: boolean, hiOpen: boolean): string {
  return `${loOpen ? '(' : '['}${lo}, ${hi}${hiOpen ? ')' : ']'}`;
}

/** Environment overrides arrive as strings: read numeric text as a number where a number is expected. */
function numeric(value: unknown): unknown {
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return value;
}

function booleanish(value: unknown): unknown {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value;
}

/** A number within a range; the error reads "is out of range (0, 0.5]". */
export function rangeNumber(
  lo: number,
  hi: number,
  options: { loOpen?: boolean; hiOpen?: boolean; integer?: boolean } = {},
) {
  const loOpen = options.loOpen ?? false;
  const hiOpen = options.hiOpen ?? false;
  const label = rangeLabel(lo, hi, loOpen, hiOpen);
  return z.preprocess(
    numeric,
    z
      .number({ error: (issue) => (issue.input === undefined ? 'is required' : `must be a number in ${label}`) })
      .refine((v) => !options.integer || Number.isInteger(v), { message: `must be an integer in ${label}` })
      .refine((v) => (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi), {
        message: `is out of range ${label}`,
      }),
  );
}

const bool = z.preprocess(booleanish, z.boolean({ error: 'must be true or false' }));
const text = z.string({ error: 'must be a string' }).min(1, { message: 'must not be empty' });
const decimalText = z
  .preprocess(
    (v) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : v),
    z.string({ error: 'must be a decimal amount' }),
  )
  .refine((v) => /^\d+(\.\d+)?$/.test(v), { message: 'must be a non-negative decimal amount like "10000.00"' });
const symbolText = z.string().regex(/^[A-Z0-9][A-Z0-9._-]*\/[A-Z0-9][A-Z0-9._-]*(:[A-Z0-9][A-Z0-9._-]*)?$/, {
  message: 'must be a canonical symbol like BTC/USDT or BTC/USDT:USDT',
});

/** Simulated order-entry latency of a venue, milliseconds (uniform in [min, max], seeded). */
function latency(minMs: number, maxMs: number) {
  return z
    .strictObject({
      min: rangeNumber(0, 60_000).default(minMs),
      max: rangeNumber(0, 60_000).default(maxMs),
    })
    .prefault({})
    .superRefine((l, ctx) => {
      if (l.min > l.max) ctx.addIssue({ code: 'custom', path: ['min'], message: `must be ≤ max (${l.max} ms)` });
    });
}

function venue(enabled: boolean, symbols: readonly string[], minMs: number, maxMs: number) {
  return z
    .strictObject({
      enabled: bool.default(enabled),
      symbols: z.array(symbolText).default([...symbols]),
      latency_ms: latency(minMs, maxMs),
    })
    .prefault({});
}

/** A collection cadence written `250ms`, `1s`, `1m` (see `parseDuration`), at least 1 ms; kept as text. */
const collectInterval = z
  .string({ error: 'must be a duration like 250ms, 1s or 1m' })
  .regex(/^\d+(\.\d+)?(ms|s|m|h)$/, { message: 'must be a duration like 250ms, 1s or 1m (ms, s, m or h)' });

/** `config/config.yaml`: trading, venues and symbols, storage, dashboard, logging. */
export const appConfigSchema = z.strictObject({
  trading: z
    .strictObject({
      starting_balance: decimalText.default('10000.00'),
      currency: text.default('USD'),
      seed: z.preprocess(numeric, z.int({ error: 'must be an integer' })).default(42),
    })
    .prefault({}),
  venues: z
    .object({
      binanceus: venue(true, ['BTC/USDT', 'ETH/USDT'], 50, 100),
      coinbase: venue(true, ['BTC/USD', 'ETH/USD'], 100, 200),
      kraken: venue(false, ['BTC/USD', 'ETH/USD'], 50, 150),
      kucoin: venue(false, ['BTC/USDT', 'ETH/USDT'], 100, 200),
    })
    .catchall(
      z.strictObject({
        enabled: bool.default(true),
        symbols: z.array(symbolText).default([]),
        latency_ms: latency(100, 200),
      }),
    )
    .prefault({}),
  storage: z
    .strictObject({
      /** `sqlite` (the embedded default) or `postgres`; unset: `postgres` when postgres_url is set. */
      backend: z.enum(['sqlite', 'postgres']).optional(),
      sqlite_path: text.default('data/tickerml.sqlite'),
      /** Usually from the environment: TICKERML__STORAGE__POSTGRES_URL. */
      postgres_url: z
        .string()
        .regex(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// or postgresql:// URL' })
        .optional(),
      recordings_dir: text.default('data/recordings'),
      /** Market data older than this many days is deleted (SQLite) or dropped (partitions, chunks); 0 keeps everything. */
      retention_days: rangeNumber(0, 36_500, { integer: true }).default(0),
      /** How often the retention job runs, minutes. */
      retention_check_minutes: rangeNumber(1, 1_440, { integer: true }).default(60),
      /** Width of one native PostgreSQL partition, hours. */
      partition_interval_hours: rangeNumber(1, 8_760, { integer: true }).default(24),
      /** Used only when the timescaledb extension is installed. */
      timescale: z
        .strictObject({
          /** Width of one hypertable chunk, hours. */
          chunk_interval_hours: rangeNumber(1, 8_760, { integer: true }).default(24),
          /** Chunks older than this many days are compressed; 0 disables compression. */
          compress_after_days: rangeNumber(0, 36_500, { integer: true }).default(7),
        })
        .prefault({}),
    })
    .prefault({})
    .superRefine((s, ctx) => {
      if (s.backend === 'postgres' && s.postgres_url === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['backend'],
          message:
            'is postgres but postgres_url is not set (set storage.postgres_url or TICKERML__STORAGE__POSTGRES_URL)',
        });
    })
    .transform((s) => ({ ...s, backend: s.backend ?? (s.postgres_url === undefined ? 'sqlite' : 'postgres') })),
  dashboard: z
    .strictObject({
      host: text.default('127.0.0.1'),
      port: rangeNumber(1, 65_535, { integer: true }).default(5005),
      token: z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
      /** Host names the browser may use besides the loopback names (the Host header is checked: DNS rebinding). */
      allowed_hosts: z.array(text).default([]),
    })
    // The dashboard shows the account: beyond loopback only with a token (docs/security.md).
    .superRefine((d, ctx) => {
      if (d.token === undefined && !isLoopbackHost(d.host))
        ctx.addIssue({
          code: 'custom',
          path: ['token'],
          message: `is required when dashboard.host (${d.host}) is not a loopback address: set dashboard.token (TICKERML__DASHBOARD__TOKEN) to 16 or more random characters, or bind 127.0.0.1`,
        });
    })
    .prefault({}),
  logging: z
    .strictObject({
      dir: text.default('logs'),
      level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    })
    .prefault({}),
  /** What the pi-trader and `tickerml collect` persist of the market data they see (docs/pi-trader.md). */
  collect: z
    .strictObject({
      /** Raw frames through the recorder, daily compressed files under storage.recordings_dir. */
      raw_frames: bool.default(true),
      /** Top levels of each book, sampled every `order_books_interval`, into `order_books`. */
      order_books: bool.default(true),
      order_books_interval: collectInterval.default('1s'),
      /** Levels per side in each sampled book row. */
      order_books_levels: rangeNumber(1, 1_000, { integer: true }).default(20),
      /** Every trade, into `trades`. */
      trades: bool.default(true),
      /** 1-minute bars per venue and symbol built from the trades, into `ohlcv`. */
      ohlcv: bool.default(true),
      /** The state vector (StateEncoder) per venue and symbol at the decision cadence, into `features`. */
      features: bool.default(true),
      features_interval: collectInterval.default('1s'),
    })
    .prefault({}),
  /**
   * Perpetual funding rates of the traded assets (docs/monitoring.md#funding): followed on these
   * venues, stored in funding_rates, shown on the dashboard and published on the bus.
   */
  funding: z
    .strictObject({
      enabled: bool.default(true),
      venues: z
        .array(z.enum(['binanceusdm', 'krakenfutures', 'kucoinfutures']))
        .default(['binanceusdm', 'krakenfutures', 'kucoinfutures']),
    })
    .prefault({}),
  /** News harvesting and sentiment scoring (docs/news.md). */
  news: z
    .strictObject({
      /** Harvest and score news; in the demo the sources are the bundled feeds served on loopback. */
      enabled: bool.default(true),
      /** RSS/Atom feeds (`kind: rss`) and the CryptoPanic posts API (`kind: cryptopanic`). */
      sources: z
        .array(
          z.strictObject({
            name: z.string().regex(/^[a-z0-9_-]+$/, { message: 'must be lower-case letters, digits, - or _' }),
            kind: z.enum(['rss', 'cryptopanic']).default('rss'),
            url: z.url({ error: 'must be an http(s) URL' }),
            /** Poll period. */
            interval: collectInterval.default('5m'),
            /** Request timeout. */
            timeout: collectInterval.default('10s'),
          }),
        )
        .default([
          {
            name: 'coindesk',
            kind: 'rss',
            url: 'https://www.coindesk.com/arc/outboundfeeds/rss/',
            interval: '5m',
            timeout: '10s',
          },
          { name: 'cointelegraph', kind: 'rss', url: 'https://cointelegraph.com/rss', interval: '5m', timeout: '10s' },
          { name: 'theblock', kind: 'rss', url: 'https://www.theblock.co/rss.xml', interval: '5m', timeout: '10s' },
          { name: 'decrypt', kind: 'rss', url: 'https://decrypt.co/feed', interval: '5m', timeout: '10s' },
        ]),
      /** Environment variable holding the CryptoPanic token (never put the token in this file). */
      cryptopanic_token_env: text.default('CRYPTOPANIC_TOKEN'),
      /** Half-life of an item's weight in the sentiment feature. */
      half_life: collectInterval.default('1h'),
      ollama: z
        .strictObject({
          /** Ask Ollama first; without it (or when it is down) the VADER lexicon scores. */
          enabled: bool.default(true),
          host: z.url({ error: 'must be an http(s) URL' }).default('http://127.0.0.1:11434'),
          /** Any Ollama model tag: qwen3, qwen3:1.7b, qwen3:0.6b, ... */
          model: text.default('qwen3'),
          timeout: collectInterval.default('30s'),
        })
        .prefault({}),
    })
    .prefault({}),
});

/** `config/risk_limits.yaml`: sizing, limits and circuit breakers. */
export const riskLimitsSchema = z.strictObject({
  /** Fraction of the Kelly bet to take: never full Kelly. */
  kelly_fraction: rangeNumber(0, 0.5, { loOpen: true }).default(0.25),
  /** Largest position as a fraction of equity. */
  max_position_fraction: rangeNumber(0, 1, { loOpen: true }).default(0.25),
  /** Drawdown from the equity peak that triggers the emergency stop. */
  max_drawdown: rangeNumber(0, 1, { loOpen: true, hiOpen: true }).default(0.25),
  /** Correlation with held positions above which new exposure is reduced. */
  correlation_threshold: rangeNumber(0, 1).default(0.7),
  /** Paired returns the rolling correlation is computed over. */
  correlation_window: rangeNumber(3, 1_000_000, { integer: true }).default(100),
  /** Whether the emergency stop also flattens positions (it always cancels open orders). */
  flatten_on_emergency_stop: bool.default(false),
  /** Volatility regimes: realised-volatility percentiles separating low|normal|high|extreme, and the size multiplier of each. */
  vol_regime: z
    .strictObject({
      percentiles: z
        .tuple([rangeNumber(0, 100), rangeNumber(0, 100), rangeNumber(0, 100)])
        .refine(([a, b, c]) => a < b && b < c, { message: 'must be three increasing percentiles' })
        .default([25, 75, 95]),
      scale: z
        .strictObject({
          low: rangeNumber(0, 1).default(1),
          normal: rangeNumber(0, 1).default(1),
          high: rangeNumber(0, 1).default(0.5),
          extreme: rangeNumber(0, 1).default(0),
        })
        .prefault({}),
    })
    .prefault({}),
  circuit_breakers: z
    .strictObject({
      stale_data_ms: rangeNumber(1, 3_600_000, { integer: true }).default(5_000),
      max_spread_bps: rangeNumber(0, 10_000, { loOpen: true }).default(50),
      max_price_jump_fraction: rangeNumber(0, 1, { loOpen: true }).default(0.05),
      /** A mid move beyond this many standard deviations of recent moves halts the symbol. */
      price_jump_sigmas: rangeNumber(0, 1_000, { loOpen: true }).default(8),
      /** Mid returns the jump rule's standard deviation is estimated from. */
      price_jump_window: rangeNumber(10, 1_000_000, { integer: true }).default(200),
      /** More gaps or checksum mismatches than this within gap_storm_window_ms halts the venue. */
      gap_storm_count: rangeNumber(1, 1_000_000, { integer: true }).default(5),
      gap_storm_window_ms: rangeNumber(1, 86_400_000, { integer: true }).default(60_000),
      /** A halt lifts once its condition has been clear this long. */
      cooldown_ms: rangeNumber(0, 86_400_000, { integer: true }).default(30_000),
    })
    .prefault({}),
});

/** `config/kafka_config.yaml`: brokers, topics and producer settings (used by `@tickerml/streaming`). */
export const kafkaConfigSchema = z.strictObject({
  brokers: z
    .array(z.string().regex(/^[^\s:]+:\d{1,5}$/, { message: 'must be host:port' }))
    .min(1, { message: 'must list at least one broker' })
    .default(['127.0.0.1:9092']),
  client_id: text.default('tickerml'),
  /** One topic per kind of message; feed-health events travel with the books of their instrument. */
  topics: z
    .strictObject({
      book: text.default('tickerml.book'),
      trades: text.default('tickerml.trades'),
      funding: text.default('tickerml.funding'),
      features: text.default('tickerml.features'),
      decisions: text.default('tickerml.decisions'),
      news: text.default('tickerml.news'),
      dead_letter: text.default('tickerml.dead-letter'),
    })
    .prefault({}),
  /** Partitions of each topic created (instruments spread over them by `venue:symbol`). */
  partitions: rangeNumber(1, 10_000, { integer: true }).default(3),
  replication_factor: rangeNumber(1, 100, { integer: true }).default(1),
  /** How long a message may wait for others to share a produce request, in milliseconds. */
  linger_ms: rangeNumber(0, 60_000, { integer: true }).default(5),
  /** How long a produce request is retried through a broker outage, in milliseconds. */
  delivery_timeout_ms: rangeNumber(1_000, 3_600_000, { integer: true }).default(120_000),
  /** Handler calls on one message before it goes to the dead-letter topic. */
  max_attempts: rangeNumber(1, 100, { integer: true }).default(3),
  /** Most events of one venue:symbol packed into one Kafka record (1: no packing; see docs/streaming.md). */
  pack_max: rangeNumber(1, 10_000, { integer: true }).default(50),
  /** `retention.ms` of the topics the bus creates, in milliseconds; null keeps the broker's default. */
  retention_ms: rangeNumber(60_000, 315_360_000_000, { integer: true }).nullable().default(null),
});

/** A duration written `250ms`, `5s`, `1m`, `2h` or `30d` (see `parseDuration`); kept as text. */
const durationText = z
  .string({ error: 'must be a duration like 250ms, 5s, 1m, 2h or 30d' })
  .regex(/^\d+(\.\d+)?(us|ms|s|m|h|d)$/, { message: 'must be a duration like 250ms, 5s, 1m, 2h or 30d' });

/** A loss weight, at least 0. */
const weight = (value: number) => rangeNumber(0, 1000).default(value);

/** `config/model_config.yaml`: model files, datasets, labels, cross-validation, models and training. */
export const modelConfigSchema = z.strictObject({
  backbone_path: text.default('models/backbone'),
  policy_path: text.default('models/decision_transformer'),
  onnx_path: text.default('models/policy.onnx'),
  onnx_int8_path: text.default('models/policy.int8.onnx'),
  sequence_length: rangeNumber(1, 4096, { integer: true }).default(100),
  /** Most recent days never used for training, relative to the run's as-of time. */
  quarantine_days: rangeNumber(30, 3650, { integer: true }).default(30),
  /** The model registry: one directory per trained version (`pc-trainer models` lists it). */
  models_dir: text.default('models/registry'),
  /** Dataset building (`pc-trainer dataset`): decision cadence and the pretraining labels. */
  dataset: z
    .strictObject({
      /** One sample per instrument every `interval`. */
      interval: durationText.default('1s'),
      /** Horizons of the future mid log-return direction labels. */
      horizons: z.array(durationText).min(1).default(['1s', '10s', '60s']),
      /** A future log return within ± this many basis points is the "flat" class. */
      dead_band_bps: rangeNumber(0, 10_000).default(0.5),
      /** Window of the future realised volatility label. */
      volatility_horizon: durationText.default('60s'),
      /** Window of the future mean spread label. */
      spread_horizon: durationText.default('10s'),
      /** Top levels per side the encoder and the `order_books` rows keep. */
      book_levels: rangeNumber(1, 100, { integer: true }).default(10),
    })
    .prefault({}),
  /** Combinatorial purged cross-validation (`pc-trainer cv`, `evaluate`). */
  cv: z
    .strictObject({
      groups: rangeNumber(2, 100, { integer: true }).default(6),
      test_groups: rangeNumber(1, 99, { integer: true }).default(2),
      embargo: durationText.default('60s'),
    })
    .prefault({}),
  /** Offline trajectories from the baseline strategies (`pc-trainer trajectories`). */
  trajectories: z
    .strictObject({
      /** Probability that an action is replaced by a random one, one variant per value. */
      epsilons: z.array(rangeNumber(0, 1)).default([0, 0.1, 0.3]),
      /** Seeded variants per strategy and epsilon. */
      seeds_per_variant: rangeNumber(1, 1000, { integer: true }).default(1),
      /** Length of one episode; the return-to-go restarts at each episode boundary. */
      episode: durationText.default('5m'),
      /** Buckets of the future maximum adverse excursion (the risk head's classes). */
      risk_buckets: rangeNumber(2, 16, { integer: true }).default(4),
    })
    .prefault({}),
  /** The pretrained transformer backbone (`pc-trainer pretrain`). */
  backbone: z
    .strictObject({
      d_model: rangeNumber(4, 4096, { integer: true }).default(32),
      heads: rangeNumber(1, 64, { integer: true }).default(2),
      layers: rangeNumber(2, 64, { integer: true }).default(3),
      d_ff: rangeNumber(4, 16_384, { integer: true }).default(128),
      /** Longest token sequence (the learned positional embedding's length); at least 3 × the DT context. */
      max_tokens: rangeNumber(3, 8192, { integer: true }).default(60),
      loss_weights: z.strictObject({ direction: weight(1), volatility: weight(0.5), spread: weight(0.5) }).prefault({}),
    })
    .prefault({}),
  /** The Decision Transformer (`pc-trainer train`). */
  decision_transformer: z
    .strictObject({
      /** K: steps of (return-to-go, state, action) in one context. */
      context: rangeNumber(1, 1024, { integer: true }).default(20),
      /** Blocks at the top of the backbone that train; the rest stay frozen. */
      trainable_blocks: rangeNumber(0, 64, { integer: true }).default(2),
      /** Rewards and returns-to-go are divided by this before they reach the model. */
      rtg_scale: rangeNumber(0, 1e9, { loOpen: true }).default(0.01),
      /** Target return-to-go at the start of an episode, as a fraction of equity. */
      default_target: rangeNumber(-1e9, 1e9).default(0.005),
      loss_weights: z.strictObject({ action: weight(1), size: weight(0.5), risk: weight(0.25) }).prefault({}),
    })
    .prefault({}),
  /** Optimiser and schedule, shared by pretrain, train, refresh and retrain. */
  training: z
    .strictObject({
      epochs: rangeNumber(1, 100_000, { integer: true }).default(100),
      batch_size: rangeNumber(1, 65_536, { integer: true }).default(32),
      learning_rate: rangeNumber(0, 10, { loOpen: true }).default(0.001),
      weight_decay: rangeNumber(0, 1).default(0.01),
      warmup_steps: rangeNumber(0, 1e9, { integer: true }).default(100),
      clip_norm: rangeNumber(0, 1e9, { loOpen: true }).default(1),
      /** Share of the training groups' rows (the latest) held out for early stopping. */
      validation_fraction: rangeNumber(0, 0.5, { hiOpen: true }).default(0.1),
      early_stopping_patience: rangeNumber(1, 10_000, { integer: true }).default(5),
      /** `pc-trainer refresh` cadence (last blocks and heads). */
      refresh_every: durationText.default('7d'),
      /** `pc-trainer retrain` cadence (backbone and Decision Transformer from scratch). */
      retrain_every: durationText.default('30d'),
    })
    .prefault({}),
});

/** `config/monitoring_config.yaml`: metrics endpoint and alert thresholds. */
export const monitoringConfigSchema = z.strictObject({
  metrics: z
    .strictObject({
      enabled: bool.default(true),
      host: text.default('127.0.0.1'),
      port: rangeNumber(1, 65_535, { integer: true }).default(9464),
    })
    .prefault({}),
  alerts: z
    .strictObject({
      feed_gap_ms: rangeNumber(1, 3_600_000, { integer: true }).default(5_000),
      consumer_lag_messages: rangeNumber(1, 1e9, { integer: true }).default(10_000),
      drawdown_fraction: rangeNumber(0, 1, { loOpen: true, hiOpen: true }).default(0.2),
      /** How often the box evaluates its alert rules, ms. */
      evaluate_every_ms: rangeNumber(100, 3_600_000, { integer: true }).default(5_000),
      /** A still-firing alert is sent again at most this often, minutes. */
      repeat_minutes: rangeNumber(1, 10_080).default(60),
      resync_storm_per_minute: rangeNumber(0, 1e6, { integer: true }).default(5),
      checksum_mismatches_per_minute: rangeNumber(0, 1e6, { integer: true }).default(3),
      decision_latency_p99_ms: rangeNumber(0, 600_000, { loOpen: true }).default(50),
      disk_free_fraction: rangeNumber(0, 1, { hiOpen: true }).default(0.1),
      /** Resolved alerts and notices the dashboard lists. */
      recent: rangeNumber(0, 1_000, { integer: true }).default(50),
      /** Names the box in every message (default: the host name). */
      source: text.optional(),
      channels: z
        .strictObject({
          log: z.strictObject({ enabled: bool.default(true) }).prefault({}),
          webhook: z
            .strictObject({
              enabled: bool.default(false),
              url_env: text.default('TICKERML_ALERT_WEBHOOK_URL'),
            })
            .prefault({}),
          telegram: z
            .strictObject({
              enabled: bool.default(false),
              token_env: text.default('TICKERML_TELEGRAM_BOT_TOKEN'),
              chat_id_env: text.default('TICKERML_TELEGRAM_CHAT_ID'),
              api_base: z.url({ error: 'must be an http(s) URL' }).default('https://api.telegram.org'),
            })
            .prefault({}),
          slack: z
            .strictObject({
              enabled: bool.default(false),
              url_env: text.default('TICKERML_SLACK_WEBHOOK_URL'),
            })
            .prefault({}),
        })
        .prefault({}),
      retry: z
        .strictObject({
          attempts: rangeNumber(1, 100, { integer: true }).default(5),
          base_delay_ms: rangeNumber(1, 3_600_000).default(1_000),
          max_delay_ms: rangeNumber(1, 3_600_000).default(60_000),
          timeout_ms: rangeNumber(1, 600_000).default(10_000),
        })
        .prefault({}),
    })
    .prefault({}),
});

/** The configuration files, by the section name used in environment overrides. */
export const CONFIG_FILES = {
  app: { file: 'config.yaml', schema: appConfigSchema },
  risk: { file: 'risk_limits.yaml', schema: riskLimitsSchema },
  kafka: { file: 'kafka_config.yaml', schema: kafkaConfigSchema },
  model: { file: 'model_config.yaml', schema: modelConfigSchema },
  monitoring: { file: 'monitoring_config.yaml', schema: monitoringConfigSchema },
} as const;
