import {
  applyDecorators,
  type CanActivate,
  type ExecutionContext,
  Injectable,
  SetMetadata,
  UnauthorizedException,
  UnsupportedMediaTypeException,
  UseGuards,
} from '@nestjs/common';
import { ApiHeader, ApiResponse, ApiSecurity } from '@nestjs/swagger';
import { ThrottlerGuard, type ThrottlerModuleOptions, type ThrottlerStorage } from '@nestjs/throttler';
import { AppConfig } from '@app/config';
import { AccessPolicy, ApiKeyRing } from '@app/gateway';
import { ErrorBodyDto } from './error-body.dto.js';
import { headerValue, type HttpRequest } from './http-types.js';

/** Route names: the keys of `rateLimits.routes` in app.yaml. */
export const ROUTE_NAME = 'confluence:route-name';
export const API_KEY_SCHEME = 'api-key';

function routeOf(context: ExecutionContext): string | undefined {
  return Reflect.getMetadata(ROUTE_NAME, context.getHandler()) as string | undefined;
}

/** Per-route limits from app.yaml; the tracker is the client's API key name, else its IP. */
@Injectable()
export class ApiThrottlerGuard extends ThrottlerGuard {
  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    const context = (request as unknown as HttpRequest).context;
    if (context?.apiKey != null) return Promise.resolve(`key:${context.apiKey}`);
    return super.getTracker(request);
  }

  /**
   * The counter's key in plain text (`ConfluenceController.get:default:key:bot-1`) instead of the
   * library's SHA-256 of the same parts: bounded anyway (handler names, key names, IPs), one hash
   * less per request, and readable in Redis when an operator looks for who is limited.
   */
  protected override generateKey(context: ExecutionContext, suffix: string, name: string): string {
    return `${context.getClass().name}.${context.getHandler().name}:${name}:${suffix}`;
  }
}

/** Limit and window (ms) of a route, for the throttler's resolvers. */
export function routeLimit(app: AppConfig, context: ExecutionContext): { limit: number; ttl: number } {
  const name = routeOf(context);
  const config = (name === undefined ? undefined : app.rateLimits.routes[name]) ?? app.rateLimits.default;
  return { limit: config.limit, ttl: config.ttlSeconds * 1000 };
}

/** The throttler's options: one window per route from app.yaml, counted in `storage`. */
export function throttlerOptions(app: AppConfig, storage: ThrottlerStorage): ThrottlerModuleOptions {
  return {
    throttlers: [
      {
        name: 'default',
        limit: (context) => routeLimit(app, context).limit,
        ttl: (context) => routeLimit(app, context).ttl,
      },
    ],
    storage,
    errorMessage: 'rate limit exceeded; retry after the Retry-After header',
  };
}

/**
 * `X-API-Key`: POST endpoints always need a configured key, reads when `access.readsRequireKey`
 * (both decided by the AccessPolicy: a keyless local gateway on loopback needs none).
 * A key that matches none is refused wherever it is sent (a typo should not silently fall back
 * to anonymous limits).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeyRing,
    private readonly access: AccessPolicy,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<HttpRequest>();
    const state = request.context;
    if (state?.badKey === true)
      throw new UnauthorizedException('X-API-Key does not match any configured key');
    const write = request.method !== 'GET' && request.method !== 'HEAD';
    if (!this.access.requiresKey(write ? 'write' : 'read')) return true;
    if (state?.apiKey != null) return true;
    if (this.keys.size === 0)
      throw new UnauthorizedException(
        'this endpoint needs an API key, and none is configured (set API_KEY_HASHES)',
      );
    throw new UnauthorizedException('X-API-Key header required');
  }
}

/** POST bodies are JSON; anything else is 415 (not a confusing 400 about missing fields). */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<HttpRequest>();
    const type = headerValue(request, 'content-type') ?? '';
    if (!/^application\/json\s*(;|$)/i.test(type))
      throw new UnsupportedMediaTypeException(
        `Content-Type must be application/json${type === '' ? '' : ` (got ${type.slice(0, 80)})`}`,
      );
    // The body was read as UTF-8 (JSON's only interchange encoding, RFC 8259); another declared
    // charset means the client meant different characters.
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(type)?.[1]?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')
      throw new UnsupportedMediaTypeException(`unsupported charset ${charset.slice(0, 40)} (use utf-8)`);
    return true;
  }
}

/** A /v1 endpoint: its rate-limit route name, throttling, API key rules and documented errors. */
export function Endpoint(name: string, options: { readonly json?: boolean } = {}): MethodDecorator {
  const guards =
    options.json === true
      ? [ApiThrottlerGuard, ApiKeyGuard, JsonBodyGuard]
      : [ApiThrottlerGuard, ApiKeyGuard];
  return applyDecorators(
    SetMetadata(ROUTE_NAME, name),
    UseGuards(...guards),
    ApiSecurity(API_KEY_SCHEME),
    ApiHeader({ name: 'X-Request-Id', required: false, description: 'echoed back; generated when absent' }),
    ApiResponse({
      status: 400,
      type: ErrorBodyDto,
      description: 'invalid input: every offending field is listed in `errors`',
    }),
    ApiResponse({ status: 401, type: ErrorBodyDto, description: 'missing or unknown X-API-Key' }),
    ApiResponse({ status: 429, type: ErrorBodyDto, description: 'rate limited; see Retry-After' }),
    ...(options.json === true
      ? [
          ApiResponse({
            status: 413,
            type: ErrorBodyDto,
            description: 'body larger than http.bodyLimitBytes',
          }),
          ApiResponse({
            status: 415,
            type: ErrorBodyDto,
            description: 'Content-Type is not application/json',
          }),
        ]
      : []),
  );
}
