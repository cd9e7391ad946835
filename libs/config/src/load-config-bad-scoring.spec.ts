import { describe, it } from '@jest/globals';
import { type BadCase, configDirs, expectBadValueReported, issuesOf } from './testing/config-kit.js';

/** Values of weights.yaml and indicators.yaml, the scoring configuration, that loadConfig must refuse. */
const BAD_SCORING: readonly BadCase[] = [
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
];

describe('loadConfig rejects a bad weight or indicator with file, dotted path and message', () => {
  const configDir = configDirs();

  it.each(BAD_SCORING)('$name → $file: $path', (bad) => {
    expectBadValueReported(issuesOf(configDir(bad.setup)), bad);
  });
});
