import { isRecord } from './completions.js';
import type { FakeOpenAiBehaviour } from './fake-openai.types.js';

/** An error as the API sends it: `{ error: { message, type, param, code } }` with a status. */
export interface ApiError {
  readonly status: number;
  readonly message: string;
  readonly type: string;
  readonly param: string | null;
  readonly code: string | null;
  /** Headers beyond the common ones (e.g. `retry-after`). */
  readonly headers?: Readonly<Record<string, string>>;
}

export function errorBody(error: ApiError): string {
  const { message, type, param, code } = error;
  return JSON.stringify({ error: { message, type, param, code } });
}

/** The real API's words for a request without a bearer token (its `code` is null). */
export const MISSING_KEY: ApiError = {
  status: 401,
  message:
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
  type: 'invalid_request_error',
  param: null,
  code: null,
};

export const UNPARSABLE_JSON: ApiError = {
  status: 400,
  message:
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
  type: 'invalid_request_error',
  param: null,
  code: null,
};

export function invalidUrl(method: string, path: string): ApiError {
  return {
    status: 404,
    message: `Invalid URL (${method} ${path})`,
    type: 'invalid_request_error',
    param: null,
    code: null,
  };
}

type ErrorBehaviour = Extract<
  FakeOpenAiBehaviour,
  { kind: 'rate-limit' | 'unauthorized' | 'forbidden' | 'server-error' }
>;

/** The error a failing behaviour answers with. */
export function behaviourError(behaviour: ErrorBehaviour, key: string, model: string): ApiError {
  switch (behaviour.kind) {
    case 'rate-limit':
      return rateLimited(behaviour, model);
    case 'unauthorized':
      return {
        status: 401,
        message: `Incorrect API key provided: ${maskKey(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      };
    case 'forbidden':
      return {
        status: 403,
        message: 'Country, region, or territory not supported',
        type: 'request_forbidden',
        param: null,
        code: 'unsupported_country_region_territory',
      };
    case 'server-error':
      return serverError(behaviour.status ?? 500);
  }
}

function rateLimited(behaviour: Extract<ErrorBehaviour, { kind: 'rate-limit' }>, model: string): ApiError {
  const { retryAfterSeconds, retryAfterMs } = behaviour;
  const retry: Record<string, string> = {};
  if (retryAfterSeconds !== undefined) retry['retry-after'] = String(retryAfterSeconds);
  if (retryAfterMs !== undefined) retry['retry-after-ms'] = String(retryAfterMs);
  if (retryAfterSeconds === undefined && retryAfterMs === undefined) retry['retry-after'] = '1';
  const waitMs = retryAfterMs ?? (retryAfterSeconds ?? 1) * 1000;
  const headers = {
    ...retry,
    'x-ratelimit-remaining-requests': '0',
    'x-ratelimit-reset-requests': `${waitMs}ms`,
  };
  if (behaviour.insufficientQuota === true) {
    return {
      status: 429,
      message:
        'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
      type: 'insufficient_quota',
      param: null,
      code: 'insufficient_quota',
      headers,
    };
  }
  return {
    status: 429,
    message: `Rate limit reached for ${model} in organization org-fake on requests per min (RPM): Limit ${RATE_LIMIT_REQUESTS}, Used ${RATE_LIMIT_REQUESTS}, Requested 1. Please try again in ${waitMs}ms. Visit https://platform.openai.com/account/rate-limits to learn more.`,
    type: 'requests',
    param: null,
    code: 'rate_limit_exceeded',
    headers,
  };
}

function serverError(status: number): ApiError {
  const messages: Record<number, string> = {
    502: 'Bad gateway.',
    503: 'The server is overloaded or not ready yet.',
  };
  return {
    status,
    message:
      messages[status] ??
      'The server had an error while processing your request. Sorry about that! You can retry your request, or contact us through our help center at help.openai.com if the error persists.',
    type: 'server_error',
    param: null,
    code: null,
  };
}

/** `sk-abc****wxyz` as the API echoes a wrong key; a short key is masked whole. */
export function maskKey(key: string): string {
  if (key.length <= 8) return '*'.repeat(key.length);
  return `${key.slice(0, 3)}${'*'.repeat(key.length - 7)}${key.slice(-4)}`;
}

export const RATE_LIMIT_REQUESTS = 5000;
export const RATE_LIMIT_TOKENS = 4_000_000;

/**
 * What the API rejects in a chat completion request before any model runs, in its words; only
 * the parts a structured-output client sends are checked.
 */
export function chatRequestError(body: unknown): ApiError | undefined {
  if (!isRecord(body))
    return invalid('body', 'Invalid request body: expected a JSON object.', 'invalid_type');
  const messages = body.messages;
  if (messages === undefined) return missing('messages');
  if (!Array.isArray(messages)) return invalidType('messages', 'an array', messages);
  if (messages.length === 0) {
    return invalid(
      'messages',
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      'empty_array',
    );
  }
  const format = body.response_format;
  return format === undefined ? undefined : responseFormatError(format);
}

function responseFormatError(format: unknown): ApiError | undefined {
  if (!isRecord(format)) return invalidType('response_format', 'an object', format);
  const type = format.type;
  if (type === undefined) return missing('response_format.type');
  if (type !== 'text' && type !== 'json_object' && type !== 'json_schema') {
    return invalid(
      'response_format.type',
      `Invalid value: '${typeof type === 'string' ? type : JSON.stringify(type)}'. Supported values are: 'json_object', 'json_schema', and 'text'.`,
      'invalid_value',
    );
  }
  if (type !== 'json_schema') return undefined;
  const spec = format.json_schema;
  if (spec === undefined) return missing('response_format.json_schema');
  if (!isRecord(spec)) return invalidType('response_format.json_schema', 'an object', spec);
  const name = spec.name;
  if (name === undefined) return missing('response_format.json_schema.name');
  if (typeof name !== 'string') return invalidType('response_format.json_schema.name', 'a string', name);
  if (!/^[a-zA-Z0-9_-]{1,64}$/.test(name)) {
    return invalid(
      'response_format.json_schema.name',
      "Invalid 'response_format.json_schema.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
      'invalid_value',
    );
  }
  const schema = spec.schema;
  // The API treats `schema` as optional; a structured-output client must send one, so the fake
  // insists: a missing schema is a bug in the client, not a request to answer.
  if (schema === undefined) return missing('response_format.json_schema.schema');
  if (!isRecord(schema)) return invalidType('response_format.json_schema.schema', 'an object', schema);
  const strict = spec.strict;
  if (strict !== undefined && strict !== null && typeof strict !== 'boolean') {
    return invalidType('response_format.json_schema.strict', 'a boolean', strict);
  }
  return undefined;
}

function missing(param: string): ApiError {
  return invalid(param, `Missing required parameter: '${param}'.`, 'missing_required_parameter');
}

function invalidType(param: string, expected: string, value: unknown): ApiError {
  const kind = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  const got = kind === 'null' ? 'null' : `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}`;
  return invalid(
    param,
    `Invalid type for '${param}': expected ${expected}, but got ${got} instead.`,
    'invalid_type',
  );
}

function invalid(param: string, message: string, code: string): ApiError {
  return { status: 400, message, type: 'invalid_request_error', param, code };
}
