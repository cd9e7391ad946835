import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { ApiKeyRing, GatewayMetrics } from '@app/gateway';
import { headerValue, type HttpRequest, type HttpResponse } from './http-types.js';

/** A client's own request id is kept when it is short and plain; anything else is replaced. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * First on every request: gives it a request id (kept from `X-Request-Id` when sane, echoed in the
 * response), verifies any `X-API-Key` once, and times the request into the latency histogram by
 * route template and status. Client errors are logged at `warn`, server errors at `error`, each
 * with its request id; successes at `debug` (thousands a second would drown the log). Installed
 * with `app.use` ahead of the body parser (api-gateway.setup.ts).
 */
export class RequestContextMiddleware {
  readonly #logger = new Logger('http');

  constructor(
    private readonly keys: ApiKeyRing,
    private readonly metrics: GatewayMetrics,
  ) {}

  use(request: HttpRequest, response: HttpResponse, next: () => void): void {
    const started = process.hrtime.bigint();
    const offered = headerValue(request, 'x-request-id');
    const requestId = offered !== undefined && CLIENT_REQUEST_ID.test(offered) ? offered : randomUUID();
    const key = headerValue(request, 'x-api-key');
    const apiKey = key === undefined ? null : this.keys.verify(key);
    request.context = { requestId, apiKey, badKey: key !== undefined && apiKey === null };
    response.setHeader('X-Request-Id', requestId);
    response.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // The route template (`/v1/confluence/:exchange/:symbol`), never the raw path: bounded labels.
      const route = request.route?.path ?? 'unmatched';
      const status = response.statusCode;
      this.metrics.httpDuration.observe({ method: request.method, route, status: String(status) }, seconds);
      if (status < 400 && !Logger.isLevelEnabled('debug')) return;
      const line = `${request.method} ${request.originalUrl} ${status} ${(seconds * 1000).toFixed(1)} ms requestId=${requestId}${apiKey === null ? '' : ` key=${apiKey}`}`;
      if (status >= 500) this.#logger.error(line);
      else if (status >= 400) this.#logger.warn(line);
      else this.#logger.debug(line);
    });
    next();
  }
}
