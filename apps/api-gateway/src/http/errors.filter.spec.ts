import { describe, expect, it } from '@jest/globals';
import type { ArgumentsHost } from '@nestjs/common';
import { SnapshotError } from '@app/confluence';
import { ErrorCode, InputError, NotFoundError, StoreUnavailableError } from '@app/contracts';
import { StoreInputError } from '@app/persistence';
import { CircuitOpenError } from '@app/market';
import { ERROR_STATUS, ErrorsFilter } from './errors.filter.js';
import type { HttpRequest, HttpResponse } from './http-types.js';

/** Runs the filter on one exception as Nest would for an HTTP request; returns what was sent. */
function answerTo(exception: unknown): { status: number; body: unknown } {
  const sent: { status: number; body: unknown } = { status: 0, body: undefined };
  const request: HttpRequest = {
    method: 'GET',
    originalUrl: '/v1/test',
    headers: {},
    context: { requestId: 'req-1', apiKey: null, badKey: false, admitted: false },
  };
  const response: HttpResponse = {
    statusCode: 200,
    sent: false,
    header: () => response,
    getHeader: () => undefined,
    status: (code) => {
      sent.status = code;
      return response;
    },
    send: (body) => {
      sent.body = body;
      return response;
    },
  };
  const host = {
    getType: () => 'http',
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }),
  } as unknown as ArgumentsHost;
  // The filter logs 5xx details through Nest's Logger; quiet here.
  new ErrorsFilter().catch(exception, host);
  return sent;
}

describe('ErrorsFilter and the error code table', () => {
  it('has a status for every domain error code', () => {
    for (const code of Object.values(ErrorCode))
      expect([code, typeof ERROR_STATUS[code]]).toEqual([code, 'number']);
  });

  it('answers an InputError 400 with every field it names', () => {
    const issues = [
      { field: 'candles.1m[3].high', message: 'must be ≥ max(open, close)' },
      { field: 'symbol', message: 'must be a symbol like BTC/USDT' },
    ];
    expect(answerTo(new InputError(issues))).toEqual({
      status: 400,
      body: {
        statusCode: 400,
        error: 'Bad Request',
        message: 'invalid input: candles.1m[3].high, symbol',
        errors: issues,
        requestId: 'req-1',
      },
    });
  });

  it("answers the store's StoreInputError 400 under the field it names", () => {
    expect(answerTo(new StoreInputError('cursor', 'is not a cursor this service issued'))).toEqual({
      status: 400,
      body: {
        statusCode: 400,
        error: 'Bad Request',
        message: 'invalid input: cursor',
        errors: [{ field: 'cursor', message: 'is not a cursor this service issued' }],
        requestId: 'req-1',
      },
    });
  });

  it('answers a NotFoundError 404 with its message', () => {
    expect(answerTo(new NotFoundError('unknown market binance DOGE/USDT'))).toEqual({
      status: 404,
      body: {
        statusCode: 404,
        error: 'Not Found',
        message: 'unknown market binance DOGE/USDT',
        requestId: 'req-1',
      },
    });
  });

  it('answers unavailable 503 saying what was not done; other domain 5xx say nothing', () => {
    expect(answerTo(new StoreUnavailableError('the result was computed but not stored'))).toEqual({
      status: 503,
      body: {
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'the result was computed but not stored',
        requestId: 'req-1',
      },
    });
    expect(answerTo(new CircuitOpenError('binance', null)).status).toBe(503);
    expect(answerTo(new SnapshotError('markets[0]', 'secret detail'))).toEqual({
      status: 500,
      body: {
        statusCode: 500,
        error: 'Internal Server Error',
        message: 'Internal server error',
        requestId: 'req-1',
      },
    });
  });

  it('answers anything unknown 500 without its detail', () => {
    expect(answerTo(new Error('password=hunter2 in a stack')).body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'Internal server error',
      requestId: 'req-1',
    });
  });
});
