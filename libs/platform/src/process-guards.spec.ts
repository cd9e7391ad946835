import { EventEmitter } from 'node:events';
import { describe, expect, it, jest } from '@jest/globals';
import type { LoggerService } from '@nestjs/common';
import { installCrashHandlers } from './process-guards.js';

function setup(): { target: EventEmitter; fatal: jest.Mock; exit: jest.Mock } {
  const target = new EventEmitter();
  const fatal = jest.fn();
  const exit = jest.fn();
  const logger: LoggerService = { log: jest.fn(), error: jest.fn(), warn: jest.fn(), fatal };
  installCrashHandlers(target, logger, exit);
  return { target, fatal, exit };
}

describe('installCrashHandlers', () => {
  it('logs an uncaught exception through the logger and exits 1', () => {
    const { target, fatal, exit } = setup();

    target.emit('uncaughtException', new Error('boom'));

    expect(fatal).toHaveBeenCalledWith(
      'uncaught exception: boom',
      expect.stringContaining('Error: boom'),
      'Crash',
    );
    expect(exit).toHaveBeenCalledWith(1);
  });

  it('logs an unhandled rejection with a non-Error reason and exits 1', () => {
    const { target, fatal, exit } = setup();

    target.emit('unhandledRejection', 'no route to host');

    expect(fatal).toHaveBeenCalledWith(
      'unhandled promise rejection: no route to host',
      expect.any(String),
      'Crash',
    );
    expect(exit).toHaveBeenCalledWith(1);
  });
});
