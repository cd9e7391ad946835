import {
  type LiveLlmOpinion,
  type LiveSignalChange,
  type LiveUpdate,
  type ServerShutdownNotice,
  type SocketErrorCode,
  type SubscribeAck,
  type SubscriptionRequest,
  TIMEFRAMES,
  type UnsubscribeAck,
} from '@app/contracts';
import type { JsonValue, SocketLimits } from './asyncapi-schemas.js';

/*
 * Examples of every message of the AsyncAPI document, written as the gateway answers them (the
 * socket e2e compares the refusals with real acknowledgements, and a spec validates each against
 * its schema). `satisfies` keeps each one a value of its contract type.
 */

const BTC_1M = {
  exchange: 'binance',
  symbol: 'BTC/USDT',
  timeframe: '1m',
} as const satisfies SubscriptionRequest;
const ROOM = 'binance:BTC/USDT:1m';

export interface AsyncApiExamples {
  readonly subscribe: Readonly<Record<string, JsonValue>>;
  readonly unsubscribe: Readonly<Record<string, JsonValue>>;
  readonly subscribed: Readonly<Record<string, JsonValue>>;
  readonly unsubscribed: Readonly<Record<string, JsonValue>>;
  readonly refused: Readonly<Record<string, JsonValue>>;
  readonly confluenceUpdated: Readonly<Record<string, JsonValue>>;
  readonly signalChanged: Readonly<Record<string, JsonValue>>;
  readonly llmOpinion: Readonly<Record<string, JsonValue>>;
  readonly serverShutdown: Readonly<Record<string, JsonValue>>;
  readonly connectionRefused: Readonly<Record<string, JsonValue>>;
}

/** The requests the refusal examples answer (a spec sends them to a real gateway). */
export const REFUSED_REQUESTS = {
  'bad-request': { ...BTC_1M, timeframe: '7m', room: ROOM },
  'unknown-market': { ...BTC_1M, symbol: 'DOGE/USDT' },
} as const;

export function asyncApiExamples(
  limits: SocketLimits & { readonly maxConnectionsPerIp: number },
): AsyncApiExamples {
  const refused = (
    code: SocketErrorCode,
    message: string,
    fields?: readonly { field: string; message: string }[],
  ) =>
    ({
      ok: false,
      error: fields === undefined ? { code, message } : { code, message, fields },
    }) satisfies SubscribeAck & UnsubscribeAck;
  const update = {
    ...BTC_1M,
    source: 'live',
    emittedAt: 1_700_000_060_450,
    candleTime: 1_700_000_000_000,
    trigger: 'candle',
    inputEmittedAt: 1_700_000_060_120,
    computedAt: 1_700_000_060_400,
    score: 64.2,
    label: 'LONG',
    confidence: 58,
    coverage: 0.85,
    components: {
      orderFlow: 61.5,
      orderBook: 55,
      volume: 70.1,
      priceStructure: 66,
      technical: 63.4,
      sentiment: null,
    },
    engineVersion: '1.0.0',
    configHash: 'a3'.repeat(32),
    inputHash: '5f'.repeat(32),
    reasoning: 'LONG 64.2: volume and price structure agree; sentiment unavailable',
  } as const satisfies LiveUpdate;
  const change = {
    ...BTC_1M,
    source: 'live',
    emittedAt: 1_700_000_060_450,
    time: 1_700_000_000_000,
    from: 'NEUTRAL',
    to: 'LONG',
    score: 64.2,
    confidence: 58,
  } as const satisfies LiveSignalChange;
  const about = {
    ...BTC_1M,
    source: 'live',
    emittedAt: 1_700_000_062_300,
    candleTime: update.candleTime,
    inputHash: update.inputHash,
    score: update.score,
    label: update.label,
  } as const;
  const opinion = {
    ...about,
    opinion: {
      status: 'ok',
      signal: 'LONG',
      confidence: 0.62,
      reasoning: 'Volume and price structure lead; the book is thin above the last high.',
      risks: ['a close back below the breakout level'],
      agrees: true,
      model: 'gpt-4o-mini',
      promptVersion: 'opinion-v1',
      promptHash: '9c'.repeat(32),
      inputHash: update.inputHash,
      createdAt: 1_700_000_062_100,
      cached: false,
    },
  } as const satisfies LiveLlmOpinion;
  const noKey = {
    ...about,
    opinion: { status: 'unavailable', reason: 'no-key', detail: 'no OPENAI_API_KEYS configured' },
  } as const satisfies LiveLlmOpinion;
  return {
    subscribe: { 'BTC/USDT 1m': BTC_1M },
    unsubscribe: { 'the REST symbol form': { ...BTC_1M, symbol: 'BTC-USDT' } },
    subscribed: {
      'a stream without a result yet': { ok: true, room: ROOM, snapshot: null } satisfies SubscribeAck,
    },
    unsubscribed: { 'BTC/USDT 1m': { ok: true, room: ROOM } satisfies UnsubscribeAck },
    refused: {
      'bad-request': refused('bad-request', 'invalid subscription', [
        { field: 'room', message: 'property should not exist' },
        { field: 'timeframe', message: `must be one of the following values: ${TIMEFRAMES.join(', ')}` },
      ]),
      'unknown-market': refused('unknown-market', 'binance DOGE/USDT 1m is not tracked (GET /v1/markets)'),
      'limit-exceeded': refused(
        'limit-exceeded',
        `at most ${limits.maxSubscriptionsPerSocket} subscriptions per connection`,
      ),
      'rate-limited': refused('rate-limited', `at most ${limits.messagesPerSecond} messages per second`),
    },
    confluenceUpdated: { 'a result on candle close': update },
    signalChanged: { 'NEUTRAL to LONG': change },
    llmOpinion: { 'an answer that agrees': opinion, 'no key configured': noKey },
    serverShutdown: {
      'the replica stops': { reason: 'shutdown', retryAfterMs: 750 } satisfies ServerShutdownNotice,
    },
    connectionRefused: {
      'too many connections': {
        message: `too many connections from this address (max ${limits.maxConnectionsPerIp})`,
      },
    },
  };
}
