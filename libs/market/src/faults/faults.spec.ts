import { describe, expect, it } from '@jest/globals';
import {
  BadSymbol,
  DDoSProtection,
  ExchangeError,
  ExchangeNotAvailable,
  NetworkError,
  OnMaintenance,
  OperationFailed,
  RequestTimeout,
} from 'ccxt';
import { ManualClock } from '@app/testing';

import { backoffDelay, retryAfterMs } from './backoff.js';
import { CircuitBreaker } from './circuit-breaker.js';
import {
  classifyExchangeError,
  ExchangeCallError,
  FaultKind,
  MalformedResponseError,
  RateLimitedError,
} from './exchange-fault.js';
import { ExchangeGate } from './exchange-gate.js';
import { fromCcxtError } from '../exchange/ccxt-faults.js';
import type { LogSink } from '@app/contracts';

const quiet: LogSink = { log: () => undefined, warn: () => undefined, error: () => undefined };

describe('backoffDelay', () => {
  it('draws uniformly under a ceiling that doubles per attempt up to the cap', () => {
    const policy = { baseMs: 100, maxMs: 1_000 };
    expect([0, 1, 2, 3, 4, 10].map((attempt) => backoffDelay(attempt, policy, () => 0.999999))).toEqual([
      99, 199, 399, 799, 999, 999,
    ]);
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
    expect(backoffDelay(2, policy, () => 0.5)).toBe(200);
  });
});

describe('retryAfterMs', () => {
  const now = Date.UTC(2026, 0, 1);
  it('reads Retry-After as seconds or as an HTTP date, in any header case', () => {
    expect(retryAfterMs({ 'Retry-After': '2' }, now)).toBe(2_000);
    expect(retryAfterMs({ 'retry-after': '0.5' }, now)).toBe(500);
    expect(retryAfterMs({ 'Retry-After': new Date(now + 7_000).toUTCString() }, now)).toBe(7_000);
  });
  it("reads Bybit's reset timestamp and ignores what it cannot read", () => {
    expect(retryAfterMs({ 'X-Bapi-Limit-Reset-Timestamp': String(now + 1_500) }, now)).toBe(1_500);
    expect(retryAfterMs({ 'Retry-After': 'soon' }, now)).toBeNull();
    expect(retryAfterMs({}, now)).toBeNull();
  });
});

describe('CircuitBreaker', () => {
  it('opens after the threshold, lets one probe through after openMs, and doubles on a failed probe', () => {
    const clock = new ManualClock(0);
    const breaker = new CircuitBreaker({ failureThreshold: 3, openMs: 1_000, maxOpenMs: 3_000 }, () =>
      clock.now(),
    );
    breaker.failure();
    breaker.failure();
    expect(breaker.state).toBe('closed');
    breaker.failure();
    expect(breaker.state).toBe('open');
    expect(breaker.tryAcquire()).toBe(false);
    clock.advance(1_000);
    expect(breaker.state).toBe('half-open');
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(false); // one probe at a time
    breaker.failure();
    expect(breaker.retryAt).toBe(3_000); // reopened at 1000 for 2000
    clock.advance(2_000);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.failure();
    expect(breaker.retryAt).toBe(6_000); // capped at 3000
    clock.advance(3_000);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.success();
    expect(breaker.state).toBe('closed');
    expect(breaker.consecutiveFailures).toBe(0);
  });
});

describe('classifyExchangeError, after the ccxt client classified its errors', () => {
  it.each([
    [new RateLimitedError('429', 2_000), FaultKind.RateLimited, true, 2_000],
    [new DDoSProtection('418'), FaultKind.RateLimited, true, null],
    [new OnMaintenance('maintenance'), FaultKind.Maintenance, true, null],
    [new ExchangeNotAvailable('503'), FaultKind.Unavailable, true, null],
    [new RequestTimeout('timed out'), FaultKind.Timeout, true, null],
    [new NetworkError('ECONNRESET'), FaultKind.Network, true, null],
    [new MalformedResponseError('no rows'), FaultKind.BadResponse, true, null],
    [new BadSymbol('unknown symbol'), FaultKind.Rejected, false, null],
    [new OperationFailed('binance {"code":-1001,"msg":"Internal error"}'), FaultKind.Unavailable, true, null],
    [
      new ExchangeError('bybit {"retCode":10016,"retMsg":"Service is restarting"}'),
      FaultKind.Maintenance,
      true,
      null,
    ],
    [new TypeError('fetch failed'), FaultKind.Network, true, null],
    [
      Object.assign(new Error('getaddrinfo ENOTFOUND api.example'), { code: 'ENOTFOUND' }),
      FaultKind.Network,
      true,
      null,
    ],
    [
      new Error('wrapped', { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) }),
      FaultKind.Network,
      true,
      null,
    ],
    [new Error('boom'), FaultKind.Unknown, true, null],
  ])('classifies %p', (error, kind, retryable, retryAfter) => {
    // The ccxt client rethrows every error through fromCcxtError; ours and socket errors pass as they are.
    expect(classifyExchangeError(fromCcxtError(error))).toMatchObject({
      kind,
      retryable,
      retryAfterMs: retryAfter,
    });
  });

  it('leaves a ccxt error unclassified (Unknown) when it did not come through the ccxt client', () => {
    expect(classifyExchangeError(new RequestTimeout('timed out'))).toMatchObject({ kind: FaultKind.Unknown });
  });

  it('keeps messages to one short line', () => {
    const fault = classifyExchangeError(
      fromCcxtError(new ExchangeNotAvailable(`binance 503\n${'x'.repeat(1_000)}`)),
    );
    expect(fault.message).not.toContain('\n');
    expect(fault.message.length).toBeLessThanOrEqual(240);
  });
});

