import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { defaultConfig, loadConfig, parseConfig } from './load.js';

const repoConfigDir = fileURLToPath(new URL('../../../../config', import.meta.url));
const dirs: string[] = [];
function configDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tickerml-config-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function errorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it("loads and validates the repository's config/ files, which equal the defaults", () => {
    const config = loadConfig(repoConfigDir, { env: {} });
    expect(config.sources).toHaveLength(5);
    const { sources: _a, ...loaded } = config;
    const { sources: _b, ...defaults } = defaultConfig();
    expect(loaded).toEqual(defaults);
  });

  it('has the seed defaults', () => {
    const config = loadConfig(configDir({}), { env: {} });
    expect(config.app.trading.startingBalance).toBe('10000.00');
    expect(config.app.trading.currency).toBe('USD');
    expect(config.risk.kellyFraction).toBe(0.25);
    expect(config.risk.maxPositionFraction).toBe(0.25);
    expect(config.risk.maxDrawdown).toBe(0.25);
    expect(config.risk.correlationThreshold).toBe(0.7);
    expect(config.app.venues.binanceus.latencyMs).toEqual({ min: 50, max: 100 });
    expect(config.app.venues.coinbase.latencyMs).toEqual({ min: 100, max: 200 });
    expect(config.app.dashboard).toEqual({ host: '127.0.0.1', port: 5005, allowedHosts: [] });
    expect(config.kafka.topics.deadLetter).toBe('tickerml.dead-letter');
    expect(config.sources).toEqual([]);
    expect(Object.isFrozen(config.risk)).toBe(true);
    // the loaded shape is typed in camelCase (checked by tsc -p tsconfig.test.json)
    expectTypeOf(config.risk.kellyFraction).toEqualTypeOf<number>();
    expectTypeOf(config.app.venues.kraken.latencyMs.max).toEqualTypeOf<number>();
    expectTypeOf(config.app.dashboard.token).toEqualTypeOf<string | undefined>();
    expectTypeOf(config.kafka.brokers).toEqualTypeOf<readonly string[]>();
  });

  it('merges a partial file over the defaults, including extra venues', () => {
    const dir = configDir({
      'config.yaml':
        'venues:\n  kraken:\n    enabled: true\n    latency_ms: { max: 300 }\n  bitstamp:\n    symbols: [BTC/USD]\n    latency_ms: { min: 20, max: 40 }\n',
      'risk_limits.yaml': 'kelly_fraction: 0.1\n',
    });
    const config = loadConfig(dir, { env: {} });
    expect(config.risk.kellyFraction).toBe(0.1);
    expect(config.risk.maxDrawdown).toBe(0.25);
    expect(config.app.venues.kraken).toEqual({
      enabled: true,
      symbols: ['BTC/USD', 'ETH/USD'],
      latencyMs: { min: 50, max: 300 },
    });
    expect(config.app.venues.bitstamp).toEqual({
      enabled: true,
      symbols: ['BTC/USD'],
      latencyMs: { min: 20, max: 40 },
    });
    expect(config.app.venues.binanceus.enabled).toBe(true);
  });

  it('names the file, key, value and allowed range', () => {
    const dir = configDir({ 'risk_limits.yaml': 'kelly_fraction: 1.5\nmax_drawdown: 1\n' });
    const error = errorOf(() => loadConfig(dir, { env: {} }));
    expect(error.shortMessage).toBe('risk_limits.yaml: kelly_fraction = 1.5 is out of range (0, 0.5]');
    expect(error.file).toBe('risk_limits.yaml');
    expect(error.keyPath).toBe('kelly_fraction');
    expect(error.metaMessages).toEqual(['risk_limits.yaml: max_drawdown = 1 is out of range (0, 1)']);
    expect(errorOf(() => parseConfig({ risk: { kelly_fraction: 0 } }, { env: {} })).shortMessage).toBe(
      'risk_limits.yaml: kelly_fraction = 0 is out of range (0, 0.5]',
    );
  });

  it('reports wrong types, unknown keys, bad enums and inconsistent ranges', () => {
    expect(errorOf(() => parseConfig({ app: { dashboard: { port: 'http' } } }, { env: {} })).shortMessage).toBe(
      'config.yaml: dashboard.port = "http" must be a number in [1, 65535]',
    );
    expect(errorOf(() => parseConfig({ risk: { kelly_fractoin: 0.2 } }, { env: {} })).shortMessage).toBe(
      'risk_limits.yaml: unknown key kelly_fractoin',
    );
    expect(errorOf(() => parseConfig({ app: { logging: { level: 'loud' } } }, { env: {} })).shortMessage).toBe(
      'config.yaml: logging.level = "loud" must be one of trace, debug, info, warn, error, fatal, silent',
    );
    expect(
      errorOf(() => parseConfig({ app: { venues: { coinbase: { latency_ms: { min: 300 } } } } }, { env: {} }))
        .shortMessage,
    ).toBe('config.yaml: venues.coinbase.latency_ms.min = 300 must be ≤ max (200 ms)');
    expect(
      errorOf(() => parseConfig({ app: { venues: { coinbase: { symbols: ['BTC-USD'] } } } }, { env: {} })).shortMessage,
    ).toBe(
      'config.yaml: venues.coinbase.symbols[0] = "BTC-USD" must be a canonical symbol like BTC/USDT or BTC/USDT:USDT',
    );
    expect(errorOf(() => parseConfig({ kafka: { brokers: [] } }, { env: {} })).shortMessage).toBe(
      'kafka_config.yaml: brokers = [] must list at least one broker',
    );
  });

  it('rejects broken files and a missing directory', () => {
    expect(
      errorOf(() => loadConfig(configDir({ 'config.yaml': 'trading: [unclosed\n' }), { env: {} })).shortMessage,
    ).toBe('config.yaml: is not valid YAML');
    expect(
      errorOf(() => loadConfig(configDir({ 'risk_limits.yaml': '- a\n- b\n' }), { env: {} })).shortMessage,
    ).toContain('risk_limits.yaml: must be a mapping');
    expect(errorOf(() => loadConfig('/nonexistent/tickerml-config', { env: {} })).shortMessage).toContain(
      'is not a directory',
    );
    // an empty file is all defaults
    expect(loadConfig(configDir({ 'risk_limits.yaml': '' }), { env: {} }).risk.kellyFraction).toBe(0.25);
  });

  it('applies environment overrides and names the variable when one is wrong', () => {
    const config = loadConfig(repoConfigDir, {
      env: {
        TICKERML__RISK__KELLY_FRACTION: '0.2',
        TICKERML__DASHBOARD__PORT: '8080',
        TICKERML__DASHBOARD__TOKEN: 'a-long-enough-secret-token',
        TICKERML__KAFKA__BROKERS: '[kafka1:9092, kafka2:9092]',
        TICKERML__VENUES__KRAKEN__ENABLED: 'true',
        OTHER: 'ignored',
      },
    });
    expect(config.risk.kellyFraction).toBe(0.2);
    expect(config.app.dashboard.port).toBe(8080);
    expect(config.app.dashboard.token).toBe('a-long-enough-secret-token');
    expect(config.kafka.brokers).toEqual(['kafka1:9092', 'kafka2:9092']);
    expect(config.app.venues.kraken.enabled).toBe(true);
    expect(config.sources).toContain('env TICKERML__RISK__KELLY_FRACTION');

    const error = errorOf(() => loadConfig(repoConfigDir, { env: { TICKERML__RISK__KELLY_FRACTION: '1' } }));
    expect(error.shortMessage).toBe(
      'TICKERML__RISK__KELLY_FRACTION (environment, over risk_limits.yaml): kelly_fraction = 1 is out of range (0, 0.5]',
    );
    expect(errorOf(() => parseConfig({}, { env: { TICKERML__RISK__: 'x' } })).shortMessage).toContain(
      'does not name a key',
    );
  });
});

