import { describe, expect, it } from '@jest/globals';
import { parseErrorCall, parseLogCall } from './log-arguments.js';

/** Nest's ConsoleLogger conventions, which `new Logger(context)` everywhere relies on. */

const STACK = 'Error: boom\n    at run (/srv/app.js:10:5)\n    at main (/srv/app.js:20:3)';

describe('parseLogCall', () => {
  it('takes a trailing string as the context, else the default one', () => {
    expect(parseLogCall(['ready', 'Boot'], 'local')).toEqual({ messages: ['ready'], context: 'Boot' });
    expect(parseLogCall(['ready'], 'local')).toEqual({ messages: ['ready'], context: 'local' });
  });

  it('merges plain objects after the message into params and keeps other values as messages', () => {
    expect(parseLogCall(['retrying', { attempt: 2 }, { of: 5 }, 'Store'], 'local')).toEqual({
      messages: ['retrying'],
      context: 'Store',
      params: { attempt: 2, of: 5 },
    });
    expect(parseLogCall(['first', 42], 'local')).toEqual({ messages: ['first', 42], context: 'local' });
  });

  it('resolves a lazy message by calling it, and a class to its name', () => {
    class StoreWriter {
      readonly role = 'writes results';
    }

    expect(parseLogCall([() => 'computed later', 'Ctx']).messages).toEqual(['computed later']);
    expect(parseLogCall([StoreWriter, 'Ctx']).messages).toEqual(['StoreWriter']);
  });
});

describe('parseErrorCall', () => {
  it('reads error(message, stack) and error(message, stack, context)', () => {
    expect(parseErrorCall(['failed', STACK], 'local')).toEqual({
      messages: ['failed'],
      context: 'local',
      stack: STACK,
    });
    expect(parseErrorCall(['failed', STACK, 'Crash'], 'local')).toEqual({
      messages: ['failed'],
      context: 'Crash',
      stack: STACK,
    });
  });

  it('reads error(message, context) as a context, not a stack', () => {
    expect(parseErrorCall(['failed', 'Store'], 'local')).toEqual({ messages: ['failed'], context: 'Store' });
  });

  it('reads a stack that is undefined (an error without one) as no stack', () => {
    expect(parseErrorCall(['crashed', undefined, 'Crash'], 'local')).toEqual({
      messages: ['crashed'],
      context: 'Crash',
    });
    expect(parseErrorCall(['crashed', undefined], 'local')).toEqual({
      messages: ['crashed'],
      context: 'local',
    });
  });

  it('takes an Error out of the messages: its message becomes the record’s when it is the message', () => {
    const error = new Error('boom');

    expect(parseErrorCall([error], 'local')).toEqual({ messages: ['boom'], context: 'local', error });
    expect(parseErrorCall(['write failed', error, 'Store'], 'local')).toEqual({
      messages: ['write failed'],
      context: 'Store',
      error,
    });
  });

  it('keeps params beside a stack', () => {
    expect(parseErrorCall(['failed', { market: 'BTC/USDT' }, STACK], 'local')).toEqual({
      messages: ['failed'],
      context: 'local',
      stack: STACK,
      params: { market: 'BTC/USDT' },
    });
  });
});
