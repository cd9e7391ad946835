import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { errorMessage } from '@app/contracts';
import { GatewayMetrics } from '@app/gateway';

/** What MetricsController answers with too (Prometheus' text exposition format). */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * `GET /metrics` on a port of its own (app.yaml `http.metricsPort`, same host), for a deployment
 * that publishes the API port only: Prometheus reaches this one inside the private network, and
 * nothing on the public side can. A bare Node server: it answers one path, so it needs none of the
 * API's hooks, headers or limits. Opened when the app initialises, closed with the app.
 */
@Injectable()
export class MetricsListener implements OnModuleInit, OnApplicationShutdown {
  readonly #logger = new Logger('metrics');
  #server: Server | null = null;

  constructor(
    private readonly app: AppConfig,
    private readonly metrics: GatewayMetrics,
  ) {}

  /** Before the apps start their work (bootstrap): a taken port fails the start with nothing to undo. */
  async onModuleInit(): Promise<void> {
    const port = this.app.http.metricsPort;
    if (port === null) return;
    const host = this.app.http.host;
    const server = createServer((request, response) => {
      void this.#answer(request, response);
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      throw new Error(`metrics port ${port} (app.yaml http.metricsPort): ${errorMessage(error)}`, {
        cause: error,
      });
    }
    this.#server = server;
    this.#logger.log(`metrics on http://${host}:${port}/metrics (not on the API port)`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.#server;
    if (server === null) return;
    this.#server = null;
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
      // A scraper's keep-alive connection would hold the close until it times out.
      server.closeAllConnections();
    });
  }

  async #answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    try {
      const body = await this.metrics.registry.metrics();
      response
        .writeHead(200, { 'Content-Type': METRICS_CONTENT_TYPE, 'Cache-Control': 'no-store' })
        .end(request.method === 'HEAD' ? undefined : body);
    } catch (error) {
      this.#logger.error(`metrics not collected: ${errorMessage(error)}`);
      response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('internal error\n');
    }
  }
}
