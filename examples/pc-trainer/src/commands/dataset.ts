/**
 * `pc-trainer dataset`: recordings in, an Arrow dataset out (one row per decision time per
 * instrument: the state vector and the pretraining labels). See docs/learning.md.
 *
 * @module
 */

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { BaseError, defaultConfig, loadConfig, parseDuration, type TickerMLConfig } from '@tickerml/core';
import { openRecording } from '@tickerml/exchanges';
import {
  buildDataset,
  buildDatasetFromEvents,
  type DatasetBuildSettings,
  type DatasetSummary,
  type LabelSettings,
  scoreNewsRecordings,
  sha256File,
} from '@tickerml/rl';
import { SqliteStore } from '@tickerml/storage';
import { progressBar } from '../progress.js';
import { openStoreEvents } from '../store-events.js';

/** Where a command writes: its report (stdout) and messages (stderr). */
export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stderr is a terminal (the progress bar is drawn only then). */
  readonly isTty: boolean;
}

const processIo: CommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTty: process.stderr.isTTY === true,
};

/** Usage text of `pc-trainer dataset`. */
export const DATASET_USAGE = `Usage: pnpm pc-trainer dataset (--data <recording...> | --db <file.sqlite> | --postgres <url>) --out <file.arrow> [options]

Builds a dataset from recordings: one row per decision time (every --interval) per instrument,
with the state vector (features and masks, from events received by then) and the pretraining
labels (future mid direction per horizon, future realised volatility, future mean spread). A
decision whose label horizon runs past the end of the data is dropped.

Options:
  --data <files...>       recordings, any format "tickerml replay" reads; several are merged by
                          local receive time
  --db <file>             or: the SQLite database the box collects into (its order_books
                          samples and trades; the book is then only known as sampled)
  --postgres <url>        or: the same rows in PostgreSQL (needs the pg package)
  --out <file>            the dataset to write (Apache Arrow IPC file, e.g. btc.arrow)
  --interval <duration>   decision interval (default: model_config.yaml dataset.interval, 1s)
  --horizons <list>       direction label horizons, e.g. 1s,10s,60s (default: dataset.horizons)
  --news <files...>       news recordings of the box (news-*.jsonl.gz): adds news_sentiment and
                          news_weight of each instrument's base asset, scored offline with VADER,
                          counting an item only from the time the box first saw it
  --only <list>           only these instruments, venue:symbol,... e.g. binance:BTC/USDT
                          (default: every instrument with data)
  --config <dir>          configuration directory (model_config.yaml: dataset.*); defaults
                          apply without it
  --json                  print the summary as JSON
  -h, --help              show this help

Durations are written 250ms, 5s, 1m, 2h, 30d.
Exit status: 0 done, 1 bad input (unreadable recording, no usable data, invalid configuration),
2 bad arguments.
`;

/** Arguments that cannot be understood (exit 2). */
class DatasetUsageError extends BaseError {
  override name = 'DatasetUsageError' as const;
}

/** Parsed arguments of `pc-trainer dataset`. */
export interface DatasetArgs {
  readonly data: readonly string[];
  /** `--db`: a SQLite database of collected rows instead of recordings. */
  readonly db: string | undefined;
  /** `--postgres`: a PostgreSQL URL of collected rows instead of recordings. */
  readonly postgres: string | undefined;
  readonly out: string;
  readonly intervalUs: number | undefined;
  readonly horizons: readonly string[] | undefined;
  readonly only: readonly { venue: string; symbol: string }[] | undefined;
  /** `--news`: news recordings to merge by `localTs`. */
  readonly news: readonly string[];
  readonly configDir: string | undefined;
  readonly json: boolean;
}

function duration(flag: string, text: string): number {
  try {
    const us = parseDuration(text);
    if (us <= 0) throw new DatasetUsageError(`${flag} must be a positive duration, was "${text}"`);
    return us;
  } catch (error) {
    if (error instanceof DatasetUsageError) throw error;
    throw new DatasetUsageError(`${flag}: ${error instanceof BaseError ? error.shortMessage : String(error)}`);
  }
}

/**
 * Parses the arguments of `pc-trainer dataset`.
 * @throws DatasetUsageError (exit 2) on anything it cannot understand.
 */
