import type { Server } from 'node:http';
import type { LoggerService } from '@nestjs/common';
// Types only: the @app/testing barrel must not load Fastify into every spec that imports it.
import type { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { TestingModule } from '@nestjs/testing';
import { httpServerOf } from './http.js';

export interface FastifyTestAppOptions {
  /**
   * What the app's own set-up installs around its controllers (hooks, global filters and pipes,
   * the WebSocket adapter), called before `init`, as a service's bootstrap does.
   */
  readonly configure?: (app: NestFastifyApplication) => void;
  /** Listen on 127.0.0.1, on a free port (for real Socket.IO clients); else only initialised. */
  readonly listen?: boolean;
  /** Nest's logger: silent unless given (a spec asserting log lines passes its own). */
  readonly logger?: LoggerService | false;
}

export interface FastifyTestApp {
  readonly app: NestFastifyApplication;
  /** The Node server under Fastify (what supertest is given). */
  readonly server: Server;
  /** The port listened on; 0 unless `listen` was asked. */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Nest's log lines at `error` and `warn`, kept for a spec to read (a 500's detail goes to the log,
 * not to the client); the rest (boot lines) is dropped.
 */
export class RecordingLogger implements LoggerService {
  readonly errors: string[] = [];
  readonly warnings: string[] = [];

  log(): void {
    // Boot and debug lines are not what a spec reads.
  }

  warn(message: unknown): void {
    this.warnings.push(String(message));
  }

  error(message: unknown): void {
    this.errors.push(String(message));
  }

  clear(): void {
    this.errors.length = 0;
    this.warnings.length = 0;
  }
}

/**
 * A compiled TestingModule (real controllers or gateways over fakes of their services) mounted on
 * Fastify as the apps run it: the configured app, initialised, with Fastify's routes ready, so a
 * controller spec answers real HTTP in milliseconds instead of booting the whole app.
 */
export async function startFastifyApp(
  moduleRef: TestingModule,
  /** `new FastifyAdapter(...)`, from the spec: this kit loads no Fastify of its own. */
  adapter: FastifyAdapter,
  options: FastifyTestAppOptions = {},
): Promise<FastifyTestApp> {
  const app = moduleRef.createNestApplication<NestFastifyApplication>(adapter);
  app.useLogger(options.logger ?? false);
  options.configure?.(app);
  if (options.listen === true) await app.listen(0, '127.0.0.1');
  else await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const server = httpServerOf(app);
  const address = options.listen === true ? server.address() : null;
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { app, server, port, close: () => app.close() };
}
