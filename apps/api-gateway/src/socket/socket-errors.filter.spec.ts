import { describe, expect, it } from '@jest/globals';
import type { ArgumentsHost } from '@nestjs/common';
import {
  InputError,
  LimitExceededError,
  NotFoundError,
  RateLimitError,
  StoreUnavailableError,
} from '@app/contracts';
import { SignalsExceptionFilter } from './socket-errors.filter.js';

/** Runs the filter as Nest does for a Socket.IO handler called with an ack; returns the answers. */
function acknowledged(exception: unknown, withAck = true): unknown[] {
  const answers: unknown[] = [];
  const args = [{}, { exchange: 'binance' }, withAck ? (answer: unknown) => answers.push(answer) : undefined];
  const host = { getArgByIndex: (index: number) => args[index] } as unknown as ArgumentsHost;
  new SignalsExceptionFilter().catch(exception, host);
  return answers;
}

describe('SignalsExceptionFilter', () => {
  it('answers each refusal in the acknowledgement with its socket code', () => {
    expect(acknowledged(new NotFoundError('binance DOGE/USDT 1m is not tracked'))).toEqual([
      { ok: false, error: { code: 'unknown-market', message: 'binance DOGE/USDT 1m is not tracked' } },
    ]);
    expect(acknowledged(new RateLimitError('at most 10 messages per second'))).toEqual([
      { ok: false, error: { code: 'rate-limited', message: 'at most 10 messages per second' } },
    ]);
    expect(acknowledged(new LimitExceededError('at most 50 subscriptions per connection'))).toEqual([
      { ok: false, error: { code: 'limit-exceeded', message: 'at most 50 subscriptions per connection' } },
    ]);
  });

  it('lists the offending fields of a malformed request, and none when the payload had no fields', () => {
    const fields = [{ field: 'timeframe', message: 'must be one of 1m, 3m, 5m' }];
    expect(acknowledged(new InputError(fields, 'invalid subscription'))).toEqual([
      { ok: false, error: { code: 'bad-request', message: 'invalid subscription', fields } },
    ]);
    expect(acknowledged(new InputError([], 'expected {exchange, symbol, timeframe}'))).toEqual([
      { ok: false, error: { code: 'bad-request', message: 'expected {exchange, symbol, timeframe}' } },
    ]);
  });

  it('answers anything else internal, without its detail, and sends nothing without an ack', () => {
    expect(acknowledged(new Error('redis password wrong'))).toEqual([
      { ok: false, error: { code: 'internal', message: 'internal error' } },
    ]);
    expect(acknowledged(new StoreUnavailableError('store down'))).toEqual([
      { ok: false, error: { code: 'internal', message: 'internal error' } },
    ]);
    expect(acknowledged(new NotFoundError('x'), false)).toEqual([]);
  });
});
