import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { PROJECT_CONFIG_DIR } from '@app/testing';
import { loadConfig } from './load-config.js';
import { type BadCase, configDirs, expectBadValueReported, issuesOf } from './testing/config-kit.js';

/** validation.yaml: what loadConfig must refuse, and what it keeps. */
const BAD_VALIDATION: readonly BadCase[] = [
  {
    name: 'a horizon of zero candles',
    setup: (fx) => {
      fx.patch('validation.yaml', 'horizons: [1, 4, 12, 24]', 'horizons: [0, 4]');
    },
    file: 'validation.yaml',
    path: 'horizons',
    message: /must not be less than 1/,
  },
  {
    name: 'a horizon given twice',
    setup: (fx) => {
      fx.patch('validation.yaml', 'horizons: [1, 4, 12, 24]', 'horizons: [4, 4]');
    },
    file: 'validation.yaml',
    path: 'horizons',
    message: /must not repeat items \(repeated: 4\)/,
  },
  {
    name: 'no horizon at all',
    setup: (fx) => {
      fx.patch('validation.yaml', 'horizons: [1, 4, 12, 24]', 'horizons: []');
    },
    file: 'validation.yaml',
    path: 'horizons',
    message: /must contain at least 1 elements/,
  },
  {
    name: 'a fractional horizon',
    setup: (fx) => {
      fx.patch('validation.yaml', 'horizons: [1, 4, 12, 24]', 'horizons: [1.5]');
    },
    file: 'validation.yaml',
    path: 'horizons',
    message: /must be an integer/,
  },
  {
    name: 'a sufficiency floor that would report figures from a handful of samples',
    setup: (fx) => {
      fx.patch('validation.yaml', 'minIndependent: 30', 'minIndependent: 3');
    },
    file: 'validation.yaml',
    path: 'minIndependent',
    message: /must not be less than 10/,
  },
  {
    name: 'too few bootstrap resamples for an interval',
    setup: (fx) => {
      fx.patch('validation.yaml', 'resamples: 1000', 'resamples: 20');
    },
    file: 'validation.yaml',
    path: 'resamples',
    message: /must not be less than 100/,
  },
  {
    name: 'gauges refreshed more often than every 10 s',
    setup: (fx) => {
      fx.patch('validation.yaml', 'refreshSeconds: 300', 'refreshSeconds: 1');
    },
    file: 'validation.yaml',
    path: 'gauges.refreshSeconds',
    message: /must not be less than 10/,
  },
  {
    name: 'a window without a bound on its samples',
    setup: (fx) => {
      fx.patch('validation.yaml', 'maxSamples: 10080', 'maxSamples: 1000000');
    },
    file: 'validation.yaml',
    path: 'window.maxSamples',
    message: /must not be greater than 100000/,
  },
  {
    name: 'a single walk-forward fold',
    setup: (fx) => {
      fx.patch('validation.yaml', 'folds: 5', 'folds: 1');
    },
    file: 'validation.yaml',
    path: 'probability.folds',
    message: /must not be less than 2/,
  },
  {
    name: 'an unknown key',
    setup: (fx) => {
      fx.patch('validation.yaml', 'minIndependent: 30', 'minIndependent: 30\nminSamples: 30');
    },
    file: 'validation.yaml',
    path: 'minSamples',
    message: /unknown/,
  },
];

describe('validation.yaml', () => {
  const dirOf = configDirs();

  it.each(BAD_VALIDATION)('refuses $name', (bad) => {
    expectBadValueReported(issuesOf(dirOf(bad.setup)), bad);
  });

  it('names the bad line and column', () => {
    const issue = issuesOf(
      dirOf((fx) => {
        fx.patch('validation.yaml', 'minIndependent: 30', 'minIndependent: 0');
      }),
    ).find((found) => found.path === 'minIndependent');

    const line = readFileSync(join(PROJECT_CONFIG_DIR, 'validation.yaml'), 'utf8')
      .split('\n')
      .findIndex((text) => text.startsWith('minIndependent:'));
    expect(issue).toMatchObject({ file: 'validation.yaml', line: line + 1, column: 17 });
  });

  it('loads the shipped file, frozen', () => {
    const config = loadConfig({ env: { CONFIG_DIR: dirOf() } });

    expect(config.validation).toEqual({
      horizons: [1, 4, 12, 24],
      minIndependent: 30,
      resamples: 1000,
      window: { days: 7, maxSamples: 10_080 },
      gauges: { refreshSeconds: 300 },
      probability: { refitSeconds: 3600, folds: 5 },
    });
    expect(Object.isFrozen(config.validation.horizons)).toBe(true);
  });

  it('takes the defaults for what the file leaves out, and replaces the horizons whole', () => {
    const config = loadConfig({
      env: {
        CONFIG_DIR: dirOf((fx) => {
          fx.write('validation.yaml', 'horizons: [2, 6]\nwindow: { days: 30 }\n');
        }),
      },
    });

    expect(config.validation).toEqual({
      horizons: [2, 6],
      minIndependent: 30,
      resamples: 1000,
      window: { days: 30, maxSamples: 10_080 },
      gauges: { refreshSeconds: 300 },
      probability: { refitSeconds: 3600, folds: 5 },
    });
  });

  it('is required, like every other file', () => {
    const issues = issuesOf(
      dirOf((fx) => {
        fx.remove('validation.yaml');
      }),
    );

    expect(issues).toContainEqual(
      expect.objectContaining({ file: 'validation.yaml', message: expect.stringMatching(/file not found/) }),
    );
  });
});
