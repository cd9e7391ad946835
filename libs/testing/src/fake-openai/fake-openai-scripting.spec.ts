import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import { eventually } from '../eventually.js';
import { failure, instanceOf, KEY, opinionParams } from './fake-openai.fixtures.js';
import { FakeOpenAiServer } from './fake-openai.server.js';

// Which behaviour answers which request, and what the fake rejects before any behaviour runs.

const KEY_B = 'sk-test-bravo-0123456789wxyz';

let fake: FakeOpenAiServer;

beforeAll(async () => {
  fake = await FakeOpenAiServer.start();
});

afterEach(() => {
  fake.reset();
});

afterAll(async () => {
  await fake.close();
});

function client(apiKey: string, baseURL = fake.baseURL): OpenAI {
  return new OpenAI({ apiKey, baseURL, maxRetries: 0, timeout: 30_000 });
}

/** The HTTP status a call ends with through the SDK (200 when it resolves). */
async function statusOf(apiKey: string): Promise<number | undefined> {
  try {
    await client(apiKey).chat.completions.create(opinionParams());
    return 200;
  } catch (error) {
    return instanceOf(error, OpenAI.APIError).status;
  }
}

async function post(body: string, headers: Record<string, string> = {}, path = '/chat/completions') {
  const response = await fetch(`${fake.baseURL}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}`, ...headers },
    body,
  });
  return { status: response.status, json: (await response.json()) as { error: Record<string, unknown> } };
}

describe('scripts', () => {
  it('uses a queue in order, one behaviour a request, then the default, then ok', async () => {
    fake.script(KEY, { kind: 'unauthorized' }, { kind: 'forbidden' });
    const statuses = [await statusOf(KEY), await statusOf(KEY), await statusOf(KEY)];
    fake.setDefault(KEY, { kind: 'server-error', status: 502 });
    statuses.push(await statusOf(KEY), await statusOf(KEY));

    expect(statuses).toEqual([401, 403, 200, 502, 502]);
    expect(fake.requests.map((r) => r.behaviour)).toEqual([
      'unauthorized',
      'forbidden',
      'ok',
      'server-error',
      'server-error',
    ]);
  });

  it("prefers the key's own queue to '*', and '*' serves any key", async () => {
    fake.script('*', { kind: 'rate-limit' });
    fake.script(KEY, { kind: 'server-error' });

    expect(await statusOf(KEY)).toBe(500);
    expect(fake.pending('*')).toBe(1);
    expect(await statusOf(KEY_B)).toBe(429);
    expect(await statusOf(KEY)).toBe(200);
    expect(fake.requests.map((r) => [r.key, r.behaviour])).toEqual([
      [KEY, 'server-error'],
      [KEY_B, 'rate-limit'],
      [KEY, 'ok'],
    ]);
  });

  it("prefers the key's own default to '*''s, and any queue to a default", async () => {
    fake.setDefault('*', { kind: 'forbidden' });
    fake.setDefault(KEY, { kind: 'unauthorized' });
    fake.script('*', { kind: 'server-error', status: 503 });

    expect([await statusOf(KEY), await statusOf(KEY), await statusOf(KEY_B)]).toEqual([503, 401, 403]);
  });

  it('reset() clears the log, scripts, defaults and usage', async () => {
    await statusOf(KEY);
    fake.script(KEY, { kind: 'forbidden' });
    fake.setDefault('*', { kind: 'unauthorized' });
    fake.reset();

    expect(fake.requests).toEqual([]);
    expect(fake.reportedUsage()).toEqual({ promptTokens: 0, completionTokens: 0, requests: 0 });
    expect(await statusOf(KEY)).toBe(200);
  });

  it('GET /v1/models lists models through the SDK and obeys the script too', async () => {
    const page = await client(KEY).models.list();
    expect(page.data.map((m) => m.id)).toContain('gpt-4o-mini');
    expect(page.data[0]).toMatchObject({ object: 'model', owned_by: 'system' });

    fake.script(KEY, { kind: 'unauthorized' });
    expect(await failure(client(KEY).models.list())).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(fake.requests.map((r) => [r.method, r.path, r.behaviour])).toEqual([
      ['GET', '/v1/models', 'ok'],
      ['GET', '/v1/models', 'unauthorized'],
    ]);
  });
});

