import { prng } from '../prng.js';
import type {
  FakeEndpoint,
  FakeExchangeId,
  FaultOptions,
  FaultSpec,
  JsonObject,
  JsonValue,
  Malformation,
} from './types.js';

interface QueuedFault {
  readonly spec: FaultSpec;
  readonly endpoint: string | undefined;
  readonly path: RegExp | undefined;
  remaining: number;
}

/** What a request is matched on. */
export interface FaultTarget {
  readonly endpoint: FakeEndpoint;
  /** Last path segment: `klines`, `depth`, `exchangeInfo`, `kline`, `instruments-info`. */
  readonly native: string;
  readonly path: string;
}

/**
 * Programmed faults per exchange, in insertion order: a request takes the first fault that matches
 * it; a fault with `times` is consumed after that many requests, one without stays until cleared.
 */
export class FaultBook {
  private readonly queues: Record<FakeExchangeId, QueuedFault[]> = { binance: [], bybit: [] };

  add(exchange: FakeExchangeId, spec: FaultSpec, options: FaultOptions = {}): void {
    if (options.times !== undefined && (!Number.isInteger(options.times) || options.times < 1)) {
      throw new Error(`fault times must be a positive integer, got ${options.times}`);
    }
    this.queues[exchange].push({
      spec,
      endpoint: options.endpoint,
      path: options.path,
      remaining: options.times ?? Infinity,
    });
  }

  take(exchange: FakeExchangeId, target: FaultTarget): FaultSpec | undefined {
    const queue = this.queues[exchange];
    const index = queue.findIndex(
      (f) =>
        (f.endpoint === undefined || f.endpoint === target.endpoint || f.endpoint === target.native) &&
        (f.path === undefined || f.path.test(target.path)),
    );
    const fault = queue[index];
    if (fault === undefined) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) queue.splice(index, 1);
    return fault.spec;
  }

  pending(exchange: FakeExchangeId): number {
    return this.queues[exchange].length;
  }

  clear(exchange?: FakeExchangeId): void {
    for (const id of exchange === undefined ? (['binance', 'bybit'] as const) : [exchange]) {
      this.queues[id].length = 0;
    }
  }
}

export interface RawAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const JSON_TYPE = { 'Content-Type': 'application/json;charset=UTF-8' };
const HTML_TYPE = { 'Content-Type': 'text/html' };

function bybitEnvelope(retCode: number, retMsg: string, now: number): string {
  return JSON.stringify({ retCode, retMsg, result: {}, retExtInfo: {}, time: now });
}

const GATEWAY_TITLES: Readonly<Record<number, string>> = {
  500: '500 Internal Server Error',
  502: '502 Bad Gateway',
  503: '503 Service Temporarily Unavailable',
  504: '504 Gateway Time-out',
};

/** The answer for the faults that replace the response (rate limit, 5xx, maintenance). */
export function faultAnswer(exchange: FakeExchangeId, spec: FaultSpec, now: number): RawAnswer | undefined {
  switch (spec.kind) {
    case 'rateLimit':
      return exchange === 'binance' ? binanceRateLimit(spec, now) : bybitRateLimit(spec, now);
    case 'serverError': {
      const status = spec.status ?? 500;
      if (spec.body === 'exchange') {
        return exchange === 'binance'
          ? // https://developers.binance.com/docs/binance-spot-api-docs/errors (-1001 DISCONNECTED)
            {
              status,
              headers: JSON_TYPE,
              body: '{"code":-1001,"msg":"Internal error; unable to process your request. Please try again."}',
            }
          : // https://bybit-exchange.github.io/docs/v5/error (10016: internal server error)
            { status, headers: JSON_TYPE, body: bybitEnvelope(10016, 'Internal server error.', now) };
      }
      const title = GATEWAY_TITLES[status] ?? `${status} Error`;
      const html = `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n</body>\r\n</html>\r\n`;
      return { status, headers: HTML_TYPE, body: html };
    }
    case 'maintenance':
      return exchange === 'binance'
        ? // ccxt binance.js exceptions: 'System is under maintenance.' → OnMaintenance ({"code":1,...})
          { status: 503, headers: JSON_TYPE, body: '{"code":1,"msg":"System is under maintenance."}' }
        : // https://bybit-exchange.github.io/docs/v5/error (10016: "Service is restarting")
          {
            status: 503,
            headers: JSON_TYPE,
            body: bybitEnvelope(10016, 'Service is restarting, please try again later.', now),
          };
    default:
      return undefined;
  }
}

