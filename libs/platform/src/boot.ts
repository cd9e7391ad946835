import { isatty } from 'node:tty';
import {
  ConfigValidationError,
  type ConfluenceConfig,
  loadConfig,
  logFormatOf,
  secretValuesOf,
} from '@app/config/core';
import { errorMessage, type ServiceName } from '@app/contracts';
import { ConfluenceLogger } from './confluence.logger.js';
import { installCrashHandlers } from './process-guards.js';
import type { ServiceDefinition } from './service-definition.js';

const BOOT = 'Boot';

/**
 * What a process's `main.ts` knows before it loads any framework: its name, the reasons a
 * configuration must not run it, and how to load the rest (its `ServiceDefinition`: modules, set-up).
 */
export interface ServiceEntry {
  readonly name: ServiceName;
  /**
   * Reasons a configuration must not run this service at all (a production gateway without API
   * keys), each null when it may. Checked as soon as the configuration is loaded: a refused
   * process loads no framework, builds nothing, opens no connection and exits 1.
   */
  readonly refusals?: readonly ((config: ConfluenceConfig) => string | null)[];
  /** Imports the service's modules: called only once the configuration is valid and nothing refuses it. */
  readonly load: () => Promise<ServiceDefinition>;
}

/**
 * Loads and validates the configuration. On any violation it prints every one of them to
 * stderr and returns null: the caller exits non-zero without ever listening.
 */
function loadConfigOrReport(service: string): ConfluenceConfig | null {
  try {
    return loadConfig();
  } catch (error) {
    const message =
      error instanceof ConfigValidationError
        ? error.message
        : `Could not load the configuration: ${errorMessage(error)}`;
    process.stderr.write(`[${service}] ${message}\n`);
    return null;
  }
}

/**
 * Entry point of every process: config, logger, refusals — with no more loaded than these need —
 * then the service's modules and `runService`. Nest, Fastify, mongoose, ioredis and the app modules
 * were most of a refused start's 1.1–2.3 s; a refusal now exits before they are imported. Never throws.
 */
export async function bootService(entry: ServiceEntry): Promise<void> {
  const config = loadConfigOrReport(entry.name);
  if (config === null) {
    process.exitCode = 1;
    return;
  }
  const logger = new ConfluenceLogger({
    service: entry.name,
    level: config.app.logging.level,
    format: logFormatOf(config, isatty(1)),
    secrets: secretValuesOf(config.environment),
  });
  installCrashHandlers(process, logger, (code) => process.exit(code));
  const refusals = (entry.refusals ?? []).flatMap((refuse) => refuse(config) ?? []);
  if (refusals.length > 0) {
    // Before anything is imported that could open a connection: no store, Redis or bus client
    // exists, so nothing is left reconnecting and the process ends as soon as this returns.
    logger.fatal(`${entry.name} refuses to start: ${refusals.join('; ')}`, BOOT);
    process.exitCode = 1;
    return;
  }
  const loaded = await Promise.all([import('./run-service.js'), entry.load()]).catch((error: unknown) => {
    logger.fatal(`${entry.name} failed to start: could not load its code: ${errorMessage(error)}`, BOOT);
    return null;
  });
  if (loaded === null) {
    process.exitCode = 1;
    return;
  }
  const [{ runService }, definition] = loaded;
  await runService(definition, config, logger);
}
