import { describe, expect, it } from '@jest/globals';
import { parseRunnerArguments } from './args.js';

describe('parseRunnerArguments', () => {
  it('reads --port and --data-dir, defaulting to a random port in memory', () => {
    expect(parseRunnerArguments([])).toEqual({ port: 0 });
    expect(parseRunnerArguments(['--port', '27999', '--data-dir', '/tmp/x'])).toEqual({
      port: 27999,
      dataDir: '/tmp/x',
    });
    expect(parseRunnerArguments(['--data-dir', '/tmp/x', '--fsync', 'always'])).toEqual({
      port: 0,
      dataDir: '/tmp/x',
      journalFsync: 'always',
    });
  });

  it.each([
    [['--port'], '--port needs a value'],
    [['--port', '--data-dir'], '--port needs a value'],
    [['--port', '70000'], "--port must be an integer between 0 and 65535, got '70000'"],
    [['--port', 'abc'], "--port must be an integer between 0 and 65535, got 'abc'"],
    [['--verbose', 'yes'], "unknown argument '--verbose'"],
    [['--fsync', 'sometimes'], "--fsync must be always, everysec or no, got 'sometimes'"],
  ])('explains what is wrong with %j', (argv, error) => {
    expect(parseRunnerArguments(argv)).toEqual({ error });
  });
});
