import { describe, expect, it } from '@jest/globals';
import type { LogFormat, LogLevelName } from '@app/config';
import { ConfluenceLogger, type ConfluenceLoggerOptions, logLevelsFrom } from './confluence.logger.js';

describe('logLevelsFrom', () => {
  it('enables the configured level and everything more severe', () => {
    expect(logLevelsFrom('warn')).toEqual(['fatal', 'error', 'warn']);
    expect(logLevelsFrom('verbose')).toEqual(['fatal', 'error', 'warn', 'log', 'debug', 'verbose']);
    expect(logLevelsFrom('fatal')).toEqual(['fatal']);
  });
});

describe('ConfluenceLogger', () => {
  /** What the logger writes to stdout and stderr, in order. */
  function capture(): { lines: string[]; streams: ConfluenceLoggerOptions['streams'] } {
    const lines: string[] = [];
    const collect = { write: (chunk: string) => lines.push(chunk) };
    return { lines, streams: { stdout: collect, stderr: collect } };
  }

  it('writes JSON lines with secrets removed', () => {
    const { lines, streams } = capture();
    const logger = new ConfluenceLogger({
      service: 'test',
      level: 'log',
      format: 'json',
      secrets: ['tops3cret'],
      streams,
    });

    logger.log('connected to redis://:tops3cret@cache:6379', 'Boot');
    logger.error(new Error('login failed with tops3cret'));

    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records[0]).toMatchObject({
      level: 'log',
      context: 'Boot',
      message: 'connected to redis://:***@cache:6379',
    });
    expect(lines.join('')).not.toContain('tops3cret');
  });

  it('drops messages below the configured level', () => {
    const { lines, streams } = capture();
    const logger = new ConfluenceLogger({
      service: 'test',
      level: 'warn',
      format: 'json',
      secrets: [],
      streams,
    });

    logger.log('chatty');
    logger.debug('chattier');
    logger.warn('careful');

    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('careful');
  });

  it('follows the levels Nest passes on (runService tells Nest the configured ones)', () => {
    const { lines, streams } = capture();
    const logger = new ConfluenceLogger({
      service: 'test',
      level: 'warn',
      format: 'json',
      secrets: [],
      streams,
    });

    logger.setLogLevels(logLevelsFrom('debug'));
    logger.debug('now shown');
    logger.verbose('still hidden');
    logger.setLogLevels(logLevelsFrom('error'));
    logger.warn('hidden again');

    expect(lines.map((line) => (JSON.parse(line) as { message: string }).message)).toEqual(['now shown']);
  });
});

/** A terminal or a pipe, recording what the logger writes to it. */
interface Sink {
  readonly chunks: string[];
  readonly isTTY: boolean;
  write(chunk: string): boolean;
}

function sink(isTTY = false): Sink {
  const chunks: string[] = [];
  return {
    chunks,
    isTTY,
    write: (chunk) => chunks.push(chunk) > 0,
  };
}

function loggerTo(
  format: LogFormat,
  options: { level?: LogLevelName; secrets?: readonly string[]; tty?: boolean } = {},
): { logger: ConfluenceLogger; stdout: Sink; stderr: Sink; all: () => string } {
  const stdout = sink(options.tty);
  const stderr = sink(options.tty);
  const logger = new ConfluenceLogger({
    service: 'test',
    level: options.level ?? 'log',
    format,
    secrets: options.secrets ?? [],
    streams: { stdout, stderr },
  });
  return { logger, stdout, stderr, all: () => [...stdout.chunks, ...stderr.chunks].join('') };
}

function parsed(chunks: readonly string[]): Record<string, unknown>[] {
  return chunks.map((chunk) => JSON.parse(chunk) as Record<string, unknown>);
}

