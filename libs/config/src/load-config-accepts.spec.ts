import { describe, expect, it } from '@jest/globals';
import { loadConfig } from './load-config.js';
import { APP_DEFAULTS } from './schema/app.schema.js';
import { WEIGHTS_DEFAULTS } from './schema/weights.schema.js';
import { configDirs } from './testing/config-kit.js';

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
    ]);
    expect(config.notices.join(' ')).toMatch(/MONGODB_URI is not set/);
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
