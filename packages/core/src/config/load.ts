/**
 * Loading and validating the YAML configuration, with environment overrides.
 *
 * @module
 */

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { REDACTED_KEYS } from '../logger.js';
import {
  type appConfigSchema,
  CONFIG_FILES,
  type kafkaConfigSchema,
  type modelConfigSchema,
  type monitoringConfigSchema,
  type riskLimitsSchema,
} from './schema.js';

/** `snake_case` → `camelCase` at the type level. */
export type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;

/** Deeply renames object keys from `snake_case` to `camelCase` and makes everything readonly. */
export type Camelize<T> = T extends readonly (infer U)[]
  ? readonly Camelize<U>[]
  : T extends object
    ? { readonly [K in keyof T as K extends string ? CamelCase<K> : K]: Camelize<T[K]> }
    : T;

/** `config.yaml`, loaded. */
export type AppConfig = Camelize<z.output<typeof appConfigSchema>>;
/** `risk_limits.yaml`, loaded. */
export type RiskLimitsConfig = Camelize<z.output<typeof riskLimitsSchema>>;
/** `kafka_config.yaml`, loaded. */
export type KafkaConfig = Camelize<z.output<typeof kafkaConfigSchema>>;
/** `model_config.yaml`, loaded. */
export type ModelConfig = Camelize<z.output<typeof modelConfigSchema>>;
/** `monitoring_config.yaml`, loaded. */
export type MonitoringConfig = Camelize<z.output<typeof monitoringConfigSchema>>;

/** The whole validated configuration. */
export interface TickerMLConfig {
  readonly app: AppConfig;
  readonly risk: RiskLimitsConfig;
  readonly kafka: KafkaConfig;
  readonly model: ModelConfig;
  readonly monitoring: MonitoringConfig;
  /** Files that were read (others took their defaults) and the environment variables applied. */
  readonly sources: readonly string[];
}

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Environment to read overrides from; defaults to `process.env`. Pass `{}` to ignore the environment. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Prefix of override variables; defaults to `TICKERML__`. */
  readonly envPrefix?: string;
}

/** A configuration section: `app` (config.yaml), `risk`, `kafka`, `model` or `monitoring`. */
export type ConfigSection = keyof typeof CONFIG_FILES;
type Section = ConfigSection;
const SECTIONS = Object.keys(CONFIG_FILES) as Section[];

function camelKey(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function camelize(value: unknown): unknown {
  if (Array.isArray(value)) return Object.freeze(value.map(camelize));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) out[camelKey(key)] = camelize(inner);
    return Object.freeze(out);
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

function formatValue(value: unknown): string {
  if (typeof value === 'string')
    return value.trim() !== '' && Number.isFinite(Number(value)) ? value : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return JSON.stringify(value) ?? String(value);
}

interface Override {
  readonly variable: string;
  readonly path: readonly string[];
}

/** Turns one zod issue into "file: key = value problem". */
function describeIssue(
  issue: z.core.$ZodIssue,
  file: string,
  raw: unknown,
  overrides: readonly Override[],
): { file: string; keyPath: string; problem: string } {
  const path = issue.path;
  const keyPath = formatPath(path);
  const override = overrides.find((o) => formatPath(o.path) === keyPath);
  const where = override === undefined ? file : `${override.variable} (environment, over ${file})`;
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => formatPath([...path, k]));
    return { file: where, keyPath: '', problem: `unknown key${keys.length > 1 ? 's' : ''} ${keys.join(', ')}` };
  }
  const value = valueAt(raw, path);
  let problem: string;
  if (issue.code === 'invalid_value') {
    problem = `must be one of ${issue.values.map((v) => String(v)).join(', ')}`;
  } else if (issue.code === 'invalid_type' && value === undefined) {
    problem = 'is required';
  } else if (issue.code === 'invalid_type' && issue.message.startsWith('Invalid input')) {
    problem = `must be ${issue.expected === 'object' ? 'a mapping' : `a ${issue.expected}`}`;
  } else {
    problem = issue.message;
  }
  // A secret (token, password, ...) is never echoed, even when it is rejected.
  const secret = REDACTED_KEYS.includes(String(path[path.length - 1]));
  const shown = secret && value !== undefined ? '[REDACTED]' : formatValue(value);
  return { file: where, keyPath, problem: value === undefined ? problem : `= ${shown} ${problem}` };
}

function readYaml(dir: string, file: string): { data: Record<string, unknown>; found: boolean } {
  const path = join(dir, file);
  if (!existsSync(path)) return { data: {}, found: false };
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(file, '', 'is not valid YAML', { cause: error });
  }
  if (parsed === null || parsed === undefined) return { data: {}, found: true };
  if (!isPlainObject(parsed))
    throw new ConfigError(
      file,
      '',
      `must be a mapping of keys to values, was ${Array.isArray(parsed) ? 'a list' : typeof parsed}`,
    );
  return { data: parsed, found: true };
}

function parseOverrideValue(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    try {
      return parseYaml(trimmed);
    } catch {
      return text;
    }
  }
  return text;
}

function applyOverride(
  target: Record<string, unknown>,
  path: readonly string[],
  value: unknown,
  variable: string,
  file: string,
): void {
  let current = target;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i] as string;
    const next = current[key];
    if (next === undefined || next === null) {
      const created: Record<string, unknown> = {};
      current[key] = created;
      current = created;
    } else if (isPlainObject(next)) {
      current = next;
    } else {
      throw new ConfigError(
        variable,
        path.slice(0, i + 1).join('.'),
        `cannot be overridden below: ${file} sets it to a ${Array.isArray(next) ? 'list' : typeof next}`,
      );
    }
  }
  current[path[path.length - 1] as string] = value;
}

