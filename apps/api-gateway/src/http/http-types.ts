/**
 * The few parts of Fastify's request and reply the gateway reads, as structural types: the
 * controllers, guards and filter depend on these, not on the whole of Fastify's generics.
 */
export interface HttpRequest {
  readonly method: string;
  readonly originalUrl: string;
  readonly ip?: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The parsed body (JSON for the POST routes); absent without one. */
  readonly body?: unknown;
  /** The matched route's template (`/v1/confluence/:exchange/:symbol`) and config; absent when none matched. */
  readonly routeOptions?: { readonly url?: string | undefined; readonly config?: unknown };
  /** Set by the request-context hook. */
  context?: RequestContext | null;
}

export interface HttpResponse {
  readonly statusCode: number;
  header(name: string, value: string | number): unknown;
  getHeader(name: string): unknown;
  status(code: number): HttpResponse;
  send(body?: Buffer | string | object): unknown;
  /** The answer has gone out. */
  readonly sent: boolean;
}

export interface RequestContext {
  readonly requestId: string;
  /** The name of the verified API key (never the key), or null without one. */
  readonly apiKey: string | null;
  /** A key was sent but matches none of the configured keys. */
  readonly badKey: boolean;
  /** The EndpointGate let it through to a /v1 endpoint (set by the gate, before the body is read). */
  admitted: boolean;
}

export function headerValue(request: HttpRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