/** What a person's terminal shows once the colours are taken off. */
function withoutColours(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

describe.each(['json', 'pretty'] as const)('ConfluenceLogger redaction (%s)', (format) => {
  const SECRETS = ['s3cr3t-pass', 'sk-abcdef'];

  it('masks passwords inside URLs, known or not', () => {
    const { logger, all } = loggerTo(format, { secrets: SECRETS });

    logger.log('connecting to mongodb://app:whatever@db:27017/x', 'Store');
    logger.warn('redis://:pw123@cache:6379 and rediss://u:p@h');

    expect(all()).toContain('connecting to mongodb://app:***@db:27017/x');
    expect(all()).toContain('redis://:***@cache:6379 and rediss://u:***@h');
    expect(all()).not.toMatch(/whatever|pw123|:p@/);
  });

  it('masks secret query parameters of a logged URL (a client sending its key as ?api_key=)', () => {
    const { logger, all } = loggerTo(format, { secrets: SECRETS });

    logger.warn('GET /v1/markets?api_key=ck_client-key-1&limit=5 401 0.3 ms requestId=r1', 'http');
    logger.error('POST /v1/x?token=ck_client-key-2 failed (requestId=r2): boom', 'http');

    expect(all()).toContain('GET /v1/markets?api_key=***&limit=5 401 0.3 ms requestId=r1');
    expect(all()).toContain('POST /v1/x?token=*** failed (requestId=r2): boom');
    expect(all()).not.toContain('ck_client-key');
  });

  it('masks the secret values it was given, in the message and in the context', () => {
    const { logger, all } = loggerTo(format, { secrets: SECRETS });

    logger.warn('driver said: auth failed for s3cr3t-pass (key sk-abcdef)', 'Exchange sk-abcdef');

    expect(all()).toContain('driver said: auth failed for *** (key ***)');
    expect(all()).toContain('Exchange ***');
    expect(all()).not.toMatch(/s3cr3t-pass|sk-abcdef/);
  });

  it('masks values under secret-looking keys, and strings deep inside, in params and object messages', () => {
    const { logger, all } = loggerTo(format, { secrets: SECRETS });

    logger.log(
      'connected',
      { user: 'u', password: 'pw-in-params', nested: { apiKey: 'key-in-params', url: 'mongodb://u:p4ss@h' } },
      'Store',
    );
    logger.log({ token: 'tok-in-message', list: ['sk-abcdef'], note: 'hello' }, 'Store');

    expect(all()).toContain('"password":"***"');
    expect(all()).toContain('"apiKey":"***"');
    expect(all()).toContain('mongodb://u:***@h');
    expect(all()).toContain('"token":"***"');
    expect(all()).toContain('"note":"hello"');
    expect(all()).not.toMatch(/pw-in-params|key-in-params|p4ss|tok-in-message|sk-abcdef/);
  });

  it('masks errors: message, stack, causes and own properties, and still prints the stack', () => {
    const { logger, all } = loggerTo(format, { secrets: SECRETS });
    const error = Object.assign(
      new Error('cannot reach mongodb://u:s3cr3t-pass@h', { cause: new Error('auth sk-abcdef refused') }),
      { code: 'EAUTH', options: { password: 'pw-on-error' } },
    );
    const crash = new Error('crashed holding s3cr3t-pass');

    logger.error(error);
    logger.error('write failed', error, 'Store');
    logger.fatal(`uncaught exception: ${crash.message}`, crash.stack, 'Crash');

    expect(all()).toContain('cannot reach mongodb://u:***@h');
    expect(all()).toContain('crashed holding ***');
    // The stack itself, frames and all, is there, masked.
    expect(all()).toMatch(/Error: crashed holding \*\*\*(\\n|\n)\s+at /);
    expect(all()).toMatch(/Error: cannot reach mongodb:\/\/u:\*\*\*@h(\\n|\n)\s+at /);
    expect(all()).toContain('auth *** refused');
    expect(all()).not.toMatch(/s3cr3t-pass|sk-abcdef|pw-on-error/);
  });
});

describe('ConfluenceLogger JSON lines', () => {
  it('are one object a line with the level name, time, pid, service, message and context', () => {
    const { logger, stdout } = loggerTo('json');

    logger.log('ready', 'Boot');
    logger.log('no context given');

    const [ready, plain] = parsed(stdout.chunks);
    expect(stdout.chunks.every((chunk) => chunk.endsWith('}\n') && chunk.split('\n').length === 2)).toBe(
      true,
    );
    expect(Object.keys(ready ?? {})).toEqual(['level', 'time', 'pid', 'service', 'message', 'context']);
    expect(ready).toMatchObject({ level: 'log', pid: process.pid, service: 'test', message: 'ready' });
    expect(typeof ready?.time).toBe('number');
    // The message comes right before the context, as before: e2e tests match the two together.
    expect(stdout.chunks[0]).toContain('"message":"ready","context":"Boot"');
    expect(plain).toMatchObject({ message: 'no context given', context: 'test' });
  });

  it('write error and fatal to stderr, everything else to stdout', () => {
    const { logger, stdout, stderr } = loggerTo('json', { level: 'verbose' });

    logger.verbose('v');
    logger.debug('d');
    logger.log('l');
    logger.warn('w');
    logger.error('e');
    logger.fatal('f');

    expect(parsed(stdout.chunks).map((record) => record.level)).toEqual(['verbose', 'debug', 'log', 'warn']);
    expect(parsed(stderr.chunks).map((record) => record.level)).toEqual(['error', 'fatal']);
  });

  it('carry an error with its type, stack and own properties', () => {
    const { logger, stderr } = loggerTo('json');

    logger.error(Object.assign(new TypeError('bad input'), { code: 'E_INPUT' }), 'Gateway');

    const [record] = parsed(stderr.chunks);
    expect(record).toMatchObject({ level: 'error', context: 'Gateway', message: 'bad input' });
    expect(record?.error).toMatchObject({ type: 'TypeError', message: 'bad input', code: 'E_INPUT' });
    expect((record?.error as { stack: string }).stack).toMatch(/^TypeError: bad input\n\s+at /);
  });

  it('are written before the call returns, so a process.exit right after cannot cut them', () => {
    const { logger, stderr } = loggerTo('json');

    logger.fatal('last words', 'Crash');

    expect(stderr.chunks).toHaveLength(1);
    expect(stderr.chunks[0]).toContain('"message":"last words"');
  });
});

describe('ConfluenceLogger pretty lines', () => {
  const LINE = /^\d{2}:\d{2}:\d{2}\.\d{3} (FATAL|ERROR|WARN|LOG|DEBUG|VERBOSE) +\[[^\]]+\] .*$/;

  it('are time, level, context and message, with no pid or host and no colours off a terminal', () => {
    const { logger, stdout, stderr } = loggerTo('pretty');

    logger.log('replaying 3 file(s)', 'market-data');
    logger.warn('careful', { attempts: 3 }, 'Store');
    logger.error('failed', 'Store');

    const lines = [...stdout.chunks, ...stderr.chunks];
    expect(lines.every((line) => line.endsWith('\n'))).toBe(true);
    expect(lines.map((line) => line.trimEnd())).toEqual([
      expect.stringMatching(/^\d{2}:\d{2}:\d{2}\.\d{3} LOG {3}\[market-data\] replaying 3 file\(s\)$/),
      expect.stringMatching(/^\d{2}:\d{2}:\d{2}\.\d{3} WARN {2}\[Store\] careful \{"attempts":3\}$/),
      expect.stringMatching(/^\d{2}:\d{2}:\d{2}\.\d{3} ERROR \[Store\] failed$/),
    ]);
    expect(lines.join('')).not.toContain(String(process.pid));
    expect(lines.join('')).not.toContain('\u001b[');
  });

  it('print an error’s stack, indented, under its line', () => {
    const { logger, stderr } = loggerTo('pretty');

    logger.error(new Error('boom'), 'Store');

    const [line = ''] = stderr.chunks;
    const [first, second, third] = line.split('\n');
    expect(first).toMatch(LINE);
    expect(first).toMatch(/ERROR \[Store\] boom$/);
    expect(second).toBe('    Error: boom');
    expect(third).toMatch(/^ {8}at /);
  });

  it('drop control characters from logged data, so it cannot drive the terminal', () => {
    const { logger, stdout } = loggerTo('pretty', { tty: true });

    logger.log('GET /v1/\u001b]0;pwned\u0007x\u001b[2J 404', 'Http\u001b[31m');

    expect(withoutColours(stdout.chunks.join('')).trimEnd()).toMatch(
      /LOG {3}\[Http\[31m\] GET \/v1\/\]0;pwnedx\[2J 404$/,
    );
  });

  it('are coloured on a terminal, and read the same without the colours', () => {
    const { logger, stdout } = loggerTo('pretty', { tty: true });

    logger.log('ready', 'Boot');

    const [line = ''] = stdout.chunks;
    expect(line).toContain('\u001b[');
    expect(withoutColours(line).trimEnd()).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{3} LOG {3}\[Boot\] ready$/);
  });
});

