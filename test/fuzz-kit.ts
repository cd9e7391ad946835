import type { Server } from 'node:http';
import request from 'supertest';
import type { Response } from 'supertest';
import { prng } from '@app/testing';
import { testApiKey } from './gateway-kit.js';

/**
 * The fuzzer of test/gateway-fuzz.e2e-spec.ts: a seeded draw, random JSON values, the cases'
 * shape, and a runner that sends cases and lists every answer that breaks the error contract
 * (test/fuzz-bodies.ts breaks valid bodies, test/fuzz-post-cases.ts and test/fuzz-get-cases.ts
 * draw the requests).
 */

export const SEED = 0x6a7e_2026;
export const BODY_LIMIT = 65_536;
export const POST_CASES = 500;
export const GET_CASES = 200;
export const PATH_CASES = 100;
export const alpha = testApiKey('fuzz-alpha');

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = Record<string, Json>;

export interface Case {
  readonly name: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: string | Buffer;
  readonly contentType?: string;
  readonly encoding?: string;
  /** Sent as X-API-Key unless null. */
  readonly key: string | null;
  readonly allowed: readonly number[];
  /** A 400 must list the offending fields (the input parsed; validation refused it). */
  readonly fields: boolean;
}

interface ErrorBody {
  readonly statusCode?: unknown;
  readonly error?: unknown;
  readonly message?: unknown;
  readonly requestId?: unknown;
  readonly errors?: unknown;
}

/** The seeded draw of one fuzz run: every case comes from it, in a fixed order. */
export class Draw {
  readonly #next: () => number;

  constructor(seed: number) {
    this.#next = prng(seed);
  }

  rand(): number {
    return this.#next();
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.rand() * (hi - lo + 1));
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.rand() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
}

/** JSON.stringify cannot write these; a placeholder string is swapped for the raw token. */
export const raw = (token: string): string => `\u0001RAW:${token}\u0001`;
export function toText(value: Json): string {
  return JSON.stringify(value).replace(/"\\u0001RAW:([^\\]+)\\u0001"/g, '$1');
}

export const UNICODE = ['é', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', '😀', '\u202eRTL', '\u0000', '\ud800', 'ﬁ', '\u200b', '日本語', 'Ω'];
export const STRINGS = [
  '',
  ' ',
  'NaN',
  'Infinity',
  '-1',
  '1e999',
  '0x10',
  '42',
  'BTC/USDT',
  '1m',
  'true',
  'null',
  '<script>alert(1)</script>',
  "'; DROP TABLE results; --",
  '{"$gt": ""}',
  'x'.repeat(300),
  ...UNICODE,
];
/** Keys random objects draw from: no `volume`, so no random candle can be valid. */
const KEYS = [
  'symbol',
  'exchange',
  'candles',
  'store',
  'orderBook',
  'trades',
  'derivatives',
  'timeframe',
  '1m',
  '5m',
  'timestamp',
  'open',
  'high',
  'low',
  'close',
  'bids',
  'asks',
  '',
  'x',
  '$where',
  ...UNICODE,
];

export function randomScalar(d: Draw): Json {
  switch (d.int(0, 7)) {
    case 0:
      return null;
    case 1:
      return d.rand() < 0.5;
    case 2:
      return d.int(-1000, 1000);
    case 3:
      return d.pick([raw('1e309'), raw('-1e309'), raw('123456789012345678901234567890'), 1e308, 5e-324, -0]);
    case 4:
      return d.rand() * 1e6;
    default:
      return d.pick(STRINGS);
  }
}

export function randomJson(d: Draw, depth: number): Json {
  const roll = d.rand();
  if (depth >= 4 || roll < 0.4) return randomScalar(d);
  if (roll < 0.65) return Array.from({ length: d.int(0, 4) }, () => randomJson(d, depth + 1));
  const object: JsonObject = {};
  for (let i = d.int(0, 4); i > 0; i--) object[d.pick(KEYS)] = randomJson(d, depth + 1);
  return object;
}
async function send(server: Server, c: Case): Promise<Response> {
  let test = c.method === 'GET' ? request(server).get(c.path) : request(server).post(c.path);
  if (c.key !== null) test = test.set('X-API-Key', c.key);
  if (c.contentType !== undefined) test = test.set('Content-Type', c.contentType);
  if (c.encoding !== undefined) test = test.set('Content-Encoding', c.encoding);
  if (c.body === undefined) return test;
  // superagent would serialise a Buffer to JSON ({"type":"Buffer",...}) under a JSON content type.
  if (Buffer.isBuffer(c.body)) test = test.serialize((value: unknown) => value as string);
  return test.send(c.body);
}

/** What is wrong with an answer (empty when it is as the contract says). */
function problems(c: Case, response: Response): string[] {
  const found: string[] = [];
  const body = response.body as ErrorBody;
  if (response.status >= 500) found.push('5xx');
  if (!c.allowed.includes(response.status)) found.push(`status not in ${c.allowed.join('/')}`);
  if (!String(response.headers['content-type']).startsWith('application/json')) found.push('not JSON');
  if (body.statusCode !== response.status) found.push('statusCode differs');
  if (typeof body.error !== 'string' || body.error === '') found.push('no error');
  if (typeof body.message !== 'string' || body.message === '') found.push('no message');
  const header = response.headers['x-request-id'];
  if (typeof body.requestId !== 'string' || body.requestId !== header)
    found.push('requestId missing or not the header');
  if (/\n\s+at |node_modules|\.ts:\d+/.test(response.text)) found.push('stack trace');
  if (c.fields && response.status === 400) {
    const errors = Array.isArray(body.errors) ? (body.errors as unknown[]) : [];
    const wellFormed = errors.every((issue) => {
      const { field, message } = (issue ?? {}) as { field?: unknown; message?: unknown };
      return typeof field === 'string' && typeof message === 'string' && message !== '';
    });
    if (errors.length === 0 || !wellFormed) found.push('no {field, message} errors');
  }
  return found;
}

/** Sends every case, one after another, and collects what is wrong with the answers. */
export async function run(
  server: Server,
  cases: readonly Case[],
): Promise<{ failures: string[]; statuses: Record<number, number> }> {
  const failures: string[] = [];
  const statuses: Record<number, number> = {};
  for (const c of cases) {
    const response = await send(server, c);
    statuses[response.status] = (statuses[response.status] ?? 0) + 1;
    const found = problems(c, response);
    if (found.length > 0)
      failures.push(`${c.name} → ${response.status} ${found.join(', ')}: ${response.text.slice(0, 160)}`);
  }
  return { failures, statuses };
}

/** The 4xx statuses answered (5xx are reported case by case). */
export function refusals(outcome: { statuses: Record<number, number> }): string[] {
  return Object.keys(outcome.statuses)
    .filter((status) => Number(status) < 500)
    .sort();
}

export function report(outcome: { failures: string[] }): { count: number; first: string[] } {
  return { count: outcome.failures.length, first: outcome.failures.slice(0, 15) };
}
