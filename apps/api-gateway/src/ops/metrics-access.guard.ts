import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
  NotFoundException,
  UnauthorizedException,
} from '@nestjs/common';
import { AppConfig } from '@app/config';
import { AccessPolicy, ApiKeyRing } from '@app/gateway';
import type { HttpRequest } from '../http/http-types.js';

/**
 * Who may read `GET /metrics` on the API port: nobody when app.yaml `http.metricsPort` moves it to
 * a listener of its own (the API port then answers 404, as for any unknown path); a client with a
 * configured key when `access.metricsRequireKey` (decided by the AccessPolicy: a keyless local
 * gateway on loopback needs none); anyone otherwise.
 */
@Injectable()
export class MetricsAccessGuard implements CanActivate {
  constructor(
    private readonly app: AppConfig,
    private readonly access: AccessPolicy,
    private readonly keys: ApiKeyRing,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<HttpRequest>();
    if (this.app.http.metricsPort !== null)
      throw new NotFoundException(`Cannot ${request.method} ${request.originalUrl.split('?')[0] ?? ''}`);
    if (!this.access.requiresKey('metrics')) return true;
    const state = request.context;
    if (state?.badKey === true)
      throw new UnauthorizedException('X-API-Key does not match any configured key');
    if (state?.apiKey != null) return true;
    throw new UnauthorizedException(
      this.keys.size === 0
        ? 'this endpoint needs an API key, and none is configured (set API_KEY_HASHES)'
        : 'X-API-Key header required',
    );
  }
}
