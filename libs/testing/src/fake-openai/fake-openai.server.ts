import { randomBytes } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listenOnLoopback } from '../http.js';
import {
  type ApiError,
  behaviourError,
  chatRequestError,
  errorBody,
  invalidUrl,
  MISSING_KEY,
  RATE_LIMIT_REQUESTS,
  RATE_LIMIT_TOKENS,
  UNPARSABLE_JSON,
} from './api-errors.js';
import {
  chatCompletion,
  completionContent,
  countPromptTokens,
  FAKE_OPENAI_CONTENT,
  modelList,
  NEUTRAL_OPINION_CONTENT,
  requestedModel,
} from './completions.js';
import type {
  FakeOpenAiAnswer,
  FakeOpenAiBehaviour,
  FakeOpenAiOptions,
  FakeOpenAiRequest,
  FakeOpenAiUsage,
} from './fake-openai.types.js';

type Route = 'chat' | 'models';

const OK: FakeOpenAiBehaviour = { kind: 'ok' };

/**
 * A loopback HTTP server answering `POST /v1/chat/completions` and `GET /v1/models` in the
 * OpenAI API's recorded formats (bodies, error bodies, headers), for the real `openai` SDK pointed
 * at `baseURL`. Each authenticated request takes one scripted behaviour for its key.
 */
export class FakeOpenAiServer {
  /** `http://127.0.0.1:<port>/v1`, what the SDK's `baseURL` option takes. */
  readonly baseURL: string;
  private readonly log: FakeOpenAiRequest[] = [];
  private readonly queues = new Map<string, FakeOpenAiBehaviour[]>();
  private readonly defaults = new Map<string, FakeOpenAiBehaviour>();
  private readonly hung = new Set<ServerResponse>();
  private readonly usage = { promptTokens: 0, completionTokens: 0, requests: 0 };
  private closed = false;

  private constructor(
    private readonly server: Server,
    private readonly options: FakeOpenAiOptions,
  ) {
    const { port } = server.address() as AddressInfo;
    this.baseURL = `http://127.0.0.1:${port}/v1`;
  }

