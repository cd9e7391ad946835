import { describe, expect, it } from '@jest/globals';
import { readEnvironment, secretValuesOf } from './environment.js';
import type { ConfigIssue } from './config.types.js';

describe('secretValuesOf', () => {
  it('collects the decoded passwords of the connection URLs', () => {
    const issues: ConfigIssue[] = [];
    const environment = readEnvironment(
      {
        MONGODB_URI: 'mongodb://app:p%40ss%2Fword@db:27017/confluence',
        REDIS_URL: 'rediss://:r3dis-pass@cache:6380',
      },
      '/srv',
      issues,
    );

    expect(issues).toEqual([]);
    expect(secretValuesOf(environment)).toEqual(['p@ss/word', 'r3dis-pass']);
  });

  it('has nothing to hide when the URLs carry no password', () => {
    const environment = readEnvironment({ REDIS_URL: 'redis://127.0.0.1:6379' }, '/srv', []);

    expect(secretValuesOf(environment)).toEqual([]);
  });
});

describe('readEnvironment', () => {
  it('resolves CONFIG_DIR against the working directory and treats blank values as unset', () => {
    const environment = readEnvironment({ CONFIG_DIR: 'conf', PORT: '  ', NODE_ENV: '' }, '/srv/app', []);

    expect(environment).toMatchObject({ configDir: '/srv/app/conf', nodeEnv: 'development' });
    expect(environment.port).toBeUndefined();
  });
});
