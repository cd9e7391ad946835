import type OpenAI from 'openai';

/** Shared by the fake's specs: one opinion request as a structured-output client sends it. */

export const KEY = 'sk-test-alpha-0123456789abcd';
export const SYSTEM = 'You judge markets.'; // 18 characters
export const USER = 'BTCUSDT 1m: score 50'; // 20 characters
/** ceil((18 + 20) / 4) + 3 tokens for each of the two messages. */
export const PROMPT_TOKENS = 10 + 6;

export const OPINION_SCHEMA = {
  type: 'object',
  properties: {
    signal: { type: 'string', enum: ['LONG', 'NEUTRAL', 'SHORT'] },
    confidence: { type: 'number' },
    reasoning: { type: 'string' },
    risks: { type: 'array', items: { type: 'string' } },
  },
  required: ['signal', 'confidence', 'reasoning', 'risks'],
  additionalProperties: false,
};

export type Params = OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;

export function opinionParams(user = USER): Params {
  return {
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: user },
    ],
    response_format: {
      type: 'json_schema',
      json_schema: { name: 'opinion', schema: OPINION_SCHEMA, strict: true },
    },
  };
}

/** The error a promise rejects with; fails when it resolves. */
export async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

/** `value` as an instance of `type` (a failed expectation otherwise), so tests read its fields typed. */
export function instanceOf<T>(value: unknown, type: abstract new (...args: never[]) => T): T {
  if (value instanceof type) return value;
  throw new Error(`expected an instance of ${type.name}, got ${String(value)}`);
}