export function parseDatasetArgs(args: readonly string[]): DatasetArgs | 'help' {
  const data: string[] = [];
  const news: string[] = [];
  let out: string | undefined;
  let intervalUs: number | undefined;
  let horizons: string[] | undefined;
  let only: { venue: string; symbol: string }[] | undefined;
  let configDir: string | undefined;
  let json = false;
  let db: string | undefined;
  let postgres: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const value = (): string => {
      const next = args[++i];
      if (next === undefined || next.startsWith('--')) throw new DatasetUsageError(`${arg} needs a value`);
      return next;
    };
    switch (arg) {
      case '-h':
      case '--help':
        return 'help';
      case '--data':
        data.push(value());
        while (i + 1 < args.length && !(args[i + 1] as string).startsWith('-')) data.push(args[++i] as string);
        break;
      case '--news':
        news.push(value());
        while (i + 1 < args.length && !(args[i + 1] as string).startsWith('-')) news.push(args[++i] as string);
        break;
      case '--out':
        out = value();
        break;
      case '--db':
        db = value();
        break;
      case '--postgres':
        postgres = value();
        break;
      case '--interval':
        intervalUs = duration('--interval', value());
        break;
      case '--horizons': {
        const list = value()
          .split(',')
          .map((h) => h.trim())
          .filter((h) => h !== '');
        if (list.length === 0) throw new DatasetUsageError('--horizons needs at least one duration, e.g. 1s,10s,60s');
        for (const h of list) duration('--horizons', h);
        horizons = list;
        break;
      }
      case '--only':
        only = value()
          .split(',')
          .map((item) => {
            const at = item.indexOf(':');
            if (at <= 0 || at === item.length - 1)
              throw new DatasetUsageError(`--only takes venue:symbol items, e.g. binance:BTC/USDT, was "${item}"`);
            return { venue: item.slice(0, at), symbol: item.slice(at + 1) };
          });
        break;
      case '--config':
        configDir = value();
        break;
      case '--json':
        json = true;
        break;
      default:
        throw new DatasetUsageError(`unknown argument "${arg}"`);
    }
  }
  const given = [data.length > 0, db !== undefined, postgres !== undefined].filter(Boolean).length;
  if (given === 0)
    throw new DatasetUsageError('--data <recording...>, --db <file.sqlite> or --postgres <url> is required');
  if (given > 1) throw new DatasetUsageError('give one of --data, --db and --postgres');
  if (postgres !== undefined && !/^postgres(ql)?:\/\//.test(postgres))
    throw new DatasetUsageError(`--postgres takes a postgres:// URL, was "${redactUrl(postgres)}"`);
  if (out === undefined) throw new DatasetUsageError('--out <file.arrow> is required');
  return { data, db, postgres, out, intervalUs, horizons, only, news, configDir, json };
}

/** The URL with its password masked, for messages and metadata. */
function redactUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return text.replace(/:[^:@/]*@/, ':***@');
  }
}

/** First and last `localTs` of the recordings' frames, µs: the progress bar's scale. */
async function frameRange(paths: readonly string[]): Promise<{ fromUs: number; toUs: number }> {
  let fromUs = Number.POSITIVE_INFINITY;
  let toUs = Number.NEGATIVE_INFINITY;
  for (const path of paths) {
    const recording = await openRecording(path);
    for await (const f of recording.frames()) {
      if (f.localTs < fromUs) fromUs = f.localTs;
      if (f.localTs > toUs) toUs = f.localTs;
    }
  }
  return { fromUs, toUs };
}

function summaryText(s: DatasetSummary): string {
  const range = s.meta.dataRange;
  const iso = (us: number) => new Date(us / 1000).toISOString();
  return [
    `dataset          ${s.path}`,
    `rows             ${s.rows} (${s.meta.instruments.map((i) => `${i.venue} ${i.symbol}`).join(', ')})`,
    `dropped          ${s.droppedAtEnd} past the end of the data, ${s.droppedAbsent} without a book`,
    `events           ${s.events}`,
    `t0 .. t1         ${s.rows === 0 ? 'n/a' : `${iso(range.fromUs)} .. ${iso(range.toUs)}`}`,
    `interval         ${s.meta.intervalUs} us`,
    `features         ${s.meta.features.length} (+ ${s.meta.features.length} masks), encoder v${s.meta.encoderVersion}`,
    `labels           ${s.meta.labels.map((l) => l.name).join(', ')}`,
    `sha256           ${s.sha256}`,
  ].join('\n');
}

/**
 * Runs `pc-trainer dataset`; returns the exit status (0 done, 1 bad input, 2 bad arguments).
 *
 * @example
 * ```ts
 * process.exitCode = await datasetCommand(['--data', 'btcusdt.gz', '--out', 'btc.arrow']);
 * ```
 */
