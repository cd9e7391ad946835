import { describe, expect, it } from '@jest/globals';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { APP_DEFAULTS } from '@app/config';
import { RECONNECT_SPREAD_MS } from '@app/gateway';
import {
  LiveUpdatePayload,
  LlmOpinionEvent,
  SignalChangedEvent,
  SubscriptionDto,
  validatePayload,
} from '@app/contracts/dto';
import { asyncApiMessages } from '../../../../test/asyncapi-messages.js';
import { openApiToJsonSchema, restSchemasFrom } from './asyncapi-rest-schemas.js';
import { asyncApiExamples } from './asyncapi-examples.js';
import { buildAsyncApiDocument } from './asyncapi.js';

/**
 * The payload schemas restate the bounds of the payload classes' class-validator decorators: here
 * both judge the same payloads, valid and wrong one field at a time, and must agree on every one.
 * And the conversion of the REST schemas from OpenAPI 3.0's dialect.
 */

const examples = asyncApiExamples({
  maxSubscriptionsPerSocket: 50,
  messagesPerSecond: 10,
  maxConnectionsPerIp: 100,
});
const UPDATE = examples.confluenceUpdated['a result on candle close'] as Record<string, unknown>;
const CHANGE = examples.signalChanged['NEUTRAL to LONG'] as Record<string, unknown>;
const REQUEST = examples.subscribe['BTC/USDT 1m'] as Record<string, unknown>;
const OPINION = examples.llmOpinion['an answer that agrees'] as Record<string, unknown>;
const ANSWER = OPINION.opinion as Record<string, unknown>;
const NO_KEY = (examples.llmOpinion['no key configured'] as Record<string, unknown>).opinion as Record<
  string,
  unknown
>;

const document = buildAsyncApiDocument({
  version: '0',
  host: 'localhost:3000',
  socket: APP_DEFAULTS.socket,
  socketsRequireKey: false,
  corsOrigins: [],
  // The snapshot's own schemas are not under test here.
  restSchemas: { ConfluenceResultDto: { type: 'object' } },
});
const messages = asyncApiMessages(document);

/** Each case: a name and the payload, built from a valid one. */
type Case = readonly [string, Record<string, unknown>];

function variants(valid: Record<string, unknown>, changes: Record<string, readonly unknown[]>): Case[] {
  const cases: Case[] = [['as is', valid]];
  for (const [field, values] of Object.entries(changes))
    for (const value of values)
      cases.push([`${field} = ${JSON.stringify(value)}`, { ...valid, [field]: value }]);
  for (const field of Object.keys(valid)) {
    const without = { ...valid };
    Reflect.deleteProperty(without, field);
    cases.push([`without ${field}`, without]);
  }
  cases.push(['with an extra field', { ...valid, extra: 1 }]);
  return cases;
}

const STREAM_CHANGES = {
  exchange: ['', 'kraken', 7],
  symbol: ['BTC-USDT', 'BTC/USDT:USDT', 'btc/usdt', 'BTC'],
  timeframe: ['1M', '7m', null],
  source: ['replay', 'client'],
  emittedAt: [0, -1, 1.5, '1'],
};

