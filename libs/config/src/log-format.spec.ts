import { describe, expect, it } from '@jest/globals';
import { type LogFormatInputs, logFormatOf, resolveLogFormat } from './log-format.js';
import { loadConfig } from './load-config.js';
import { configDirs } from './testing/config-kit.js';

/** A developer's `npm start`: local mode, on a terminal, not production, nothing configured. */
const DEVELOPER: LogFormatInputs = {
  override: undefined,
  configured: 'auto',
  mode: 'local',
  nodeEnv: 'development',
  terminal: true,
};

describe('resolveLogFormat', () => {
  it('is pretty for a developer: local mode on a terminal outside production', () => {
    expect(resolveLogFormat(DEVELOPER)).toBe('pretty');
    expect(resolveLogFormat({ ...DEVELOPER, nodeEnv: 'test' })).toBe('pretty');
  });

  it.each([
    ['output is piped or written to a file', { terminal: false }],
    ['the mode is distributed', { mode: 'distributed' }],
    ['NODE_ENV is production', { nodeEnv: 'production' }],
  ] as const)('is json when %s', (_, change) => {
    expect(resolveLogFormat({ ...DEVELOPER, ...change })).toBe('json');
  });

  it('honours an explicit format in app.yaml, wherever the output goes', () => {
    expect(resolveLogFormat({ ...DEVELOPER, configured: 'json' })).toBe('json');
    expect(
      resolveLogFormat({ ...DEVELOPER, configured: 'pretty', terminal: false, nodeEnv: 'production' }),
    ).toBe('pretty');
  });

  it('lets LOG_FORMAT win over app.yaml and over the rule', () => {
    expect(resolveLogFormat({ ...DEVELOPER, override: 'json' })).toBe('json');
    expect(resolveLogFormat({ ...DEVELOPER, override: 'json', configured: 'pretty' })).toBe('json');
    expect(
      resolveLogFormat({
        ...DEVELOPER,
        override: 'pretty',
        configured: 'json',
        mode: 'distributed',
        terminal: false,
      }),
    ).toBe('pretty');
  });
});

describe('logFormatOf', () => {
  const configDir = configDirs();

  it('reads the shipped configuration as auto: pretty on a terminal, json in a pipe', () => {
    const config = loadConfig({ env: { CONFIG_DIR: configDir() } });

    expect(config.app.logging.format).toBe('auto');
    expect(logFormatOf(config, true)).toBe('pretty');
    expect(logFormatOf(config, false)).toBe('json');
  });

  it('takes LOG_FORMAT from the environment', () => {
    const config = loadConfig({ env: { CONFIG_DIR: configDir(), LOG_FORMAT: 'pretty' } });

    expect(config.environment.logFormat).toBe('pretty');
    expect(logFormatOf(config, false)).toBe('pretty');
  });

  it('is json in production even on a terminal', () => {
    const config = loadConfig({
      env: {
        CONFIG_DIR: configDir(),
        NODE_ENV: 'production',
        REDIS_URL: 'redis://127.0.0.1:6379',
        MONGODB_URI: 'mongodb://db.internal:27017/confluence',
      },
    });

    expect(logFormatOf(config, true)).toBe('json');
  });

  it('keeps an explicit format from app.yaml', () => {
    const dir = configDir((fx) => {
      fx.patch('app.yaml', 'format: auto', 'format: json');
    });

    expect(logFormatOf(loadConfig({ env: { CONFIG_DIR: dir } }), true)).toBe('json');
  });
});