export async function datasetCommand(args: readonly string[], io: CommandIo = processIo): Promise<number> {
  let parsed: DatasetArgs | 'help';
  try {
    parsed = parseDatasetArgs(args);
  } catch (error) {
    io.stderr(
      `pc-trainer dataset: ${error instanceof BaseError ? error.shortMessage : String(error)}\n\n${DATASET_USAGE}`,
    );
    return 2;
  }
  if (parsed === 'help') {
    io.stdout(DATASET_USAGE);
    return 0;
  }
  const a = parsed;
  try {
    const config: TickerMLConfig = a.configDir === undefined ? defaultConfig() : loadConfig(a.configDir);
    const ds = config.model.dataset;
    const labels: LabelSettings = {
      horizons: a.horizons ?? ds.horizons,
      deadBandBps: ds.deadBandBps,
      volatilityHorizon: ds.volatilityHorizon,
      spreadHorizon: ds.spreadHorizon,
    };
    let bar: ReturnType<typeof progressBar> | undefined;
    const withProgress = (range: { fromUs: number; toUs: number }): Partial<DatasetBuildSettings> => {
      if (!io.isTty) return {};
      const b = progressBar({
        label: 'dataset',
        total: Math.max(0, range.toUs - range.fromUs),
        write: io.stderr,
        enabled: true,
      });
      bar = b;
      return {
        progressEvery: 2_000,
        onProgress: (p) =>
          b.update(p.localTs - range.fromUs, `${p.events.toLocaleString('en-US')} events, ${p.rows} rows`),
      };
    };
    const settings: DatasetBuildSettings = {
      out: a.out,
      intervalUs: a.intervalUs ?? parseDuration(ds.interval),
      labels,
      bookLevels: ds.bookLevels,
      ...(a.only === undefined ? {} : { only: a.only }),
    };
    mkdirSync(dirname(a.out), { recursive: true });
    for (const path of a.news) {
      if (!existsSync(path)) {
        io.stderr(`pc-trainer dataset: no news recording at ${path}\n`);
        return 1;
      }
    }
    // Recordings: buildDataset scores the news itself (newsRecordings); collected rows: here.
    const news = a.news.length === 0 || a.data.length > 0 ? undefined : await scoreNewsRecordings(a.news);
    const newsSettings = news === undefined ? {} : { news: { items: news.items } };
    const newsSources = news?.sources ?? [];
    let summary: DatasetSummary;
    if (a.db !== undefined) {
      if (!existsSync(a.db)) {
        io.stderr(`pc-trainer dataset: no database at ${a.db}\n`);
        return 1;
      }
      const store = SqliteStore.open(a.db, { readonly: true });
      try {
        const source = await openStoreEvents(store);
        summary = await buildDatasetFromEvents({
          ...settings,
          ...withProgress(source),
          ...newsSettings,
          events: source.events(),
          instruments: source.instruments,
          sources: [{ path: a.db, sha256: await sha256File(a.db) }, ...newsSources],
        });
      } finally {
        store.close();
      }
    } else if (a.postgres !== undefined) {
      let postgres: typeof import('@tickerml/storage/postgres');
      try {
        postgres = await import('@tickerml/storage/postgres');
      } catch (error) {
        io.stderr(`pc-trainer dataset: --postgres needs the pg package (npm install pg): ${String(error)}\n`);
        return 1;
      }
      const store = await postgres.PostgresStore.connect(a.postgres);
      try {
        const source = await openStoreEvents(store);
        // No file to hash: the source's sha256 is that of the rows read, one JSON event per line.
        const hash = createHash('sha256');
        let digest = '';
        const events = async function* () {
          for await (const e of source.events()) {
            hash.update(`${JSON.stringify(e)}\n`);
            yield e;
          }
          digest = hash.digest('hex');
        };
        summary = await buildDatasetFromEvents({
          ...settings,
          ...withProgress(source),
          ...newsSettings,
          events: events(),
          instruments: source.instruments,
          sources: [
            ...newsSources,
            {
              path: redactUrl(a.postgres),
              get sha256() {
                return digest;
              },
            },
          ],
        });
      } finally {
        await store.close();
      }
    } else {
      const range = io.isTty ? await frameRange(a.data) : { fromUs: 0, toUs: 0 };
      summary = await buildDataset({
        ...settings,
        ...withProgress(range),
        sources: a.data,
        ...(a.news.length === 0 ? {} : { newsRecordings: a.news }),
      });
    }
    bar?.finish(`${summary.events.toLocaleString('en-US')} events, ${summary.rows} rows`);
    if (summary.rows === 0) {
      io.stderr(
        `pc-trainer dataset: no row: no decision had its book and its whole label horizon (${summary.droppedAtEnd} ran past the end of the data, ${summary.droppedAbsent} had no book); ${a.out} holds the empty dataset\n`,
      );
      return 1;
    }
    io.stdout(
      a.json
        ? `${JSON.stringify({
            path: summary.path,
            rows: summary.rows,
            droppedAtEnd: summary.droppedAtEnd,
            droppedAbsent: summary.droppedAbsent,
            events: summary.events,
            sha256: summary.sha256,
            dataRange: summary.meta.dataRange,
            intervalUs: summary.meta.intervalUs,
            encoderVersion: summary.meta.encoderVersion,
            features: summary.meta.features.map((f) => f.name),
            labels: summary.meta.labels.map((l) => l.name),
            instruments: summary.meta.instruments,
            sources: summary.meta.sources,
          })}\n`
        : `${summaryText(summary)}\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof BaseError) {
      io.stderr(`pc-trainer dataset: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