describe('ConfluenceLogger and Nest’s wiring lines', () => {
  it('demotes the log lines of wiring contexts to debug, in both formats', () => {
    for (const format of ['json', 'pretty'] as const) {
      const atLog = loggerTo(format, { level: 'log' });
      const atDebug = loggerTo(format, { level: 'debug' });

      for (const { logger } of [atLog, atDebug]) {
        logger.log('Mapped {/v1/markets, GET} route', 'RouterExplorer');
        logger.log('ApiGatewayModule dependencies initialized', 'InstanceLoader');
      }

      expect(atLog.all()).toBe('');
      expect(withoutColours(atDebug.all())).toMatch(/"level":"debug"|DEBUG \[RouterExplorer\]/);
      expect(withoutColours(atDebug.all())).not.toMatch(/"level":"log"|LOG {3}\[/);
    }
  });

  it('keeps the warnings and errors of those contexts at their level', () => {
    const { logger, stdout, stderr } = loggerTo('json');

    logger.warn('a route is mapped twice', 'RouterExplorer');
    logger.error('cannot resolve a dependency', 'InstanceLoader');

    expect(parsed([...stdout.chunks, ...stderr.chunks]).map((record) => record.level)).toEqual([
      'warn',
      'error',
    ]);
  });

  it('leaves the log lines of every other context at log', () => {
    const { logger, stdout } = loggerTo('json');

    logger.log('listening', 'Boot');

    expect(parsed(stdout.chunks)).toEqual([expect.objectContaining({ level: 'log', context: 'Boot' })]);
  });
});
