/**
 * The few parts of Express's request and response the gateway reads (Express's types are not a
 * dependency; Nest's platform-express brings Express itself).
 */
export interface HttpRequest {
  readonly method: string;
  readonly originalUrl: string;
  readonly ip?: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly route?: { readonly path?: string };
  /** Set by RequestContextMiddleware. */
  context?: RequestContext;
}

export interface HttpResponse {
  statusCode: number;
  setHeader(name: string, value: string | number): unknown;
  getHeader(name: string): unknown;
  status(code: number): HttpResponse;
  json(body: unknown): unknown;
  send(body: Buffer | string): unknown;
  once(event: 'finish' | 'close', listener: () => void): unknown;
  readonly headersSent: boolean;
}

export interface RequestContext {
  readonly requestId: string;
  /** The name of the verified API key (never the key), or null without one. */
  readonly apiKey: string | null;
  /** A key was sent but matches none of the configured keys. */
  readonly badKey: boolean;
}

export function headerValue(request: HttpRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
