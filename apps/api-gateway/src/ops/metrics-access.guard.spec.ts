import { describe, expect, it } from '@jest/globals';
import { type ExecutionContext, NotFoundException, UnauthorizedException } from '@nestjs/common';
import type { AppConfig } from '@app/config';
import { type AccessMode, AccessPolicy, ApiKeyRing, hashApiKey } from '@app/gateway';
import type { HttpRequest, RequestContext } from '../http/http-types.js';
import { MetricsAccessGuard } from './metrics-access.guard.js';

/** Who may read `GET /metrics` on the API port (app.yaml access.metricsRequireKey, http.metricsPort). */

const RING = new ApiKeyRing([{ name: 'ops', sha256: hashApiKey('ck_ops') }]);

function guard(options: {
  readonly mode?: AccessMode;
  readonly metricsRequireKey: boolean;
  readonly metricsPort?: number | null;
  readonly keys?: ApiKeyRing;
}): MetricsAccessGuard {
  const rules = {
    readsRequireKey: false,
    socketsRequireKey: false,
    metricsRequireKey: options.metricsRequireKey,
  };
  const app = { http: { metricsPort: options.metricsPort ?? null } } as unknown as AppConfig;
  return new MetricsAccessGuard(app, new AccessPolicy(options.mode ?? 'keys', rules), options.keys ?? RING);
}

/** The verdict for a request whose hook found `context` (the API key already verified). */
function verdict(target: MetricsAccessGuard, context: Partial<RequestContext> = {}): string {
  const request: HttpRequest = {
    method: 'GET',
    originalUrl: '/metrics?name[]=x',
    headers: {},
    context: { requestId: 'r', apiKey: null, badKey: false, admitted: false, ...context },
  };
  const execution = { switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
  try {
    return target.canActivate(execution) ? 'allowed' : 'refused';
  } catch (error) {
    if (error instanceof UnauthorizedException || error instanceof NotFoundException)
      return `${error.getStatus()} ${error.message}`;
    throw error;
  }
}

describe('MetricsAccessGuard', () => {
  it('lets anyone scrape when no key is required, a wrong key included', () => {
    const open = guard({ metricsRequireKey: false });
    expect(verdict(open)).toBe('allowed');
    expect(verdict(open, { badKey: true })).toBe('allowed');
  });

  it('asks for a configured key when metricsRequireKey is set', () => {
    const keyed = guard({ metricsRequireKey: true });
    expect(verdict(keyed)).toBe('401 X-API-Key header required');
    expect(verdict(keyed, { badKey: true })).toBe('401 X-API-Key does not match any configured key');
    expect(verdict(keyed, { apiKey: 'ops' })).toBe('allowed');
    expect(verdict(guard({ metricsRequireKey: true, keys: new ApiKeyRing([]) }))).toBe(
      '401 this endpoint needs an API key, and none is configured (set API_KEY_HASHES)',
    );
  });

  it('asks nothing of an open local gateway, as for every other endpoint', () => {
    expect(verdict(guard({ mode: 'open-local', metricsRequireKey: true, keys: new ApiKeyRing([]) }))).toBe(
      'allowed',
    );
  });

  it('answers 404 on the API port when the metrics have a port of their own, with a key too', () => {
    const moved = guard({ metricsRequireKey: true, metricsPort: 9464 });
    expect(verdict(moved, { apiKey: 'ops' })).toBe('404 Cannot GET /metrics');
    expect(verdict(guard({ mode: 'open-local', metricsRequireKey: false, metricsPort: 9464 }))).toBe(
      '404 Cannot GET /metrics',
    );
  });
});
