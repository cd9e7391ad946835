import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { type ConfluenceConfig, listenAddressOf } from '@app/config';
import { ShutdownReport, errorMessage } from '@app/contracts';
import type { ConfluenceLogger } from './confluence.logger.js';
import { HttpDrain } from './http-drain.js';
import { createServiceApp } from './service-app.js';
import type { ServiceDefinition } from './service-definition.js';

const BOOT = 'Boot';
const SHUTDOWN = 'Shutdown';

function describeError(error: unknown): string {
  if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
    return `${error.message}: the port is taken (set PORT, or http.ports in config/app.yaml)`;
  }
  return errorMessage(error);
}

/**
 * Stops on SIGINT/SIGTERM: drains the HTTP server (http-drain.ts), closes the app (Nest's
 * shutdown hooks run), then lets the process end. A second signal, or a stop that outlasts
 * `shutdownTimeoutMs`, exits at once with code 1.
 */
function stopOnSignals(
  app: INestApplication,
  logger: ConfluenceLogger,
  { shutdownTimeoutMs: timeoutMs, drainDelayMs }: ConfluenceConfig['app']['http'],
): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn(`${signal} received again: exiting without waiting`, SHUTDOWN);
      process.exit(1);
    }
    stopping = true;
    logger.log(`${signal} received: stopping`, SHUTDOWN);
    const report = app.get(ShutdownReport, { strict: false });
    // The hooks' deadline, a second ahead of the hard exit below so what they could not finish is
    // still counted and logged.
    report.stoppingBy(Date.now() + Math.max(timeoutMs - 1_000, timeoutMs / 2));
    // Not cleared on success: if something still holds the event loop open after close, this
    // ends the process and names the problem instead of hanging. unref() lets a clean exit win.
    setTimeout(() => {
      logger.error(`still running ${timeoutMs} ms after ${signal}: exiting`, SHUTDOWN);
      process.exit(1);
    }, timeoutMs).unref();
    // The HTTP drain before Nest's hooks: the requests it finishes still have the store, the bus and Redis.
    const close = async (): Promise<void> => {
      await app
        .get(HttpDrain, { strict: false })
        .drain(app.getHttpServer() as Server, { delayMs: drainDelayMs, report, signal });
      await app.close();
    };
    close().then(
      () => {
        if (report.losses.length === 0) {
          logger.log('stopped', SHUTDOWN);
          process.exitCode = 0;
          return;
        }
        logger.error(`stopped, having lost: ${report.losses.join('; ')}`, SHUTDOWN);
        process.exitCode = 1;
      },
      (error: unknown) => {
        logger.error(`error while stopping: ${describeError(error)}`, SHUTDOWN);
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/**
 * The second half of a process's start, after `bootService` (boot.ts) loaded the configuration,
 * built the logger and found no refusal: app, listen, signals. Never throws.
 */
export async function runService(
  definition: ServiceDefinition,
  config: ConfluenceConfig,
  logger: ConfluenceLogger,
): Promise<void> {
  for (const notice of config.notices) logger.warn(notice, BOOT);

  let app: INestApplication | undefined;
  try {
    app = await createServiceApp(config, definition, logger);
    const { host, port } = listenAddressOf(config, definition.name);
    await app.listen(port, host);
    // Before the line that says we listen: whoever waits for it may signal at once, and a signal
    // with no handler yet would kill the process without a clean shutdown.
    stopOnSignals(app, logger, config.app.http);
    logger.log(
      `${definition.name} listening on http://${host}:${port} ` +
        `(mode ${config.runtime.mode}, hosts ${definition.hosts.join(', ')}, ` +
        `config ${config.environment.configDir}: ${config.files.join(', ')})`,
      BOOT,
    );
  } catch (error) {
    logger.fatal(`${definition.name} failed to start: ${describeError(error)}`, BOOT);
    await app?.close().catch((closeError: unknown) => {
      logger.error(`and failed to clean up: ${describeError(closeError)}`, BOOT);
    });
    process.exitCode = 1;
  }
}