describe('the payload schemas agree with the payload classes', () => {
  it.each(
    variants(UPDATE, {
      ...STREAM_CHANGES,
      candleTime: [0, -1, 1.5],
      trigger: ['refresh', 'tick'],
      score: [0, 100, 100.01, -0.01, '55', null],
      label: ['SHORT', 'MAYBE', 'long'],
      confidence: [100, 101],
      coverage: [1, 1.01, 0],
      components: [
        { ...(UPDATE.components as object), volume: null },
        { ...(UPDATE.components as object), volume: 101 },
        { ...(UPDATE.components as object), extra: 1 },
        null,
      ],
      engineVersion: ['', 'x'],
      configHash: ['A3'.repeat(32), 'a3'.repeat(31), 7],
      inputHash: ['0'.repeat(64), 'g'.repeat(64)],
      reasoning: ['', 42],
    }),
  )('confluence.updated %s', (name, payload) => {
    const byClass = validatePayload(LiveUpdatePayload, payload).ok;
    // `components` is required by both (the class's @IsDefined closed the gap @ValidateNested left).
    expect({ name, byDocument: messages.check('confluenceUpdated', payload) === null }).toEqual({
      name,
      byDocument: byClass,
    });
  });

  it.each(
    variants(CHANGE, {
      ...STREAM_CHANGES,
      time: [0, -5, 2.5],
      from: [null, 'SHORT', 'MAYBE'],
      to: ['NEUTRAL', null, 'MAYBE'],
      score: [100, 100.5],
      confidence: [0, -1],
    }),
  )('signal.changed %s', (_, payload) => {
    const byClass = validatePayload(SignalChangedEvent, payload).ok;
    expect(messages.check('signalChanged', payload) === null).toBe(byClass);
  });

  it.each(
    variants(OPINION, {
      ...STREAM_CHANGES,
      candleTime: [0, -1, 1.5],
      inputHash: ['0'.repeat(64), 'g'.repeat(64)],
      score: [100, 100.5],
      label: ['SHORT', 'MAYBE'],
      opinion: [NO_KEY, null, 'ok', { ...NO_KEY, reason: 'teapot' }],
    }),
  )('llm.opinion %s', (name, payload) => {
    const byClass = validatePayload(LlmOpinionEvent, payload).ok;
    expect({ name, byDocument: messages.check('llmOpinion', payload) === null }).toEqual({
      name,
      byDocument: byClass,
    });
  });

  it.each([
    ...variants(ANSWER, {
      status: ['unavailable', 'maybe'],
      signal: ['NEUTRAL', 'MAYBE'],
      confidence: [0, 1, 1.01, -0.1, '0.5'],
      reasoning: ['', 'r'.repeat(4_000), 'r'.repeat(4_001), 3],
      risks: [
        [],
        Array.from({ length: 20 }, () => 'x'),
        Array.from({ length: 21 }, () => 'x'),
        ['x'.repeat(1_001)],
        [7],
      ],
      agrees: [false, 'yes'],
      blended: [
        { weight: 0.3, score: 55, label: 'NEUTRAL' },
        { weight: 1.5, score: 55, label: 'NEUTRAL' },
        { weight: 0.3, score: 55 },
      ],
      model: ['', 'gpt-4o'],
      promptHash: ['A'.repeat(64)],
      createdAt: [1.5, -1],
      cached: [true, 'no'],
    }),
    ...variants(NO_KEY, { reason: ['budget-exhausted', 'teapot'], detail: ['', 'd'.repeat(1_001)] }),
  ])('llm.opinion with the opinion %s', (name, opinion) => {
    const payload = { ...OPINION, opinion };
    const byClass = validatePayload(LlmOpinionEvent, payload).ok;
    expect({ name, byDocument: messages.check('llmOpinion', payload) === null }).toEqual({
      name,
      byDocument: byClass,
    });
  });

  it('llm.opinion: the document refuses the other shape’s fields, which the class lets through unchecked', () => {
    // Each shape lists only its own fields; the class validates a field only under its status.
    for (const opinion of [
      { ...NO_KEY, signal: 'LONG' },
      { ...ANSWER, reason: 'no-key' },
    ]) {
      const payload = { ...OPINION, opinion };
      expect({ opinion, byClass: validatePayload(LlmOpinionEvent, payload).ok }).toEqual({
        opinion,
        byClass: true,
      });
      expect(messages.check('llmOpinion', payload)).not.toBeNull();
    }
  });

  it.each(
    variants(REQUEST, {
      exchange: ['kraken', 'b', 'Binance', 'a'.repeat(32), 'a'.repeat(33), 7],
      symbol: ['BTC-USDT', 'BTC/USDT:USDT', 'btc/usdt', 'BTC USDT', 'A'.repeat(21) + '/USDT'],
      timeframe: ['1M', '7m', null],
    }),
  )('subscribe %s', (_, payload) => {
    // As the gateway validates a subscription (signals.gateway.ts).
    const errors = validateSync(plainToInstance(SubscriptionDto, payload), {
      whitelist: true,
      forbidNonWhitelisted: true,
    });
    expect(messages.check('subscribe', payload) === null).toBe(errors.length === 0);
  });

  it('server.shutdown: a reason and a whole, bounded wait, nothing else', () => {
    const notice = examples.serverShutdown['the replica stops'];
    expect(messages.check('serverShutdown', notice)).toBeNull();
    expect(messages.check('serverShutdown', { reason: 'shutdown', retryAfterMs: 0 })).toBeNull();
    expect(
      messages.check('serverShutdown', { reason: 'shutdown', retryAfterMs: RECONNECT_SPREAD_MS }),
    ).toBeNull();
    for (const wrong of [
      { reason: 'restart', retryAfterMs: 0 },
      { reason: 'shutdown', retryAfterMs: -1 },
      { reason: 'shutdown', retryAfterMs: 1.5 },
      { reason: 'shutdown', retryAfterMs: RECONNECT_SPREAD_MS + 1 },
      { reason: 'shutdown' },
      { retryAfterMs: 0 },
      { reason: 'shutdown', retryAfterMs: 0, extra: 1 },
    ])
      expect({ wrong, valid: messages.check('serverShutdown', wrong) === null }).toEqual({
        wrong,
        valid: false,
      });
  });

  it('refuses an acknowledgement of the other kind or with an unknown error code', () => {
    const subscribed = { ok: true, room: 'binance:BTC/USDT:1m', snapshot: null };
    expect(messages.check('subscribed', subscribed)).toBeNull();
    expect(messages.check('unsubscribed', subscribed)).not.toBeNull();
    expect(messages.check('subscribed', { ...subscribed, room: 'binance:BTC-USDT:1m' })).not.toBeNull();
    expect(messages.check('refused', { ok: false, error: { code: 'teapot', message: 'no' } })).not.toBeNull();
    expect(
      messages.check('refused', { ok: true, error: { code: 'rate-limited', message: 'x' } }),
    ).not.toBeNull();
  });
});