function gate(clock: ManualClock, failureThreshold = 3): ExchangeGate {
  return new ExchangeGate({
    exchange: 'binance',
    retry: { baseMs: 100, maxMs: 10_000 },
    breaker: { failureThreshold, openMs: 5_000, maxOpenMs: 60_000 },
    clock,
    random: () => 0.5,
    logger: quiet,
  });
}

/** A call that fails with each given error in turn, then answers 'ok'. */
/** A call failing with these errors in turn, as the ccxt client throws them (classified), then ok. */
function flaky(...errors: Error[]): () => Promise<string> {
  return () => {
    const error = errors.shift();
    return error === undefined ? Promise.resolve('ok') : Promise.reject(asClientError(error));
  };
}

function asClientError(error: Error): Error {
  const thrown = fromCcxtError(error);
  return thrown instanceof Error ? thrown : error;
}

describe('ExchangeGate', () => {
  it('retries 5xx with jittered exponential backoff and reports ok again after the recovery', async () => {
    const clock = new ManualClock(0);
    const g = gate(clock, 10);
    const result = await g.call(
      'fetchOHLCV',
      flaky(new ExchangeNotAvailable('500'), new ExchangeNotAvailable('502')),
      {
        attempts: 5,
      },
    );
    expect(result).toBe('ok');
    expect(clock.sleeps).toEqual([50, 100]); // 0.5 × 100, 0.5 × 200
    expect(g.status()).toMatchObject({
      status: 'ok',
      reason: null,
      consecutiveFailures: 0,
      lastSuccessAt: 150,
    });
    expect(g.status().counters).toEqual({
      requests: 3,
      failures: 2,
      rateLimited: 0,
      malformed: 0,
      retries: 2,
    });
  });

  it('waits at least Retry-After after a 429 and pauses every call to that exchange meanwhile', async () => {
    const clock = new ManualClock(0);
    const g = gate(clock);
    await expect(
      g.call('fetchOHLCV', flaky(new RateLimitedError('429', 3_000)), { attempts: 1 }),
    ).rejects.toThrow(ExchangeCallError);
    expect(g.status()).toMatchObject({ status: 'degraded', resumeAt: 3_000 });
    // Another market's call waits out the pause before it goes.
    await g.call('fetchOrderBook', flaky(), { attempts: 1 });
    expect(clock.sleeps).toEqual([3_000]);
    expect(g.status().status).toBe('ok');
  });

  it('opens the circuit after failures in a row, refuses calls without making them, and probes later', async () => {
    const clock = new ManualClock(0);
    const g = gate(clock, 3);
    const timeout = (): Error => asClientError(new RequestTimeout('timed out'));
    await expect(
      g.call('fetchOHLCV', flaky(timeout(), timeout(), timeout()), { attempts: 3 }),
    ).rejects.toThrow(/timeout/);
    const down = g.status();
    expect(down).toMatchObject({ status: 'down', breaker: 'open', consecutiveFailures: 3 });
    expect(down.reason).toMatch(/circuit open after 3 failures in a row \(last: timeout\)/);
    expect(down.lastError).toMatchObject({ kind: 'timeout', message: 'timed out' });

    let called = 0;
    const counted = (): Promise<string> => {
      called++;
      return Promise.resolve('ok');
    };
    await expect(g.call('fetchOHLCV', counted, { attempts: 3 })).rejects.toMatchObject({
      fault: { kind: FaultKind.CircuitOpen },
    });
    expect(called).toBe(0);

    clock.set(down.resumeAt ?? Infinity);
    expect(g.status().breaker).toBe('half-open');
    await expect(g.call('fetchOHLCV', counted, { attempts: 1 })).resolves.toBe('ok');
    expect(g.status()).toMatchObject({ status: 'ok', breaker: 'closed' });
  });

  it('does not retry a request the exchange refused, nor count it against the exchange', async () => {
    const clock = new ManualClock(0);
    const g = gate(clock, 1);
    await expect(
      g.call('fetchOHLCV', flaky(new BadSymbol('no such market')), { attempts: 5 }),
    ).rejects.toMatchObject({
      fault: { kind: FaultKind.Rejected },
    });
    expect(clock.sleeps).toEqual([]);
    expect(g.status().breaker).toBe('closed');
  });

  it('stops retrying when aborted', async () => {
    const clock = new ManualClock(0);
    const g = gate(clock, 10);
    const controller = new AbortController();
    const failing = (): Promise<string> => {
      controller.abort();
      return Promise.reject(asClientError(new NetworkError('ECONNREFUSED')));
    };
    await expect(g.call('fetchOHLCV', failing, { attempts: 5, signal: controller.signal })).rejects.toThrow(
      /network/,
    );
    expect(clock.sleeps).toEqual([]);
  });

  it('counts malformed responses and shows them as the last error', () => {
    const clock = new ManualClock(42);
    const g = gate(clock);
    g.malformed('fetchOHLCV', 'row 3: high below low', 2);
    expect(g.status().counters.malformed).toBe(2);
    expect(g.status().lastError).toEqual({ at: 42, kind: 'bad-response', message: 'row 3: high below low' });
  });

  it('reports degraded until the first call succeeds', () => {
    expect(gate(new ManualClock(0)).status()).toMatchObject({
      status: 'degraded',
      reason: 'no successful call yet',
    });
  });
});
