import { Logger } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import type { AccessPolicy, ApiKeyRing, GatewayMetrics } from '@app/gateway';
import { headerValue, type HttpRequest, type HttpResponse } from './http-types.js';

const READINESS_ROUTE = '/health/ready';

/**
 * First on every request (a Fastify `onRequest` hook, so before body parsing, routing misses and
 * every guard): echoes its request id (kept from `X-Request-Id` when sane, see
 * libs/platform) in the response and verifies any `X-API-Key` once (the EndpointGate decides on it
 * next, before the body is read). When the answer has gone out (`onResponse`) the
 * request is timed into the latency histogram by route template and status; client errors are
 * logged at `warn`, server errors at `error` (readiness' 503 at `warn`), each with its request
 * id; successes and 429s at `debug` (thousands a second would drown the log: a flood past its
 * rate limit is all 429s, counted by the histogram).
 */
export class RequestContextHooks {
  readonly #logger = new Logger('http');

  constructor(
    private readonly keys: ApiKeyRing,
    private readonly access: AccessPolicy,
    private readonly metrics: GatewayMetrics,
  ) {}

  install(fastify: FastifyInstance): void {
    // Declared up front: Fastify keeps one object shape for every request.
    fastify.decorateRequest('context', null);
    fastify.addHook('onRequest', (request, reply, done) => {
      this.start(request.id, request, reply);
      done();
    });
    fastify.addHook('onResponse', (request, reply, done) => {
      this.finish(request, reply.statusCode, reply.elapsedTime);
      done();
    });
  }

  /** `requestId`: Fastify's request id, the client's `X-Request-Id` when sane (libs/platform). */
  start(requestId: string, request: HttpRequest, reply: HttpResponse): void {
    const key = headerValue(request, 'x-api-key');
    const apiKey = key === undefined ? null : this.keys.verify(key);
    // An open local gateway has no keys to match: a key sent anyway (a client configured for
    // another deployment) is ignored rather than refused.
    const badKey = key !== undefined && apiKey === null && !this.access.open;
    request.context = { requestId, apiKey, badKey, admitted: false };
    reply.header('X-Request-Id', requestId);
  }

  finish(request: HttpRequest, status: number, elapsedMs: number): void {
    // The route template (`/v1/confluence/:exchange/:symbol`), never the raw path: bounded labels.
    const route = request.routeOptions?.url ?? 'unmatched';
    this.metrics.httpDuration.observe(
      { method: request.method, route, status: String(status) },
      elapsedMs / 1000,
    );
    // A 429 is the limit doing its job; a line per flooding request would be a log flood.
    const routine = status < 400 || status === 429;
    if (routine && !Logger.isLevelEnabled('debug')) return;
    const context = request.context;
    const line = `${request.method} ${request.originalUrl} ${status} ${elapsedMs.toFixed(1)} ms requestId=${context?.requestId ?? '-'}${context?.apiKey == null ? '' : ` key=${context.apiKey}`}`;
    // Readiness answers 503 by design (a dependency down, or the process draining: its body says
    // which), once per balancer probe: not a server fault.
    if (status >= 500 && route !== READINESS_ROUTE) this.#logger.error(line);
    else if (!routine) this.#logger.warn(line);
    else this.#logger.debug(line);
  }
}
