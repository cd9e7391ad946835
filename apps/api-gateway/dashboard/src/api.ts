import type { ApiKeys } from './api-key.js';
import type { ErrorBody } from './types.js';

/** A refused request: its status and the gateway's error body (its message names the fields). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody | null,
  ) {
    super(body?.message ?? `HTTP ${status}`);
  }
}

function errorBodyOf(value: unknown): ErrorBody | null {
  if (typeof value !== 'object' || value === null) return null;
  const body = value as Partial<ErrorBody>;
  return typeof body.message === 'string' && typeof body.statusCode === 'number' ? (body as ErrorBody) : null;
}

/**
 * REST on the gateway that served the page (same origin), with `X-API-Key` once one is known: a
 * 401 asks for the key (ApiKeys) and the request is sent again with it.
 */
export class Api {
  constructor(private readonly keys: ApiKeys) {}

  get<T>(path: string): Promise<T> {
    return this.#send<T>('GET', path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.#send<T>('POST', path, JSON.stringify(body));
  }

  async #send<T>(method: string, path: string, body?: string): Promise<T> {
    let key = this.keys.current();
    for (;;) {
      const headers: Record<string, string> = { Accept: 'application/json' };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      if (key !== null) headers['X-API-Key'] = key;
      const response = await fetch(path, { method, headers, ...(body === undefined ? {} : { body }) });
      const answer: unknown = await response.json().catch(() => null);
      if (response.ok) return answer as T;
      const error = errorBodyOf(answer);
      if (response.status !== 401) throw new ApiError(response.status, error);
      const next = await this.keys.obtain(key, error?.message ?? 'HTTP 401');
      if (next === null) throw new ApiError(401, error);
      key = next;
    }
  }
}