  static async start(options: FakeOpenAiOptions = {}): Promise<FakeOpenAiServer> {
    const server = await listenOnLoopback();
    const fake = new FakeOpenAiServer(server, options);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      fake.receive(req, res);
    });
    return fake;
  }

  /** Every request received since the last `reset()`, in arrival order. */
  get requests(): readonly FakeOpenAiRequest[] {
    return [...this.log];
  }

  /**
   * Queues behaviours for requests carrying `key` ('*': any key), one per request, in order.
   * A request takes from its key's queue, else from '*''s, else the default (`setDefault`).
   */
  script(key: string, ...behaviours: FakeOpenAiBehaviour[]): void {
    const queue = this.queues.get(key) ?? [];
    queue.push(...behaviours);
    this.queues.set(key, queue);
  }

  /** The behaviour for `key` (or '*') once the queues are empty; the key's own wins over '*'. */
  setDefault(key: string, behaviour: FakeOpenAiBehaviour): void {
    this.defaults.set(key, behaviour);
  }

  /** Behaviours still queued for `key` ('*' counts only the shared queue). */
  pending(key: string): number {
    return this.queues.get(key)?.length ?? 0;
  }

  /** The usage blocks of every completion sent (200 with usage) since the last `reset()`, summed. */
  reportedUsage(): FakeOpenAiUsage {
    return { ...this.usage };
  }

  /** Clears the request log, the scripts, the defaults and the usage tally. */
  reset(): void {
    this.log.length = 0;
    this.queues.clear();
    this.defaults.clear();
    Object.assign(this.usage, { promptTokens: 0, completionTokens: 0, requests: 0 });
  }

  /** Ends hanging requests (their clients see the connection close), then the listener. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const res of this.hung) res.destroy();
    this.hung.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }

  private receive(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      this.respond(req, res, Buffer.concat(chunks).toString('utf8'));
    });
  }

  private respond(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const now = (this.options.now ?? Date.now)();
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://fake.invalid').pathname;
    const key = bearerToken(req.headers.authorization);
    const parsed = parseJson(raw);
    const entry = { key, method, path, body: parsed.ok ? parsed.value : raw, receivedAt: now };
    const route = routeOf(method, path);
    // The request's own faults come first and consume no script entry, as the API rejects them
    // before any model runs.
    if (route === undefined) {
      this.reject(res, entry, invalidUrl(method, path));
      return;
    }
    const rejection = requestError(route, key, parsed);
    if (rejection !== undefined) {
      this.reject(res, entry, rejection);
      return;
    }
    const behaviour = this.take(key);
    if (behaviour.kind === 'hang') {
      this.log.push({ ...entry, behaviour: 'hang', status: null });
      this.hung.add(res);
      res.on('close', () => this.hung.delete(res));
      return;
    }
    const answer = this.answer(route, behaviour, key, entry.body, now);
    this.log.push({ ...entry, behaviour: behaviour.kind, status: answer.status });
    send(res, now, answer);
  }

  private reject(
    res: ServerResponse,
    entry: Omit<FakeOpenAiRequest, 'behaviour' | 'status'>,
    error: ApiError,
  ): void {
    this.log.push({ ...entry, behaviour: 'rejected', status: error.status });
    send(res, entry.receivedAt, errorAnswer(error));
  }

  private take(key: string): FakeOpenAiBehaviour {
    return (
      this.queues.get(key)?.shift() ??
      this.queues.get('*')?.shift() ??
      this.defaults.get(key) ??
      this.defaults.get('*') ??
      OK
    );
  }

  private answer(
    route: Route,
    behaviour: Exclude<FakeOpenAiBehaviour, { kind: 'hang' }>,
    key: string,
    body: unknown,
    now: number,
  ): FakeOpenAiAnswer {
    const model = requestedModel(body, this.options.model ?? 'gpt-4o-mini');
    switch (behaviour.kind) {
      case 'rate-limit':
      case 'unauthorized':
      case 'forbidden':
      case 'server-error':
        return errorAnswer(behaviourError(behaviour, key, model));
      case 'malformed-body':
        return behaviour.contentType === 'text/html'
          ? { status: 200, headers: { 'content-type': 'text/html' }, body: FAKE_OPENAI_CONTENT.htmlBody }
          : { status: 200, headers: apiHeaders(0), body: FAKE_OPENAI_CONTENT.truncatedBody };
    }
    if (route === 'models') {
      return { status: 200, headers: apiHeaders(0), body: JSON.stringify(modelList(now, model)) };
    }
    const promptTokens = countPromptTokens(body);
    const valid = (): string => (this.options.answer ?? (() => NEUTRAL_OPINION_CONTENT))(body);
    const { json, completionTokens } = chatCompletion({
      model,
      createdMs: now,
      promptTokens,
      ...completionContent(behaviour, valid),
    });
    this.usage.promptTokens += promptTokens;
    this.usage.completionTokens += completionTokens;
    this.usage.requests += 1;
    return { status: 200, headers: apiHeaders(promptTokens), body: JSON.stringify(json) };
  }
}

function routeOf(method: string, path: string): Route | undefined {
  if (method === 'POST' && path === '/v1/chat/completions') return 'chat';
  if (method === 'GET' && path === '/v1/models') return 'models';
  return undefined;
}

function requestError(route: Route, key: string, parsed: ParsedJson): ApiError | undefined {
  if (key === '') return MISSING_KEY;
  if (route !== 'chat') return undefined;
  return parsed.ok ? chatRequestError(parsed.value) : UNPARSABLE_JSON;
}

/** The token of `Authorization: Bearer <token>`, '' when absent or another scheme. */
function bearerToken(header: string | undefined): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1] ?? '';
}

type ParsedJson = { readonly ok: true; readonly value: unknown } | { readonly ok: false };

function parseJson(raw: string): ParsedJson {
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch {
    // Not a failure of the fake: the caller answers 400 as the API does.
    return { ok: false };
  }
}

/** The headers the API sends with every answer, errors included. */
function apiHeaders(promptTokens: number): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-request-id': `req_${randomBytes(16).toString('hex')}`,
    'openai-organization': 'user-fake',
    'openai-processing-ms': '120',
    'openai-version': '2020-10-01',
    'x-ratelimit-limit-requests': String(RATE_LIMIT_REQUESTS),
    'x-ratelimit-limit-tokens': String(RATE_LIMIT_TOKENS),
    'x-ratelimit-remaining-requests': String(RATE_LIMIT_REQUESTS - 1),
    'x-ratelimit-remaining-tokens': String(RATE_LIMIT_TOKENS - promptTokens),
    'x-ratelimit-reset-requests': '12ms',
    'x-ratelimit-reset-tokens': '0s',
  };
}

function errorAnswer(error: ApiError): FakeOpenAiAnswer {
  return {
    status: error.status,
    headers: { ...apiHeaders(0), ...error.headers },
    body: errorBody(error),
  };
}

function send(res: ServerResponse, now: number, answer: FakeOpenAiAnswer): void {
  res.writeHead(answer.status, {
    ...answer.headers,
    // Node would stamp the wall clock; the fake's only clock is the test's.
    date: new Date(now).toUTCString(),
    'content-length': Buffer.byteLength(answer.body),
  });
  res.end(answer.body);
}
