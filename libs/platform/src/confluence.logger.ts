import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import type { LogLevelName } from '@app/config';
import { SecretRedactor } from './redaction.js';

/** Most to least severe; a configured level enables itself and everything more severe. */
const SEVERITY: readonly LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

export function logLevelsFrom(level: LogLevelName): LogLevel[] {
  return SEVERITY.slice(0, SEVERITY.indexOf(level) + 1);
}

export interface ConfluenceLoggerOptions {
  readonly service: string;
  readonly level: LogLevelName;
  readonly format: 'json' | 'pretty';
  readonly secrets: readonly string[];
}

/** Nest's console logger (JSON lines in production) with every message passed through redaction. */
export class ConfluenceLogger extends ConsoleLogger {
  private readonly secretRedactor: SecretRedactor;

  constructor(options: ConfluenceLoggerOptions) {
    super(options.service, {
      json: options.format === 'json',
      colors: options.format === 'pretty' && process.stdout.isTTY,
      logLevels: logLevelsFrom(options.level),
      prefix: 'confluence',
    });
    this.secretRedactor = new SecretRedactor(options.secrets);
  }

  protected override printMessages(
    messages: unknown[],
    context?: string,
    logLevel?: LogLevel,
    writeStreamType?: 'stdout' | 'stderr',
    errorStack?: unknown,
    params?: Record<string, unknown>,
  ): void {
    super.printMessages(
      messages.map((message) => this.secretRedactor.redact(message)),
      context,
      logLevel,
      writeStreamType,
      this.secretRedactor.redact(errorStack),
      params === undefined ? undefined : (this.secretRedactor.redact(params) as Record<string, unknown>),
    );
  }
}
