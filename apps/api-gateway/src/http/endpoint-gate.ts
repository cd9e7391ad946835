import type { INestApplicationContext } from '@nestjs/common';
import { normalizeIp, ThrottlerStorage } from '@nestjs/throttler';
import type { FastifyInstance } from 'fastify';
import { AppConfig, type RateLimitsConfig } from '@app/config';
import type { ArrayBounds } from '@app/contracts/dto';
import { AccessPolicy, ApiKeyRing } from '@app/gateway';
import { errorBodyText } from './errors.filter.js';
import { headerValue, type HttpRequest, type HttpResponse } from './http-types.js';

/** The key of an endpoint's rules in its Fastify route config (set by `@Endpoint`). */
export const ENDPOINT_CONFIG = 'confluenceEndpoint';

/** What the gate needs of a /v1 endpoint, carried in its route config. */
export interface EndpointRules {
  /** Its rate-limit route name: a key of `rateLimits.routes` in app.yaml. */
  readonly name: string;
  /** `Controller.method`: the counter's key names the handler, as @nestjs/throttler's did. */
  readonly scope: string;
  /** Its body must be JSON (415 otherwise). */
  readonly json: boolean;
  /** Its body's bounded arrays, counted as the body arrives (array-bounds.ts); null: none. */
  readonly arrays: ArrayBounds | null;
}

export const RATE_LIMIT_MESSAGE = 'rate limit exceeded; retry after the Retry-After header';

/** The one throttler window per route (@nestjs/throttler's default name, kept in the counter keys). */
const WINDOW = 'default';

/** Why a request is refused before its body is read: its status and the message of its error body. */
export interface Refusal {
  readonly status: 401 | 415 | 429;
  readonly message: string;
}

/** The rules `@Endpoint` put in a route's config, or null for a route without them. */
export function rulesOf(config: unknown): EndpointRules | null {
  if (typeof config !== 'object' || config === null || !(ENDPOINT_CONFIG in config)) return null;
  return config[ENDPOINT_CONFIG] as EndpointRules;
}

/**
 * Every refusal a /v1 endpoint makes from the request's head alone — rate limit, API key, JSON
 * content type, in that order — made in a Fastify `preParsing` hook: after the `onRequest` hooks
 * (request id, the verified key, security headers), before a byte of the body is read, inflated
 * or parsed. A client without a key, or past its limit, costs the gateway a hash lookup and a
 * counter instead of decompressing and parsing megabytes it will refuse anyway (issue 27: 53.6 ms
 * of CPU per refused 1.9 MB gzip body, when these checks were Nest guards, after the body parser).
 *
 * Limits are per client (its key's name when it sent a valid one, else its IP) and per route,
 * from app.yaml's `rateLimits`; counted in the throttler module's storage (memory, or Redis shared
 * by the replicas). `EndpointGuard` refuses any /v1 request this gate did not admit.
 */
export class EndpointGate {
  constructor(
    private readonly keys: ApiKeyRing,
    private readonly access: AccessPolicy,
    private readonly limits: RateLimitsConfig,
    private readonly storage: ThrottlerStorage,
  ) {}

  static of(app: INestApplicationContext): EndpointGate {
    return new EndpointGate(
      app.get(ApiKeyRing),
      app.get(AccessPolicy),
      app.get(AppConfig).rateLimits,
      app.get<ThrottlerStorage>(ThrottlerStorage),
    );
  }

  /**
   * Before any other `preParsing` hook (body decoding): a refused body is never read. A refusal
   * is answered from the hook, in the gateway's error shape, rather than thrown into Nest's
   * exception handling: the exception (its stack trace), Nest's handler and the filter were about a
   * fifth of a refusal's CPU under a flood (issue 27). A failure of the counter's storage (Redis
   * down) is thrown: the ErrorsFilter answers it.
   */
  install(fastify: FastifyInstance): void {
    fastify.addHook('preParsing', (request, reply, payload, done) => {
      const rules = rulesOf(request.routeOptions.config);
      if (rules === null) {
        done(null, payload);
        return;
      }
      const http: HttpRequest = request;
      this.admit(rules, http, reply).then(
        (refusal) => {
          if (refusal === null) {
            done(null, payload);
            return;
          }
          // Answered here: Fastify ends the request's lifecycle (no handler, no body read).
          void reply
            .code(refusal.status)
            .type('application/json; charset=utf-8')
            .send(errorBodyText(refusal.status, refusal.message, http.context?.requestId));
        },
        (error: unknown) => {
          done(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  /** Null when the request may go on (and it is marked admitted), else why it is refused. */
  async admit(rules: EndpointRules, request: HttpRequest, reply: HttpResponse): Promise<Refusal | null> {
    const refusal =
      (await this.#count(rules, request, reply)) ??
      this.#checkKey(request) ??
      (rules.json ? checkJsonType(request) : null);
    if (refusal === null && request.context != null) request.context.admitted = true;
    return refusal;
  }

  async #count(rules: EndpointRules, request: HttpRequest, reply: HttpResponse): Promise<Refusal | null> {
    const { limit, ttlSeconds } = this.limits.routes[rules.name] ?? this.limits.default;
    const ttl = ttlSeconds * 1000;
    const apiKey = request.context?.apiKey;
    const tracker = apiKey == null ? normalizeIp(request.ip ?? '') : `key:${apiKey}`;
    // Plain text (`ConfluenceController.get:default:key:bot-1`): bounded (handlers, key names,
    // IPs) and readable in Redis when an operator looks for who is limited.
    const key = `${rules.scope}:${WINDOW}:${tracker}`;
    const hit = await this.storage.increment(key, ttl, limit, ttl, WINDOW);
    if (hit.isBlocked) {
      reply.header('Retry-After', hit.timeToBlockExpire);
      return { status: 429, message: RATE_LIMIT_MESSAGE };
    }
    reply.header('X-RateLimit-Limit', limit);
    reply.header('X-RateLimit-Remaining', Math.max(0, limit - hit.totalHits));
    reply.header('X-RateLimit-Reset', hit.timeToExpire);
    return null;
  }

  /**
   * POSTs always need a configured key, reads when `access.readsRequireKey` (both decided by the
   * AccessPolicy: a keyless local gateway on loopback needs none). A key that matches none is
   * refused wherever it is sent: a typo should not silently fall back to anonymous limits.
   */
  #checkKey(request: HttpRequest): Refusal | null {
    const context = request.context;
    if (context?.badKey === true)
      return { status: 401, message: 'X-API-Key does not match any configured key' };
    const write = request.method !== 'GET' && request.method !== 'HEAD';
    if (!this.access.requiresKey(write ? 'write' : 'read')) return null;
    if (context?.apiKey != null) return null;
    if (this.keys.size === 0)
      return {
        status: 401,
        message: 'this endpoint needs an API key, and none is configured (set API_KEY_HASHES)',
      };
    return { status: 401, message: 'X-API-Key header required' };
  }
}

/** POST bodies are JSON; anything else is 415 (not a confusing 400 about missing fields). */
function checkJsonType(request: HttpRequest): Refusal | null {
  const type = headerValue(request, 'content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type))
    return {
      status: 415,
      message: `Content-Type must be application/json${type === '' ? '' : ` (got ${type.slice(0, 80)})`}`,
    };
  // The body is read as UTF-8 (JSON's only interchange encoding, RFC 8259); another declared
  // charset means the client meant different characters.
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(type)?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')
    return { status: 415, message: `unsupported charset ${charset.slice(0, 40)} (use utf-8)` };
  return null;
}