// https://developers.binance.com/docs/binance-spot-api-docs/rest-api/limits: 429 (and 418 once
// banned) with a Retry-After header in seconds; body per errors.md (-1003 TOO_MANY_REQUESTS).
function binanceRateLimit(spec: Extract<FaultSpec, { kind: 'rateLimit' }>, now: number): RawAnswer {
  const headers = {
    ...JSON_TYPE,
    'Retry-After': String(spec.retryAfterSeconds),
    'x-mbx-used-weight-1m': '6001',
  };
  if (spec.variant === 'ban') {
    const until = now + spec.retryAfterSeconds * 1000;
    return {
      status: 418,
      headers,
      body: JSON.stringify({
        code: -1003,
        msg: `Way too much request weight used; IP banned until ${until}. Please use WebSocket Streams for live updates to avoid bans.`,
      }),
    };
  }
  return {
    status: 429,
    headers,
    body: JSON.stringify({
      code: -1003,
      msg: 'Too many requests; current limit of IP(127.0.0.1) is 6000 requests per minute. Please use the websocket for live updates to avoid polling the API.',
    }),
  };
}

// https://bybit-exchange.github.io/docs/v5/rate-limit: API limit → HTTP 200, retCode 10006
// "Too many visits!", X-Bapi-Limit-Reset-Timestamp (ms) says when to retry; IP limit → HTTP 403.
function bybitRateLimit(spec: Extract<FaultSpec, { kind: 'rateLimit' }>, now: number): RawAnswer {
  if (spec.variant === 'ban') {
    return { status: 403, headers: { 'Content-Type': 'text/plain' }, body: 'access too frequent' };
  }
  return {
    status: 200,
    headers: {
      ...JSON_TYPE,
      'X-Bapi-Limit': '600',
      'X-Bapi-Limit-Status': '0',
      'X-Bapi-Limit-Reset-Timestamp': String(now + spec.retryAfterSeconds * 1000),
    },
    body: bybitEnvelope(10006, 'Too many visits!', now),
  };
}

const DECIMAL = /^-?\d+\.\d+$|^-?\d{1,9}$/;

function mapJson(value: JsonValue, fn: (v: JsonValue) => JsonValue): JsonValue {
  const mapped = fn(value);
  if (Array.isArray(mapped)) return mapped.map((v) => mapJson(v, fn));
  if (mapped !== null && typeof mapped === 'object') {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(mapped)) out[k] = mapJson(v, fn);
    return out;
  }
  return mapped;
}

function isKlineRow(value: JsonValue): value is JsonValue[] {
  return Array.isArray(value) && value.length >= 6 && value.every((v) => typeof v !== 'object');
}

/** Serialises `body` broken the requested way (status stays 200). */
export function malform(exchange: FakeExchangeId, body: JsonValue, malformation: Malformation): string {
  switch (malformation) {
    case 'truncatedJson': {
      const text = JSON.stringify(body);
      return text.slice(0, Math.max(1, Math.floor(text.length / 2)));
    }
    case 'emptyBody':
      return '';
    case 'nonNumericValues':
      return JSON.stringify(mapJson(body, (v) => (typeof v === 'string' && DECIMAL.test(v) ? 'abc' : v)));
    case 'missingFields':
      return JSON.stringify(
        mapJson(body, (v) => {
          if (isKlineRow(v)) return v.slice(0, 2);
          if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
          return Object.fromEntries(
            Object.entries(v).filter(([, x]) => !(typeof x === 'string' && DECIMAL.test(x))),
          );
        }),
      );
    case 'wrongContainer':
      return JSON.stringify(wrongContainer(exchange, body));
  }
}

function wrongContainer(exchange: FakeExchangeId, body: JsonValue): JsonValue {
  if (exchange === 'bybit' && body !== null && typeof body === 'object' && !Array.isArray(body)) {
    const result = body.result;
    if (result !== null && typeof result === 'object' && !Array.isArray(result)) {
      return { ...body, result: { ...result, list: {} } };
    }
  }
  return Array.isArray(body) ? {} : [];
}

/** Kline rows out of order with `duplicates` of them repeated (a lagging, de-duplicating-nothing replica). */
export function shuffleRows<T>(rows: readonly T[], seed: number, duplicates: number): T[] {
  const random = prng(seed);
  const out = [...rows];
  for (let i = 0; i < Math.min(duplicates, rows.length); i++) {
    out.push(rows[Math.floor(random() * rows.length)] as T);
  }
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
