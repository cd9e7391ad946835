import {
  applyDecorators,
  type CanActivate,
  type ExecutionContext,
  Injectable,
  UseGuards,
} from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiHeader, ApiResponse, ApiSecurity } from '@nestjs/swagger';
import type { ThrottlerModuleOptions, ThrottlerStorage } from '@nestjs/throttler';
import type { AppConfig } from '@app/config';
import type { ArrayBounds } from '@app/contracts/dto';
import { ENDPOINT_CONFIG, type EndpointRules } from './endpoint-gate.js';
import { ErrorBodyDto } from './error-body.dto.js';
import type { HttpRequest } from './http-types.js';

export const API_KEY_SCHEME = 'api-key';

/**
 * The throttler module's options. Only its storage is used: the EndpointGate counts each request
 * against its route's limit (app.yaml `rateLimits`) before the body is read, where no Nest guard
 * runs; the window here is the default, for anything else reading these options.
 */
export function throttlerOptions(app: AppConfig, storage: ThrottlerStorage): ThrottlerModuleOptions {
  const { limit, ttlSeconds } = app.rateLimits.default;
  return { throttlers: [{ name: 'default', limit, ttl: ttlSeconds * 1000 }], storage };
}

/**
 * Fails closed: a /v1 endpoint answers only a request the EndpointGate admitted. Without the gate
 * (an edge built without installRestEdge) every such request is a 500, never an unchecked answer.
 */
@Injectable()
export class EndpointGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.switchToHttp().getRequest<HttpRequest>().context?.admitted === true) return true;
    throw new Error('the EndpointGate did not run for this request: install it (installRestEdge)');
  }
}

/**
 * A /v1 endpoint: its rate-limit route name (a key of app.yaml `rateLimits.routes`), its API key
 * and JSON rules, all enforced by the EndpointGate before the body is read, the bounds of its
 * body's arrays (`arrays`, counted as the body arrives: array-bounds.ts), and its documented errors.
 */
export function Endpoint(
  name: string,
  options: { readonly json?: boolean; readonly arrays?: ArrayBounds } = {},
): MethodDecorator {
  return (target, method, descriptor) => {
    const rules: EndpointRules = {
      name,
      scope: `${target.constructor.name}.${String(method)}`,
      json: options.json === true,
      arrays: options.arrays ?? null,
    };
    applyDecorators(
      RouteConfig({ [ENDPOINT_CONFIG]: rules }),
      UseGuards(EndpointGuard),
      ApiSecurity(API_KEY_SCHEME),
      ApiHeader({ name: 'X-Request-Id', required: false, description: 'echoed back; generated when absent' }),
      ApiResponse({
        status: 400,
        type: ErrorBodyDto,
        description: 'invalid input: every offending field is listed in `errors`',
      }),
      ApiResponse({ status: 401, type: ErrorBodyDto, description: 'missing or unknown X-API-Key' }),
      ApiResponse({ status: 429, type: ErrorBodyDto, description: 'rate limited; see Retry-After' }),
      ...(rules.json
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
    )(target, method, descriptor);
  };
}