describe('dashboard exposure', () => {
  it('refuses a dashboard bound beyond loopback without a token, naming the key to set', () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.20', 'pi.local']) {
      const error = errorOf(() => parseConfig({}, { env: { TICKERML__DASHBOARD__HOST: host } }));
      expect(error.keyPath, host).toBe('dashboard.token');
      expect(error.message, host).toContain('TICKERML__DASHBOARD__TOKEN');
    }
    for (const host of ['127.0.0.1', 'localhost', '::1', '127.0.0.2']) {
      expect(parseConfig({}, { env: { TICKERML__DASHBOARD__HOST: host } }).app.dashboard.host).toBe(host);
    }
    const token = 'a-long-enough-random-token';
    const exposed = parseConfig(
      {},
      { env: { TICKERML__DASHBOARD__HOST: '0.0.0.0', TICKERML__DASHBOARD__TOKEN: token } },
    );
    expect(exposed.app.dashboard.token).toBe(token);
  });

  it('never echoes a rejected secret', () => {
    const error = errorOf(() => parseConfig({}, { env: { TICKERML__DASHBOARD__TOKEN: 'shortsecretXY' } }));
    expect(error.keyPath).toBe('dashboard.token');
    expect(error.message).toContain('at least 16 characters');
    expect(error.message).not.toContain('shortsecretXY');
    const inFile = errorOf(() => parseConfig({ app: { dashboard: { token: 'tooShort1' } } }, { env: {} }));
    expect(inFile.message).not.toContain('tooShort1');
    expect(inFile.message).toContain('[REDACTED]');
  });
});
