import type { LoggerService } from '@nestjs/common';

/** What the handlers attach to: `process` in production, a plain emitter in tests. */
export interface CrashEventSource {
  on(event: 'uncaughtException' | 'unhandledRejection', listener: (reason: unknown) => void): unknown;
}

/**
 * Routes crashes through the logger (so they are JSON and redacted, where Node's default report
 * would print raw, possibly secret-bearing, errors), then exits 1 so the supervisor restarts a
 * process whose state can no longer be trusted.
 */
export function installCrashHandlers(
  target: CrashEventSource,
  logger: LoggerService,
  exit: (code: number) => void,
): void {
  const crash = (kind: string) => (reason: unknown) => {
    const error = reason instanceof Error ? reason : new Error(String(reason));
    logger.fatal?.(`${kind}: ${error.message}`, error.stack, 'Crash');
    exit(1);
  };
  target.on('uncaughtException', crash('uncaught exception'));
  target.on('unhandledRejection', crash('unhandled promise rejection'));
}
