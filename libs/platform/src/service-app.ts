import { type DynamicModule, type INestApplication, type LoggerService, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { type ConfluenceConfig, ConfluenceConfigModule } from '@app/config';
import { SERVICE_VERSION } from '@app/contracts';
import { LivenessController } from './liveness.controller.js';
import type { ServiceDefinition } from './service-definition.js';
import { ServiceInfo } from './service-info.js';

@Module({})
class ServiceRootModule {}

/** The root module of a process: config providers, liveness, and the hosted app modules. */
export function serviceRootModule(config: ConfluenceConfig, definition: ServiceDefinition): DynamicModule {
  return {
    module: ServiceRootModule,
    imports: [ConfluenceConfigModule.forRoot(config), ...definition.modules],
    controllers: [LivenessController],
    providers: [
      { provide: ServiceInfo, useValue: new ServiceInfo(definition.name, definition.hosts, SERVICE_VERSION) },
    ],
  };
}

/**
 * Builds (but does not start) the Nest application of a process. Tests call this and drive it
 * with supertest; `runService` adds listening, logging and signal handling.
 */
export async function createServiceApp(
  config: ConfluenceConfig,
  definition: ServiceDefinition,
  logger: LoggerService | false = false,
): Promise<INestApplication> {
  // Nest declares its options as a class; a literal is how its own docs pass them.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
  const app = await NestFactory.create<NestExpressApplication>(serviceRootModule(config, definition), {
    logger,
    // Report boot failures to the caller instead of exiting from inside Nest.
    abortOnError: false,
    bodyParser: false,
  });
  app.disable('x-powered-by');
  // Before the body parser, so a hosted app's first middleware (request ids) sees even a body
  // that fails to parse.
  for (const configure of definition.configure ?? []) await configure(app);
  app.useBodyParser('json', { limit: config.app.http.bodyLimitBytes });
  app.enableCors({ origin: [...config.app.cors.origins], credentials: config.app.cors.credentials });
  return app;
}
