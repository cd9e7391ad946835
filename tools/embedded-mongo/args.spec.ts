import { describe, expect, it } from '@jest/globals';
import { parseRunnerArguments } from './args.js';

describe('parseRunnerArguments', () => {
  it('reads --port and --data-dir, defaulting to a random port in memory', () => {
    expect(parseRunnerArguments([])).toEqual({ port: 0 });
    expect(parseRunnerArguments(['--port', '27999', '--data-dir', '/tmp/x'])).toEqual({
      port: 27999,
      dataDir: '/tmp/x',
    });
  });

  it.each([
    [['--port'], '--port needs a value'],
    [['--port', '--data-dir'], '--port needs a value'],
    [['--port', '70000'], "--port must be an integer between 0 and 65535, got '70000'"],
    [['--port', 'abc'], "--port must be an integer between 0 and 65535, got 'abc'"],
    [['--verbose', 'yes'], "unknown argument '--verbose'"],
  ])('explains what is wrong with %j', (argv, error) => {
    expect(parseRunnerArguments(argv)).toEqual({ error });
  });
});