describe('requests the fake rejects before any behaviour (no script entry consumed)', () => {
  it('no bearer token: 401 with the real (code null) body, logged with key ""', async () => {
    fake.script('*', { kind: 'forbidden' });
    const { status, json } = await post(JSON.stringify(opinionParams()), { authorization: '' });

    expect(status).toBe(401);
    expect(json.error).toMatchObject({ type: 'invalid_request_error', param: null, code: null });
    expect(String(json.error.message)).toMatch(/^You didn't provide an API key\./);
    expect(fake.requests.map((r) => [r.key, r.behaviour, r.status])).toEqual([['', 'rejected', 401]]);
    expect(fake.pending('*')).toBe(1);
  });

  it('unknown path: 404 Invalid URL', async () => {
    const { status, json } = await post('{}', {}, '/completions');

    expect(status).toBe(404);
    expect(json.error).toEqual({
      message: 'Invalid URL (POST /v1/completions)',
      type: 'invalid_request_error',
      param: null,
      code: null,
    });
  });

  it('a body that is not JSON: 400, logged as the raw text', async () => {
    const { status, json } = await post('{"model": ');

    expect(status).toBe(400);
    expect(String(json.error.message)).toMatch(/^We could not parse the JSON body of your request\./);
    expect(fake.requests[0]?.body).toBe('{"model": ');
  });

  const format = (responseFormat: unknown): string =>
    JSON.stringify({ ...opinionParams(), response_format: responseFormat });

  it.each<[string, string, string, string, string]>([
    [
      'an unknown type',
      format({ type: 'xml' }),
      'response_format.type',
      'invalid_value',
      "Invalid value: 'xml'.",
    ],
    [
      'json_schema missing',
      format({ type: 'json_schema' }),
      'response_format.json_schema',
      'missing_required_parameter',
      'Missing',
    ],
    [
      'no schema',
      format({ type: 'json_schema', json_schema: { name: 'opinion' } }),
      'response_format.json_schema.schema',
      'missing_required_parameter',
      "Missing required parameter: 'response_format.json_schema.schema'.",
    ],
    [
      'a schema that is no object',
      format({ type: 'json_schema', json_schema: { name: 'opinion', schema: 'object' } }),
      'response_format.json_schema.schema',
      'invalid_type',
      "Invalid type for 'response_format.json_schema.schema': expected an object, but got a string instead.",
    ],
    [
      'a name with a space',
      format({ type: 'json_schema', json_schema: { name: 'my opinion', schema: {} } }),
      'response_format.json_schema.name',
      'invalid_value',
      "Invalid 'response_format.json_schema.name'",
    ],
    [
      'a string response_format',
      format('json'),
      'response_format',
      'invalid_type',
      "Invalid type for 'response_format'",
    ],
    [
      'no messages',
      JSON.stringify({ model: 'gpt-4o-mini' }),
      'messages',
      'missing_required_parameter',
      'Missing',
    ],
  ])('%s → 400', async (_label, body, param, code, message) => {
    const { status, json } = await post(body);

    expect(status).toBe(400);
    expect(json.error).toMatchObject({ type: 'invalid_request_error', param, code });
    expect(String(json.error.message).startsWith(message)).toBe(true);
    expect(fake.requests.map((r) => r.behaviour)).toEqual(['rejected']);
  });

  it('a malformed response_format through the SDK is a BadRequestError', async () => {
    const params = opinionParams();
    const broken = { ...params, response_format: { type: 'json_schema' } } as unknown as typeof params;
    const error = await failure(client(KEY).chat.completions.create(broken));

    expect(instanceOf(error, OpenAI.BadRequestError).param).toBe('response_format.json_schema');
  });
});

describe('close()', () => {
  it('releases a hanging request: the SDK sees the connection end, not a timeout', async () => {
    const own = await FakeOpenAiServer.start();
    own.script('*', { kind: 'hang' });
    const pending = failure(client(KEY, own.baseURL).chat.completions.create(opinionParams()));
    await eventually(() => own.requests.length === 1, 'the request to hang');
    await own.close();
    const error = await pending;

    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(error).not.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(own.requests.map((r) => [r.behaviour, r.status])).toEqual([['hang', null]]);
    await own.close(); // idempotent
  });
});
