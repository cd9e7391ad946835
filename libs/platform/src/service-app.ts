import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  type DynamicModule,
  Global,
  type INestApplication,
  Logger,
  type LoggerService,
  Module,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type ConfluenceConfig, ConfluenceConfigModule } from '@app/config';
import { Clock, SERVICE_VERSION, ShutdownReport, SystemClock } from '@app/contracts';
import { HttpDrain } from './http-drain.js';
import { ConfluenceLogger, logLevelsFrom } from './confluence.logger.js';
import { LivenessController } from './liveness.controller.js';
import type { ServiceDefinition } from './service-definition.js';
import { ServiceInfo } from './service-info.js';

@Module({})
class ServiceRootModule {}

/**
 * What every process provides everywhere: its one ShutdownReport (a write path reports what it
 * could not write), its HttpDrain (readiness and the Socket.IO gateway take part in the drain)
 * and the Clock (the wall clock; tests override it with virtual time).
 */
@Global()
@Module({
  providers: [ShutdownReport, HttpDrain, { provide: Clock, useClass: SystemClock }],
  exports: [ShutdownReport, HttpDrain, Clock],
})
class ProcessModule {}

/** A client's own request id is kept when it is short and plain; anything else is replaced. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Longest path parameter the router passes on (longer ones are a 400 before any handler). */
const MAX_PARAM_LENGTH = 1000;

/** Every request's id: the client's `X-Request-Id` when sane, else a new UUID. */
export function requestIdOf(request: IncomingMessage): string {
  const offered = request.headers['x-request-id'];
  return typeof offered === 'string' && CLIENT_REQUEST_ID.test(offered) ? offered : randomUUID();
}

/** The error shape of the gateway (apps/api-gateway ErrorsFilter), for what fails in the router. */
function routerError(code: string, parameterLimit: number): string {
  return code === 'FST_ERR_MAX_PARAM_LENGTH'
    ? `a path segment is longer than ${parameterLimit} characters`
    : 'the path is not valid percent-encoded UTF-8';
}

/** The root module of a process: config providers, liveness, and the hosted app modules. */
export function serviceRootModule(config: ConfluenceConfig, definition: ServiceDefinition): DynamicModule {
  return {
    module: ServiceRootModule,
    imports: [ConfluenceConfigModule.forRoot(config), ProcessModule, ...definition.modules],
    controllers: [LivenessController],
    providers: [
      { provide: ServiceInfo, useValue: new ServiceInfo(definition.name, definition.hosts, SERVICE_VERSION) },
    ],
  };
}

/**
 * Builds (but does not start) the Nest application of a process. Tests call this, then
 * `initServiceApp`, and drive it with supertest; `runService` adds listening, logging and signals.
 *
 * On Fastify rather than Express: the gateway's hot path (GET latest) cost about half the CPU per
 * request on Fastify in a like-for-like Nest app (router, headers, reply), which is what DESIGN.md's
 * 5,000 req/s budget on 2 cores needs. Fastify parses JSON bodies itself (secure-json-parse:
 * `__proto__` and `constructor.prototype` keys are removed) and enforces `http.bodyLimitBytes` on the decoded body.
 */
export async function createServiceApp(
  config: ConfluenceConfig,
  definition: ServiceDefinition,
  logger: LoggerService | false = false,
): Promise<INestApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.app.http.bodyLimitBytes,
    // Fastify's own logger stays off: requests are logged by the gateway's hooks, errors by Nest.
    logger: false,
    // Generous, so an over-long symbol reaches validation and gets a 400 naming the field; the
    // router refuses longer segments itself (answered below).
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    genReqId: requestIdOf,
    // A `__proto__` or `constructor.prototype` key is dropped, and the body answered as without it.
    onProtoPoisoning: 'remove',
    onConstructorPoisoning: 'remove',
    // A path that is not valid percent-encoding fails in the router, before any hook or filter:
    // answered here in the one error shape, with the request id.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      void reply
        .header('X-Request-Id', request.id)
        .code(400)
        .send({
          statusCode: 400,
          error: 'Bad Request',
          message: routerError(error.code, MAX_PARAM_LENGTH),
          requestId: request.id,
        });
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    serviceRootModule(config, definition),
    adapter,
    // Nest declares its options as a class; a literal is how its own docs pass them.
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
    {
      logger,
      // Report boot failures to the caller instead of exiting from inside Nest.
      abortOnError: false,
      // Fastify's built-in JSON parser (with bodyLimit) is the one used; Nest adds no parsers.
      bodyParser: false,
    },
  );
  // Nest answers `Logger.isLevelEnabled` from levels it was told, and without them says every level
  // is on for a logger that is not its own ConsoleLogger: the request hook would then build a debug
  // line for every successful request, for our logger to drop.
  if (logger instanceof ConfluenceLogger) Logger.overrideLogger(logLevelsFrom(config.app.logging.level));
  for (const configure of definition.configure ?? []) await configure(app);
  app.enableCors({ origin: [...config.app.cors.origins], credentials: config.app.cors.credentials });
  return app;
}

/** `app.init()` plus Fastify's `ready()`: after it the app answers requests without listening. */
export async function initServiceApp(app: INestApplication): Promise<void> {
  await app.init();
  await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
}
