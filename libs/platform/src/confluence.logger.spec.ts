import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { ConfluenceLogger, logLevelsFrom } from './confluence.logger.js';

describe('logLevelsFrom', () => {
  it('enables the configured level and everything more severe', () => {
    expect(logLevelsFrom('warn')).toEqual(['fatal', 'error', 'warn']);
    expect(logLevelsFrom('verbose')).toEqual(['fatal', 'error', 'warn', 'log', 'debug', 'verbose']);
    expect(logLevelsFrom('fatal')).toEqual(['fatal']);
  });
});

describe('ConfluenceLogger', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  function capture(): string[] {
    const lines: string[] = [];
    const collect = (chunk: string | Uint8Array): boolean => {
      lines.push(String(chunk));
      return true;
    };
    jest.spyOn(process.stdout, 'write').mockImplementation(collect);
    jest.spyOn(process.stderr, 'write').mockImplementation(collect);
    return lines;
  }

  it('writes JSON lines with secrets removed', () => {
    const lines = capture();
    const logger = new ConfluenceLogger({
      service: 'test',
      level: 'log',
      format: 'json',
      secrets: ['tops3cret'],
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
    const lines = capture();
    const logger = new ConfluenceLogger({ service: 'test', level: 'warn', format: 'json', secrets: [] });

    logger.log('chatty');
    logger.debug('chattier');
    logger.warn('careful');

    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('careful');
  });
});