describe('REST schemas, from OpenAPI 3.0 to JSON Schema draft-07', () => {
  it('turns nullable into a null type or value, and boolean exclusive bounds into numbers', () => {
    expect(openApiToJsonSchema({ type: 'string', enum: ['a'], nullable: true, example: 'a' })).toEqual({
      type: ['string', 'null'],
      enum: ['a', null],
      examples: ['a'],
    });
    expect(openApiToJsonSchema({ nullable: true, allOf: [{ $ref: '#/components/schemas/X' }] })).toEqual({
      anyOf: [{ allOf: [{ $ref: '#/components/schemas/X' }] }, { type: 'null' }],
    });
    expect(openApiToJsonSchema({ type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 5 })).toEqual({
      type: 'number',
      exclusiveMinimum: 0,
      maximum: 5,
    });
    expect(
      openApiToJsonSchema({
        type: 'object',
        properties: { inputs: { type: 'object', additionalProperties: { type: 'number', nullable: true } } },
        required: ['inputs'],
      }),
    ).toEqual({
      type: 'object',
      properties: { inputs: { type: 'object', additionalProperties: { type: ['number', 'null'] } } },
      required: ['inputs'],
      additionalProperties: false,
    });
  });

  it('takes a schema and everything it refers to, and refuses a document without it', () => {
    const schemas = {
      A: { type: 'object', properties: { b: { $ref: '#/components/schemas/B' } } },
      B: { type: 'array', items: { $ref: '#/components/schemas/C' } },
      C: { type: 'string' },
      Unrelated: { type: 'string' },
    };
    expect(Object.keys(restSchemasFrom(schemas, 'A')).sort()).toEqual(['A', 'B', 'C']);
    expect(() => restSchemasFrom(schemas, 'Missing')).toThrow(/no schema Missing/);
    expect(() => restSchemasFrom({ A: { $ref: '#/components/schemas/Gone' } }, 'A')).toThrow(
      /no schema Gone/,
    );
  });
});
