import { afterEach, describe, expect, it } from '@jest/globals';
import { type ConfigFixture, createConfigFixture } from '@app/testing';
import { ConfigValidationError } from './config.error.js';
import { type ConfigIssue, formatIssue } from './config.types.js';
import { listenAddressOf } from './confluence-config.js';
import { loadConfig } from './load-config.js';
import { APP_DEFAULTS } from './schema/app.schema.js';
import { WEIGHTS_DEFAULTS } from './schema/weights.schema.js';

let fixture: ConfigFixture | undefined;

function configDir(setup: (fx: ConfigFixture) => void = () => undefined): string {
  fixture = createConfigFixture();
  setup(fixture);
  return fixture.dir;
}

afterEach(() => {
  fixture?.cleanup();
  fixture = undefined;
});

function issuesOf(dir: string, env: NodeJS.ProcessEnv = {}): readonly ConfigIssue[] {
  try {
    loadConfig({ env: { CONFIG_DIR: dir, ...env } });
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.issues;
    throw error;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('loadConfig', () => {
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

interface BadCase {
  readonly name: string;
  readonly setup: (fx: ConfigFixture) => void;
  readonly file: string;
  readonly path: string;
  readonly message: RegExp;
}

const BAD_VALUES: readonly BadCase[] = [
  {
    name: 'component weights summing to 1.3',
    setup: (fx) => {
      fx.patch('weights.yaml', 'orderFlow: 0.30', 'orderFlow: 0.60');
    },
    file: 'weights.yaml',
    path: 'components',
    message: /weights must sum to 1 \(±0\.000001\), got 1\.3$/,
  },
  {
    name: 'component weights just outside the 1e-6 tolerance',
    setup: (fx) => {
      fx.patch('weights.yaml', 'sentiment: 0.07', 'sentiment: 0.070002');
    },
    file: 'weights.yaml',
    path: 'components',
    message: /got 1\.000002$/,
  },
  {
    name: 'a weight above 1',
    setup: (fx) => {
      fx.patch('weights.yaml', 'orderFlow: 0.30', 'orderFlow: 1.30');
    },
    file: 'weights.yaml',
    path: 'components.orderFlow',
    message: /must be a number from 0 to 1 \(got 1\.3\)/,
  },
  {
    name: 'a negative weight',
    setup: (fx) => {
      fx.patch('weights.yaml', 'volume: 0.18', 'volume: -0.18');
    },
    file: 'weights.yaml',
    path: 'components.volume',
    message: /must be a number from 0 to 1/,
  },
  {
    name: 'sub-score weights that do not sum to 1',
    setup: (fx) => {
      fx.patch('weights.yaml', '    rsi: 0.15', '    rsi: 0.25');
    },
    file: 'weights.yaml',
    path: 'subscores.technical',
    message: /weights must sum to 1 .*got 1\.1$/,
  },
  {
    name: 'a missing sub-score weight',
    setup: (fx) => {
      fx.patch('weights.yaml', '    atr: 0.05\n', '');
    },
    file: 'weights.yaml',
    path: 'subscores.technical.atr',
    message: /^is required$/,
  },
  {
    name: 'a misspelt component',
    setup: (fx) => {
      fx.patch('weights.yaml', 'orderFlow: 0.30', 'orderflow: 0.30');
    },
    file: 'weights.yaml',
    path: 'components.orderflow',
    message: /^unknown key \(allowed: orderFlow, orderBook, volume/,
  },
  {
    name: 'an unknown timeframe',
    setup: (fx) => {
      fx.patch('weights.yaml', '  1m: 0.4', '  7m: 0.4');
    },
    file: 'weights.yaml',
    path: 'timeframes.7m',
    message: /^unknown key/,
  },
  {
    name: 'a weighted timeframe no exchange collects',
    setup: (fx) => {
      fx.patch('weights.yaml', '  1m: 0.4', '  1h: 0.4');
    },
    file: 'weights.yaml',
    path: 'timeframes.1h',
    message: /not collected by any enabled exchange/,
  },
  {
    name: 'signal thresholds out of order',
    setup: (fx) => {
      fx.patch('weights.yaml', '  short: 40\n  long: 60', '  short: 70\n  long: 60');
    },
    file: 'weights.yaml',
    path: 'thresholds.short',
    message: /^must be less than long \(60\)$/,
  },
  {
    name: 'a threshold above 100',
    setup: (fx) => {
      fx.patch('weights.yaml', '  long: 60', '  long: 160');
    },
    file: 'weights.yaml',
    path: 'thresholds.long',
    message: /must not be greater than 100/,
  },
  {
    name: 'an override for a symbol nobody collects',
    setup: (fx) => {
      fx.patch('weights.yaml', '  LTC/USDT:', '  DOGE/USDT:');
    },
    file: 'weights.yaml',
    path: 'overrides.DOGE/USDT',
    message: /not configured on any enabled exchange/,
  },
  {
    name: 'an override keyed by a malformed symbol',
    setup: (fx) => {
      fx.patch('weights.yaml', '  LTC/USDT:', '  ltcusdt:');
    },
    file: 'weights.yaml',
    path: 'overrides.ltcusdt',
    message: /must be a unified symbol/,
  },
  {
    name: 'MACD fast period not below slow',
    setup: (fx) => {
      fx.patch('indicators.yaml', 'fast: 12, slow: 26', 'fast: 30, slow: 26');
    },
    file: 'indicators.yaml',
    path: 'macd.fast',
    message: /^must be less than slow \(26\)$/,
  },
  {
    name: 'a write retry base above its cap',
    setup: (fx) => {
      fx.patch('app.yaml', 'retryBaseMs: 200', 'retryBaseMs: 20000');
    },
    file: 'app.yaml',
    path: 'storage.retryBaseMs',
    message: /^must be less than retryMaxMs \(10000\)$/,
  },
  {
    name: 'a results retention of zero days',
    setup: (fx) => {
      fx.patch('app.yaml', 'resultsRetentionDays: 30', 'resultsRetentionDays: 0');
    },
    file: 'app.yaml',
    path: 'storage.resultsRetentionDays',
    message: /must not be less than 1/,
  },
  {
    name: 'Awesome Oscillator fast period equal to slow',
    setup: (fx) => {
      fx.patch(
        'indicators.yaml',
        'awesomeOscillator: { fast: 5, slow: 34 }',
        'awesomeOscillator: { fast: 34, slow: 34 }',
      );
    },
    file: 'indicators.yaml',
    path: 'awesomeOscillator.fast',
    message: /must be less than slow/,
  },
  {
    name: 'a zero period',
    setup: (fx) => {
      fx.patch('indicators.yaml', 'rsi: { period: 14 }', 'rsi: { period: 0 }');
    },
    file: 'indicators.yaml',
    path: 'rsi.period',
    message: /must not be less than 1/,
  },
  {
    name: 'a period given as text',
    setup: (fx) => {
      fx.patch('indicators.yaml', 'rsi: { period: 14 }', "rsi: { period: '14' }");
    },
    file: 'indicators.yaml',
    path: 'rsi.period',
    message: /must be an integer number/,
  },
  {
    name: 'an exchange ccxt does not know',
    setup: (fx) => {
      fx.patch('exchanges.yaml', 'id: binance', 'id: binanse');
    },
    file: 'exchanges.yaml',
    path: 'exchanges.0.id',
    message: /must be an exchange id ccxt knows/,
  },
  {
    name: 'an unknown timeframe on an exchange',
    setup: (fx) => {
      fx.patch('exchanges.yaml', 'timeframes: [1m, 5m]', 'timeframes: [1m, 5min]');
    },
    file: 'exchanges.yaml',
    path: 'exchanges.0.timeframes',
    message: /each timeframe must be one of 1m, 3m, 5m/,
  },
  {
    name: 'a symbol in exchange notation',
    setup: (fx) => {
      fx.patch('exchanges.yaml', 'symbols: [BTC/USDT, LTC/USDT]', 'symbols: [BTCUSDT, LTC/USDT]');
    },
    file: 'exchanges.yaml',
    path: 'exchanges.0.symbols',
    message: /each symbol must be unified/,
  },
  {
    name: 'the same exchange twice',
    setup: (fx) => {
      fx.write(
        'exchanges.yaml',
        'exchanges:\n  - { id: binance, symbols: [BTC/USDT, LTC/USDT], timeframes: [1m, 5m] }\n  - { id: binance, symbols: [ETH/USDT], timeframes: [1m] }\n',
      );
    },
    file: 'exchanges.yaml',
    path: 'exchanges',
    message: /must not repeat items \(repeated: binance\)/,
  },
  {
    name: 'an order-book depth of zero',
    setup: (fx) => {
      fx.patch('exchanges.yaml', 'depth: 20', 'depth: 0');
    },
    file: 'exchanges.yaml',
    path: 'exchanges.0.data.orderBook.depth',
    message: /must not be less than 1/,
  },
  {
    name: 'an API base URL that is not http(s)',
    setup: (fx) => {
      fx.patch(
        'exchanges.yaml',
        '    sandbox: false',
        '    sandbox: false\n    apiUrls: { public: ftp://proxy/api }',
      );
    },
    file: 'exchanges.yaml',
    path: 'exchanges.0.apiUrls.public',
    message: /must be an http\(s\) URL/,
  },
  {
    name: 'a replay speed that is neither a number nor max',
    setup: (fx) => {
      fx.patch('exchanges.yaml', 'speed: 60', 'speed: fast');
    },
    file: 'exchanges.yaml',
    path: 'replay.speed',
    message: /must be a multiple of real time/,
  },
  {
    name: 'a recorded order book for a symbol the exchange does not collect',
    setup: (fx) => {
      fx.patch('exchanges.yaml', 'record: []', 'record: [ETH/USDT]');
    },
    file: 'exchanges.yaml',
    path: 'exchanges.0.data.orderBook.record.0',
    message: /ETH\/USDT is not in symbols/,
  },
  {
    name: 'a retry base above its cap',
    setup: (fx) => {
      fx.patch('exchanges.yaml', 'baseMs: 500', 'baseMs: 50000');
    },
    file: 'exchanges.yaml',
    path: 'retry.baseMs',
    message: /must be less than maxMs/,
  },
  {
    name: 'a port out of range',
    setup: (fx) => {
      fx.patch('app.yaml', 'apiGateway: 3000', 'apiGateway: 70000');
    },
    file: 'app.yaml',
    path: 'http.ports.apiGateway',
    message: /must not be greater than 65535/,
  },
  {
    name: 'two apps on one port',
    setup: (fx) => {
      fx.patch('app.yaml', 'analysisWorker: 3001', 'analysisWorker: 3000');
    },
    file: 'app.yaml',
    path: 'http.ports',
    message: /must use different ports/,
  },
  {
    name: 'a CORS wildcard with credentials',
    setup: (fx) => {
      fx.patch(
        'app.yaml',
        '    - http://localhost:3000\n  credentials: false',
        "    - '*'\n  credentials: true",
      );
    },
    file: 'app.yaml',
    path: 'cors.origins',
    message: /must not contain "\*" when credentials is true/,
  },
  {
    name: 'an unknown mode',
    setup: (fx) => {
      fx.patch('app.yaml', 'mode: local', 'mode: cluster');
    },
    file: 'app.yaml',
    path: 'mode',
    message: /must be one of the following values: local, distributed/,
  },
  {
    name: 'an unknown log level',
    setup: (fx) => {
      fx.patch('app.yaml', 'level: log', 'level: info');
    },
    file: 'app.yaml',
    path: 'logging.level',
    message: /must be one of the following values: fatal, error, warn, log, debug, verbose/,
  },
  {
    name: 'an alert on a malformed metric name',
    setup: (fx) => {
      fx.patch('monitoring.yaml', 'metric: confluence_analysis_lag_seconds', 'metric: analysis-lag');
    },
    file: 'monitoring.yaml',
    path: 'alerts.1.metric',
    message: /must be a Prometheus metric name/,
  },
  {
    name: 'two alerts with one name',
    setup: (fx) => {
      fx.patch('monitoring.yaml', 'name: analysis-lag-high', 'name: market-data-stale');
    },
    file: 'monitoring.yaml',
    path: 'alerts',
    message: /repeated: market-data-stale/,
  },
];

describe('loadConfig rejects a bad value with file, dotted path and message', () => {
  it.each(BAD_VALUES)('$name → $file: $path', ({ setup, file, path, message }) => {
    const issues = issuesOf(configDir(setup));
    const match = issues.find((issue) => issue.file === file && issue.path === path);

    expect(match).toBeDefined();
    expect(match?.message).toMatch(message);
  });
});

describe('loadConfig reporting', () => {
  it('reports every violation, across files, not just the first', () => {
    const dir = configDir((fx) => {
      fx.patch('weights.yaml', 'orderFlow: 0.30', 'orderFlow: 0.60');
      fx.patch('indicators.yaml', 'fast: 12, slow: 26', 'fast: 30, slow: 26');
      fx.patch('app.yaml', 'apiGateway: 3000', 'apiGateway: 0');
      fx.patch('monitoring.yaml', 'severity: critical', 'severity: page');
    });
    const lines = issuesOf(dir).map(formatIssue);

    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^app\.yaml: http\.ports\.apiGateway: must not be less than 1 \(line \d+, column \d+\)$/,
        ),
        expect.stringMatching(/^indicators\.yaml: macd\.fast: must be less than slow \(26\)/),
        expect.stringMatching(/^weights\.yaml: components: weights must sum to 1/),
        expect.stringMatching(/^monitoring\.yaml: alerts\.2\.severity: must be one of the following values/),
      ]),
    );
  });

  it('points at the line and column of the offending value', () => {
    const dir = configDir((fx) => {
      fx.write('indicators.yaml', 'rsi:\n  period: 0\n');
    });
    const issue = issuesOf(dir).find((found) => found.path === 'rsi.period');

    expect(issue).toMatchObject({ file: 'indicators.yaml', line: 2, column: 11 });
    expect(formatIssue(issue!)).toBe(
      'indicators.yaml: rsi.period: must not be less than 1 (line 2, column 11)',
    );
  });

  it('rejects unknown keys and lists the allowed ones', () => {
    const dir = configDir((fx) => {
      fx.patch('app.yaml', '  host: 127.0.0.1', '  host: 127.0.0.1\n  prot: 8080');
    });

    expect(issuesOf(dir)).toContainEqual(
      expect.objectContaining({
        file: 'app.yaml',
        path: 'http.prot',
        message: 'unknown key (allowed: bodyLimitBytes, host, ports, shutdownTimeoutMs)',
      }),
    );
  });

  it('rejects an unknown top-level key', () => {
    const dir = configDir((fx) => {
      fx.patch('monitoring.yaml', 'health:', 'helth:\n  x: 1\nhealth:');
    });

    expect(issuesOf(dir)).toContainEqual(expect.objectContaining({ file: 'monitoring.yaml', path: 'helth' }));
  });

  it('names a missing file', () => {
    const dir = configDir((fx) => {
      fx.remove('weights.yaml');
    });

    expect(issuesOf(dir)).toContainEqual(
      expect.objectContaining({
        file: 'weights.yaml',
        path: '',
        message: expect.stringMatching(/^file not found at /),
      }),
    );
  });

  it('names a file it cannot read', () => {
    // A directory where the file should be: reading it fails (EISDIR) whatever the user's rights.
    const dir = configDir((fx) => {
      fx.remove('monitoring.yaml');
      fx.write('monitoring.yaml/placeholder', '');
    });

    expect(issuesOf(dir)).toContainEqual(
      expect.objectContaining({
        file: 'monitoring.yaml',
        message: expect.stringMatching(/^cannot read file: .*EISDIR/),
      }),
    );
  });

  it('names an unparsable file with line and column', () => {
    const dir = configDir((fx) => {
      fx.write('app.yaml', 'mode: local\nhttp:\n  host: [127.0.0.1\n');
    });
    const issue = issuesOf(dir).find((found) => found.file === 'app.yaml');

    expect(issue?.message).toMatch(/^cannot parse YAML/);
    expect(issue?.line).toBeGreaterThanOrEqual(3);
    expect(issue?.column).toBeGreaterThanOrEqual(1);
  });

  it('rejects a key given twice instead of keeping the last', () => {
    const dir = configDir((fx) => {
      fx.patch('app.yaml', 'mode: local', 'mode: local\nmode: distributed');
    });
    const issue = issuesOf(dir).find((found) => found.file === 'app.yaml');

    expect(issue).toMatchObject({
      line: 7,
      message: expect.stringMatching(/cannot parse YAML: Map keys must be unique/),
    });
  });

  it('rejects a stray YAML file that would otherwise be ignored', () => {
    const dir = configDir((fx) => {
      fx.write('wieghts.yaml', 'components: {}\n');
    });

    expect(issuesOf(dir)).toContainEqual(
      expect.objectContaining({
        file: 'wieghts.yaml',
        message: expect.stringMatching(/^unexpected config file/),
      }),
    );
  });
});

describe('secrets in YAML', () => {
  it('refuses a secret-looking key and never echoes its value', () => {
    const dir = configDir((fx) => {
      fx.patch('exchanges.yaml', '    enabled: true', '    enabled: true\n    apiKey: sk-live-123456');
    });
    const issues = issuesOf(dir);

    expect(issues).toContainEqual(
      expect.objectContaining({
        file: 'exchanges.yaml',
        path: 'exchanges.0.apiKey',
        message: expect.stringMatching(/looks like a secret; secrets belong in environment variables/),
      }),
    );
    // Reported once, as a secret, not a second time as an unknown key.
    expect(issues.filter((issue) => issue.path === 'exchanges.0.apiKey')).toHaveLength(1);
    expect(JSON.stringify(issues)).not.toContain('sk-live-123456');
  });

  it('refuses a URL that carries a password', () => {
    const dir = configDir((fx) => {
      fx.patch('app.yaml', '    - http://localhost:3000', '    - http://admin:hunter22@localhost:3000');
    });
    const issues = issuesOf(dir);

    expect(issues).toContainEqual(
      expect.objectContaining({
        file: 'app.yaml',
        path: 'cors.origins.0',
        message: expect.stringMatching(/password in a URL/),
      }),
    );
    expect(JSON.stringify(issues)).not.toContain('hunter22');
  });
});

describe('environment overlay', () => {
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
