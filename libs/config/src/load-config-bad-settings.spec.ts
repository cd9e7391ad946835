import { describe, it } from '@jest/globals';
import { type BadCase, configDirs, expectBadValueReported, issuesOf } from './testing/config-kit.js';

/** Values of app.yaml, exchanges.yaml and monitoring.yaml that loadConfig must refuse. */
const BAD_SETTINGS: readonly BadCase[] = [
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
    name: 'a drain delay as long as the shutdown timeout',
    setup: (fx) => {
      fx.patch('app.yaml', 'drainDelayMs: 0', 'drainDelayMs: 10000');
    },
    file: 'app.yaml',
    path: 'http.drainDelayMs',
    message: /^must be less than shutdownTimeoutMs \(10000\)$/,
  },
  {
    name: 'a negative drain delay',
    setup: (fx) => {
      fx.patch('app.yaml', 'drainDelayMs: 0', 'drainDelayMs: -1');
    },
    file: 'app.yaml',
    path: 'http.drainDelayMs',
    message: /must not be less than 0/,
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
    name: 'a WebSocket URL override that is not ws(s)',
    setup: (fx) => {
      fx.patch(
        'exchanges.yaml',
        '    sandbox: false',
        '    sandbox: false\n    wsUrls: { public: { spot: https://proxy/ws } }',
      );
    },
    file: 'exchanges.yaml',
    path: 'exchanges.0.wsUrls.public',
    message: /must be a ws\(s\) URL or a mapping of them/,
  },
  {
    name: 'a transport that is neither websocket nor polling',
    setup: (fx) => {
      fx.patch('exchanges.yaml', 'transport: websocket', 'transport: carrier-pigeon');
    },
    file: 'exchanges.yaml',
    path: 'exchanges.0.transport',
    message: /websocket, polling/,
  },
  {
    name: 'a stream silence shorter than a second',
    setup: (fx) => {
      fx.patch('exchanges.yaml', 'silenceMs: 30000', 'silenceMs: 10');
    },
    file: 'exchanges.yaml',
    path: 'exchanges.0.stream.silenceMs',
    message: /not be less than 1000/,
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
    name: 'a negative resume bound',
    setup: (fx) => {
      fx.patch('exchanges.yaml', 'resume: { maxCandles: 10000 }', 'resume: { maxCandles: -1 }');
    },
    file: 'exchanges.yaml',
    path: 'resume.maxCandles',
    message: /must not be less than 0/,
  },
  {
    name: 'gaps given up before any answer',
    setup: (fx) => {
      fx.patch('exchanges.yaml', 'gaps: { attempts: 4,', 'gaps: { attempts: 0,');
    },
    file: 'exchanges.yaml',
    path: 'gaps.attempts',
    message: /must not be less than 1/,
  },
  {
    name: 'a gap retry wait that is not a whole number of ms',
    setup: (fx) => {
      fx.patch('exchanges.yaml', 'retryMs: 15000 }', 'retryMs: 1.5 }');
    },
    file: 'exchanges.yaml',
    path: 'gaps.retryMs',
    message: /must be an integer number/,
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
    name: 'the metrics port on an app port',
    setup: (fx) => {
      fx.patch('app.yaml', 'metricsPort: null', 'metricsPort: 3001');
    },
    file: 'app.yaml',
    path: 'http.metricsPort',
    message: /^must differ from apiGateway, analysisWorker and marketData in ports$/,
  },
  {
    name: 'a metrics port that is not a port',
    setup: (fx) => {
      fx.patch('app.yaml', 'metricsPort: null', "metricsPort: 'off'");
    },
    file: 'app.yaml',
    path: 'http.metricsPort',
    message: /must be a port number \(1–65535\) or null/,
  },
  {
    name: 'docs that are not a boolean',
    setup: (fx) => {
      fx.patch('app.yaml', 'docs: true', 'docs: off');
    },
    file: 'app.yaml',
    path: 'access.docs',
    message: /must be a boolean value/,
  },
  {
    name: 'a connect timeout under 100 ms',
    setup: (fx) => {
      fx.patch('app.yaml', 'connectTimeoutMs: 10000', 'connectTimeoutMs: 50');
    },
    file: 'app.yaml',
    path: 'socket.connectTimeoutMs',
    message: /must not be less than 100/,
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
    name: 'an unknown log format',
    setup: (fx) => {
      fx.patch('app.yaml', 'format: auto', 'format: text');
    },
    file: 'app.yaml',
    path: 'logging.format',
    message: /must be one of the following values: auto, json, pretty/,
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

describe('loadConfig rejects a bad app, exchange or monitoring setting with file, dotted path and message', () => {
  const configDir = configDirs();

  it.each(BAD_SETTINGS)('$name → $file: $path', (bad) => {
    expectBadValueReported(issuesOf(configDir(bad.setup)), bad);
  });
});