/**
 * Reads and validates `config.yaml`, `risk_limits.yaml`, `kafka_config.yaml`, `model_config.yaml`
 * and `monitoring_config.yaml` from `dir`. A missing file takes its defaults (starting balance
 * 10000 USD, Kelly fraction 0.25, max position 0.25 of equity, max drawdown 0.25, correlation
 * threshold 0.7, latency Binance.US 50–100 ms and Coinbase 100–200 ms, dashboard on
 * 127.0.0.1:5005, …; see the files in the repository's `config/`).
 *
 * Environment overrides: `TICKERML__<SECTION>__<KEY>__<SUBKEY>=value`, where `<SECTION>` is
 * `RISK`, `KAFKA`, `MODEL` or `MONITORING` for those files, and any other first segment is a key
 * of `config.yaml`. Segments are the snake_case keys, upper- or lower-case; values are text (read
 * as numbers or booleans where the schema expects them) or a YAML flow list/map (`[a, b]`).
 * Overrides cannot address list items. Examples: `TICKERML__RISK__KELLY_FRACTION=0.2`,
 * `TICKERML__DASHBOARD__PORT=8080`, `TICKERML__KAFKA__BROKERS=[kafka1:9092, kafka2:9092]`.
 *
 * @param dir - the configuration directory, e.g. `config`.
 * @returns the validated configuration with camelCase keys, deeply frozen.
 * @throws {@link ConfigError} naming the file (or variable), the key path, the value and what was
 *   allowed, e.g. "risk_limits.yaml: kelly_fraction = 1.5 is out of range (0, 0.5]"; further
 *   problems are listed in its `metaMessages`. Also when `dir` does not exist, a file is not valid
 *   YAML, or a key is unknown.
 * @example
 * ```ts
 * const config = loadConfig('config');
 * config.risk.kellyFraction; // 0.25
 * config.app.venues.binanceus.latencyMs; // { min: 50, max: 100 }
 * ```
 */
export function loadConfig(dir: string, options: LoadConfigOptions = {}): TickerMLConfig {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ConfigError(
      dir,
      '',
      'is not a directory (expected the directory holding config.yaml and the other files)',
    );
  }
  const raw = {} as Record<Section, Record<string, unknown>>;
  const sources: string[] = [];
  for (const section of SECTIONS) {
    const { file } = CONFIG_FILES[section];
    const { data, found } = readYaml(dir, file);
    raw[section] = data;
    if (found) sources.push(join(dir, file));
  }
  return validate(raw, sources, options);
}

/**
 * Validates already-parsed configuration objects (snake_case, as in the YAML files); missing
 * sections take their defaults. Same overrides, result and errors as {@link loadConfig}.
 *
 * @example
 * ```ts
 * parseConfig({ risk: { kelly_fraction: 0.1 } }, { env: {} }).risk.kellyFraction; // 0.1
 * ```
 */
export function parseConfig(
  sections: Partial<Record<ConfigSection, Record<string, unknown>>>,
  options: LoadConfigOptions = {},
): TickerMLConfig {
  const raw = {} as Record<Section, Record<string, unknown>>;
  for (const section of SECTIONS) raw[section] = structuredClone(sections[section] ?? {});
  return validate(raw, [], options);
}

function validate(
  raw: Record<Section, Record<string, unknown>>,
  sources: string[],
  options: LoadConfigOptions,
): TickerMLConfig {
  const env = options.env ?? process.env;
  const prefix = options.envPrefix ?? 'TICKERML__';
  const overrides: Record<Section, Override[]> = { app: [], risk: [], kafka: [], model: [], monitoring: [] };
  for (const variable of Object.keys(env).sort()) {
    if (!variable.startsWith(prefix)) continue;
    const value = env[variable];
    if (value === undefined) continue;
    const segments = variable
      .slice(prefix.length)
      .split('__')
      .map((s) => s.toLowerCase());
    const first = segments[0] ?? '';
    const section: Section = first !== 'app' && (SECTIONS as string[]).includes(first) ? (first as Section) : 'app';
    const path = section === 'app' && first !== 'app' ? segments : segments.slice(1);
    if (path.length === 0 || path.some((s) => s === '')) {
      throw new ConfigError(
        variable,
        '',
        `does not name a key (expected ${prefix}<SECTION>__<KEY>, e.g. ${prefix}RISK__KELLY_FRACTION)`,
      );
    }
    applyOverride(raw[section], path, parseOverrideValue(value), variable, CONFIG_FILES[section].file);
    overrides[section].push({ variable, path });
    sources.push(`env ${variable}`);
  }

  const problems: { file: string; keyPath: string; problem: string }[] = [];
  const out = {} as Record<Section, unknown>;
  for (const section of SECTIONS) {
    const { file, schema } = CONFIG_FILES[section];
    const result = schema.safeParse(raw[section]);
    if (result.success) {
      out[section] = camelize(result.data);
    } else {
      for (const issue of result.error.issues)
        problems.push(describeIssue(issue, file, raw[section], overrides[section]));
    }
  }
  const first = problems[0];
  if (first !== undefined) {
    const rest = problems.slice(1).map((p) => `${p.file}: ${p.keyPath === '' ? '' : `${p.keyPath} `}${p.problem}`);
    throw new ConfigError(first.file, first.keyPath, first.problem, rest.length > 0 ? { metaMessages: rest } : {});
  }
  return Object.freeze({ ...(out as Omit<TickerMLConfig, 'sources'>), sources: Object.freeze(sources) });
}

/**
 * The configuration with every default and no overrides.
 * @example
 * ```ts
 * defaultConfig().app.dashboard.port; // 5005
 * ```
 */
export function defaultConfig(): TickerMLConfig {
  return parseConfig({}, { env: {} });
}
