import { randomBytes } from 'node:crypto';
import type { FakeOpenAiBehaviour } from './fake-openai.types.js';

/** The exact contents the 200 behaviours other than 'ok' carry, for tests to assert against. */
export const FAKE_OPENAI_CONTENT = {
  invalidJson: 'Sure! The market looks bullish.',
  /** Unknown signal, confidence out of 0–1, risks a string instead of a list. */
  schemaViolation: '{"signal":"BUY","confidence":1.7,"reasoning":"Momentum is strong.","risks":"none"}',
  refusal: "I'm sorry, but I can't assist with that request.",
  /** The body of a 'malformed-body' answer served as `application/json`. */
  truncatedBody: '{"id":"chatcmpl-',
  /** The body of a 'malformed-body' answer served as `text/html` (what a proxy in between sends). */
  htmlBody: '<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>',
} as const;

/** A valid opinion answer: the default content of an 'ok' behaviour. */
export const NEUTRAL_OPINION_CONTENT = JSON.stringify({
  signal: 'NEUTRAL',
  confidence: 0.5,
  reasoning: 'Momentum and trend disagree; no edge either way.',
  risks: ['Range breakout in either direction'],
});

/** Tokens the fake charges per message on top of its text (tiktoken's chat format uses 3). */
export const PROMPT_TOKENS_PER_MESSAGE = 3;

/**
 * The fake's deterministic stand-in for a tokenizer: ceil(characters of every message's text / 4)
 * plus `PROMPT_TOKENS_PER_MESSAGE` per message (≈ OpenAI's "a token is about 4 characters").
 */
export function countPromptTokens(body: unknown): number {
  const messages = messagesOf(body);
  const chars = messages.reduce<number>((sum, message) => sum + messageText(message).length, 0);
  return Math.ceil(chars / 4) + PROMPT_TOKENS_PER_MESSAGE * messages.length;
}

/** ceil(characters of the content (or refusal) / 4). */
export function countCompletionTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export interface CompletionParts {
  readonly model: string;
  readonly createdMs: number;
  readonly content: string | null;
  readonly refusal: string | null;
  readonly finishReason: 'stop' | 'length';
  readonly promptTokens: number;
}

export interface BuiltCompletion {
  readonly json: Record<string, unknown>;
  readonly completionTokens: number;
}

/** A `chat.completion` object as `POST /v1/chat/completions` returns it (non-streaming). */
export function chatCompletion(parts: CompletionParts): BuiltCompletion {
  const completionTokens = countCompletionTokens(parts.content ?? parts.refusal ?? '');
  const json = {
    id: `chatcmpl-${randomId(29)}`,
    object: 'chat.completion',
    created: Math.floor(parts.createdMs / 1000),
    model: parts.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: parts.content, refusal: parts.refusal, annotations: [] },
        logprobs: null,
        finish_reason: parts.finishReason,
      },
    ],
    usage: {
      prompt_tokens: parts.promptTokens,
      completion_tokens: completionTokens,
      total_tokens: parts.promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    },
    service_tier: 'default',
    system_fingerprint: 'fp_560af6e559',
  };
  return { json, completionTokens };
}

type ContentBehaviour = Extract<
  FakeOpenAiBehaviour,
  { kind: 'ok' | 'invalid-json' | 'schema-violation' | 'refusal' | 'truncated' }
>;

/** The message fields and finish reason each 200 behaviour carries; `valid` is the 'ok' content. */
export function completionContent(
  behaviour: ContentBehaviour,
  valid: () => string,
): Pick<CompletionParts, 'content' | 'refusal' | 'finishReason'> {
  switch (behaviour.kind) {
    case 'ok':
      return { content: behaviour.content ?? valid(), refusal: null, finishReason: 'stop' };
    case 'invalid-json':
      return { content: FAKE_OPENAI_CONTENT.invalidJson, refusal: null, finishReason: 'stop' };
    case 'schema-violation':
      return { content: FAKE_OPENAI_CONTENT.schemaViolation, refusal: null, finishReason: 'stop' };
    case 'refusal':
      return { content: null, refusal: FAKE_OPENAI_CONTENT.refusal, finishReason: 'stop' };
    case 'truncated':
      return { content: truncate(valid()), refusal: null, finishReason: 'length' };
  }
}

/**
 * The first half of a valid answer: what `max_completion_tokens` running out mid-answer leaves
 * (half of a JSON object never parses: its closing brace is gone).
 */
export function truncate(content: string): string {
  return content.slice(0, Math.max(1, Math.floor(content.length / 2)));
}

/** `GET /v1/models`: a short `list` (the real one has about a hundred entries). */
export function modelList(createdMs: number, extra: string): Record<string, unknown> {
  const ids = [...new Set(['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini', extra])];
  const created = Math.floor(createdMs / 1000);
  return {
    object: 'list',
    data: ids.map((id) => ({ id, object: 'model', created, owned_by: 'system' })),
  };
}

/** The model the request names, else the fake's. */
export function requestedModel(body: unknown, fallback: string): string {
  const model = isRecord(body) ? body.model : undefined;
  return typeof model === 'string' && model !== '' ? model : fallback;
}

export function randomId(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(length), (byte) => alphabet[byte % alphabet.length]).join('');
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function messagesOf(body: unknown): readonly unknown[] {
  const messages = isRecord(body) ? body.messages : undefined;
  return Array.isArray(messages) ? messages : [];
}

/** A message's text: a string content, or the `text` of each content part. */
function messageText(message: unknown): string {
  const content = isRecord(message) ? message.content : undefined;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : '')).join('');
}
