import { describe, expect, it } from '@jest/globals';
import { formatIssue } from './config.types.js';
import { listenAddressOf } from './confluence-config.js';
import { loadConfig } from './load-config.js';
import { APP_DEFAULTS } from './schema/app.schema.js';
import { WEIGHTS_DEFAULTS } from './schema/weights.schema.js';
import { configDirs, issuesOf } from './testing/config-kit.js';

/**
 * What loadConfig makes of its sources: the shipped YAML over the code defaults, the
 * config/<NODE_ENV>/ overlay, and the environment variables (PORT, NODE_ENV and the store and bus
 * URLs).
 */

describe('loadConfig', () => {
  const configDir = configDirs();

  it('accepts the shipped configuration and resolves local mode', () => {
    const config = loadConfig({ env: { CONFIG_DIR: configDir() } });

    expect(config.runtime).toEqual({
      mode: 'local',
      bus: 'in-process',
      store: 'embedded',
      marketData: 'replay',
      throttlerStorage: 'memory',
    });
    expect(config.weights.components.orderFlow).toBe(0.3);
    expect(config.weights.overrides['LTC/USDT']?.thresholds).toEqual({ short: 35, long: 65 });
    expect(config.indicators.macd).toEqual({ fast: 12, slow: 26, signal: 9 });
    expect(config.files).toEqual([
      'app.yaml',
      'exchanges.yaml',
      'indicators.yaml',
      'weights.yaml',
      'monitoring.yaml',
      'llm.yaml',
      'prompts/opinion-v1.yaml',
      'validation.yaml',
    ]);
    expect(config.notices.join(' ')).toMatch(/MONGODB_URI is not set/);
    expect(config.notices.join(' ')).toMatch(/OPENAI_API_KEYS is not set: no LLM opinions/);
    expect(config.llm.model).toBe('gpt-4o-mini');
    expect(config.llmPrompt.version).toBe('opinion-v1');
    expect(config.llmPrompt.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('returns deeply frozen objects', () => {
    const config = loadConfig({ env: { CONFIG_DIR: configDir() } });

    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.weights.components)).toBe(true);
    expect(Object.isFrozen(config.exchanges.exchanges[0]?.symbols)).toBe(true);
    expect(() => {
      (config.app.http.ports as { apiGateway: number }).apiGateway = 1;
    }).toThrow(TypeError);
  });

  it('fills omitted parts from code defaults', () => {
    const dir = configDir((fx) => {
      fx.write('indicators.yaml', 'rsi: { period: 21 }\n');
      fx.write(
        'exchanges.yaml',
        'exchanges:\n  - id: bybit\n    symbols: [BTC/USDT, LTC/USDT]\n    timeframes: [1m, 5m]\n',
      );
    });
    const config = loadConfig({ env: { CONFIG_DIR: dir } });

    expect(config.indicators.rsi.period).toBe(21);
    expect(config.indicators.macd).toEqual({ fast: 12, slow: 26, signal: 9 });
    const [bybit] = config.exchanges.exchanges;
    expect(bybit?.enabled).toBe(true);
    expect(bybit?.data.orderBook).toEqual({ enabled: true, depth: 20, record: [] });
    expect(bybit?.polling.candlesMs).toBe(10_000);
    expect(bybit).toMatchObject({ sandbox: false, requestTimeoutMs: 10_000 });
  });

  it('treats a weight set given in YAML as a whole, not merged key by key with the defaults', () => {
    // Merged with the default {1m: 0.4, 5m: 0.6} this would sum to 1.6.
    const dir = configDir((fx) => {
      fx.patch('weights.yaml', '  1m: 0.4\n  5m: 0.6\n', '  1m: 1\n');
    });

    expect(loadConfig({ env: { CONFIG_DIR: dir } }).weights.timeframes).toEqual({ '1m': 1 });
  });

  it('never modifies or freezes the code defaults it merges from', () => {
    const dir = configDir((fx) => {
      fx.write('app.yaml', 'mode: local\n');
      fx.write('weights.yaml', '');
    });
    const first = loadConfig({ env: { CONFIG_DIR: dir } });
    const second = loadConfig({ env: { CONFIG_DIR: dir } });

    expect(second).toEqual(first);
    expect(first.app.rateLimits.routes).not.toBe(APP_DEFAULTS.rateLimits.routes);
    expect(Object.isFrozen(APP_DEFAULTS.cors.origins)).toBe(false);
    expect(Object.isFrozen(WEIGHTS_DEFAULTS.subscores.technical)).toBe(false);
    expect(first.weights.subscores.technical).toEqual(WEIGHTS_DEFAULTS.subscores.technical);
  });

  it('accepts weights that sum to 1 within 1e-6', () => {
    const dir = configDir((fx) => {
      fx.patch('weights.yaml', 'sentiment: 0.07', 'sentiment: 0.0700009');
    });

    expect(loadConfig({ env: { CONFIG_DIR: dir } }).weights.components.sentiment).toBe(0.0700009);
  });
});

describe('environment overlay', () => {
  const configDir = configDirs();

  it('merges config/<NODE_ENV>/ over the base files', () => {
    const dir = configDir((fx) => {
      fx.write('test/app.yaml', 'http:\n  ports:\n    apiGateway: 4000\n');
    });
    const config = loadConfig({ env: { CONFIG_DIR: dir, NODE_ENV: 'test' } });

    expect(config.app.http.ports.apiGateway).toBe(4000);
    expect(config.app.http.ports.analysisWorker).toBe(3001);
    expect(config.files).toContain('test/app.yaml');
  });

  it('ignores the overlay of another NODE_ENV', () => {
    const dir = configDir((fx) => {
      fx.write('test/app.yaml', 'http:\n  ports:\n    apiGateway: 4000\n');
    });

    expect(loadConfig({ env: { CONFIG_DIR: dir, NODE_ENV: 'development' } }).app.http.ports.apiGateway).toBe(
      3000,
    );
  });

  it('blames the overlay file for a bad value it sets', () => {
    const dir = configDir((fx) => {
      fx.write('test/weights.yaml', 'thresholds:\n  short: 80\n');
    });

    expect(issuesOf(dir, { NODE_ENV: 'test' })).toContainEqual(
      expect.objectContaining({ file: 'test/weights.yaml', path: 'thresholds.short', line: 2 }),
    );
  });

  it('selects distributed mode in production, which then requires Redis and MongoDB', () => {
    const issues = issuesOf(configDir(), { NODE_ENV: 'production' });

    expect(issues.map(formatIssue)).toEqual([
      expect.stringMatching(/^environment: REDIS_URL: is required in distributed mode/),
      expect.stringMatching(/^environment: MONGODB_URI: is required in distributed mode/),
    ]);
  });

  it('boots production with its secrets from the environment', () => {
    const config = loadConfig({
      env: {
        CONFIG_DIR: configDir(),
        NODE_ENV: 'production',
        REDIS_URL: 'redis://127.0.0.1:6379',
        MONGODB_URI: 'mongodb://user:pw@db.internal:27017/confluence',
        OPENAI_API_KEYS: 'sk-test-first-0001, sk-test-second-0002',
      },
    });

    expect(config.runtime).toEqual({
      mode: 'distributed',
      bus: 'redis',
      store: 'mongodb',
      marketData: 'live',
      throttlerStorage: 'redis',
    });
    expect(config.app.http.host).toBe('0.0.0.0');
    // What a production gateway exposes (README, "Security and exposure").
    expect(config.app.http.metricsPort).toBe(9464);
    expect(config.app.access).toEqual(
      expect.objectContaining({
        readsRequireKey: false,
        socketsRequireKey: false,
        metricsRequireKey: false,
        docs: false,
      }),
    );
    expect(config.environment.openAiKeys).toEqual(['sk-test-first-0001', 'sk-test-second-0002']);
    expect(config.notices).toEqual([]);
  });

  it('lets exchanges.yaml choose the market-data source over the mode default', () => {
    const dir = configDir((fx) => {
      fx.patch('exchanges.yaml', 'source: auto', 'source: live');
    });

    expect(loadConfig({ env: { CONFIG_DIR: dir } }).runtime.marketData).toBe('live');
  });
});

describe('environment variables', () => {
  const configDir = configDirs();

  it('lets PORT override the configured port of whichever process starts', () => {
    const config = loadConfig({ env: { CONFIG_DIR: configDir(), PORT: '4123' } });

    expect(listenAddressOf(config, 'local')).toEqual({ host: '127.0.0.1', port: 4123 });
    expect(listenAddressOf(config, 'analysis-worker').port).toBe(4123);
  });

  it('uses each app’s own port without PORT, the gateway’s in local mode', () => {
    const config = loadConfig({ env: { CONFIG_DIR: configDir() } });

    expect(listenAddressOf(config, 'local').port).toBe(3000);
    expect(listenAddressOf(config, 'api-gateway').port).toBe(3000);
    expect(listenAddressOf(config, 'analysis-worker').port).toBe(3001);
    expect(listenAddressOf(config, 'market-data').port).toBe(3002);
  });

  it.each([
    ['PORT', 'eighty', /^must be an integer from 1 to 65535/],
    ['PORT', '65536', /^must be an integer from 1 to 65535/],
    ['NODE_ENV', 'staging', /^must be one of development, test, production/],
    ['LOG_FORMAT', 'text', /^must be one of json, pretty \(got "text"\)$/],
    ['MONGODB_URI', 'postgres://u:secretpw@h/db', /^must use mongodb:\/\/ or mongodb\+srv:\/\//],
    ['REDIS_URL', 'not a url secretpw', /^is not a valid URL$/],
  ])('rejects %s=%s', (name, value, message) => {
    const issues = issuesOf(configDir(), { [name]: value });

    expect(issues).toContainEqual(
      expect.objectContaining({ file: 'environment', path: name, message: expect.stringMatching(message) }),
    );
    expect(JSON.stringify(issues)).not.toContain('secretpw');
  });

  it('fails production boot without MONGODB_URI even in local mode', () => {
    const dir = configDir((fx) => {
      fx.write('production/app.yaml', 'mode: local\n');
    });

    expect(issuesOf(dir, { NODE_ENV: 'production' }).map(formatIssue)).toEqual([
      expect.stringMatching(/^environment: MONGODB_URI: is required when NODE_ENV=production/),
    ]);
  });
});
