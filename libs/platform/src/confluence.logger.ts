import { isatty } from 'node:tty';
import type { LoggerService, LogLevel } from '@nestjs/common';
import { type DestinationStream, type Logger, pino } from 'pino';
import type { LogFormat, LogLevelName } from '@app/config/core';
import { type LogCall, parseErrorCall, parseLogCall } from './log-arguments.js';
import { prettyLogLine } from './pretty-log.js';
import { SecretRedactor } from './redaction.js';

/** Most to least severe; a configured level enables itself and everything more severe. */
const SEVERITY: readonly LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

export function logLevelsFrom(level: LogLevelName): LogLevel[] {
  return SEVERITY.slice(0, SEVERITY.indexOf(level) + 1);
}

/** Nest's level names as pino levels, so a JSON record says `"level":"error"` as it always has. */
const LEVEL_VALUES = {
  fatal: 60,
  error: 50,
  warn: 40,
  log: 30,
  debug: 20,
  verbose: 10,
} as const satisfies Record<LogLevelName, number>;

/**
 * Nest contexts whose `log` lines only narrate its own wiring (modules loaded, routes mapped,
 * gateway messages subscribed, "successfully started"): some 40 lines before the first useful
 * one at every boot of local mode, so they are debug. Their warnings and errors keep their level.
 */
const NEST_WIRING_CONTEXTS: readonly string[] = [
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'WebSocketsController',
  'NestApplication',
  // Printed only with NEST_DEBUG set: how providers were looked up and introspected.
  'InjectorLogger',
  'InstanceWrapper',
];

/** Where lines are written: the process's stdout and stderr, unless a test passes its own. */
export interface LogStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
}

/**
 * File descriptor 1 or 2, written with pino's synchronous destination (a blocking write that
 * retries while a pipe is full). Not `process.stdout.write`: on a pipe it queues in memory once
 * the pipe is full, and `process.exit` drops the queue (5,000 lines, then exit: 278 reached the
 * reader with Nest's logger). test/logging.e2e-spec.ts checks that every line does.
 */
function processStream(fd: 1 | 2): LogStream {
  const destination = pino.destination({ dest: fd, sync: true });
  return {
    isTTY: isatty(fd),
    // Looked up at each call: on a closed pipe (EPIPE) pino replaces `write` with a no-op.
    write: (chunk: string) => destination.write(chunk),
  };
}

export interface ConfluenceLoggerOptions {
  readonly service: string;
  readonly level: LogLevelName;
  readonly format: LogFormat;
  readonly secrets: readonly string[];
  /** Error and fatal lines go to `stderr`, the rest to `stdout` (as Nest's logger did). */
  readonly streams?: { readonly stdout: LogStream; readonly stderr: LogStream };
}

/**
 * Written at once, on the caller's stack: a line logged just before `process.exit` (a crash, a
 * forced stop) is out before the process ends. Pretty lines are made here, from the JSON line.
 */
function sinkOf(stream: LogStream, format: LogFormat): DestinationStream {
  if (format === 'json')
    return {
      write: (line: string): void => {
        stream.write(line);
      },
    };
  const pretty = prettyLogLine(stream.isTTY === true);
  return {
    write: (line: string): void => {
      stream.write(pretty(line));
    },
  };
}

/**
 * The logger of every process, behind Nest's `LoggerService`: pino JSON lines (or the compact
 * pretty line made from them), every record passed whole through redaction before it is written.
 * Built before the Nest app, so config and boot failures are logged the same way.
 */
export class ConfluenceLogger implements LoggerService {
  private readonly redactor: SecretRedactor;
  private readonly pino: Logger<LogLevelName, true>;
  private readonly service: string;

  constructor(options: ConfluenceLoggerOptions) {
    this.service = options.service;
    this.redactor = new SecretRedactor(options.secrets);
    const streams = options.streams ?? { stdout: processStream(1), stderr: processStream(2) };
    const destination = pino.multistream<LogLevelName>(
      [
        { level: 'verbose', stream: sinkOf(streams.stdout, options.format) },
        { level: 'error', stream: sinkOf(streams.stderr, options.format) },
      ],
      // Each line to the most severe stream it reaches: error and fatal to stderr only.
      { levels: LEVEL_VALUES, dedupe: true },
    );
    this.pino = pino<LogLevelName, true>(
      {
        customLevels: LEVEL_VALUES,
        useOnlyCustomLevels: true,
        level: options.level,
        messageKey: 'message',
        // No hostname: the container or the developer's machine already says where it ran.
        base: { pid: process.pid, service: options.service },
        formatters: { level: (label) => ({ level: label }) },
      },
      destination,
    );
  }

  /** Nest's `Logger.overrideLogger(levels)` passes its levels on: the least severe one is the level. */
  setLogLevels(levels: LogLevel[]): void {
    const least = SEVERITY.filter((level) => levels.includes(level)).at(-1);
    if (least !== undefined) this.pino.level = least;
  }

  log(message: unknown, ...optionalParams: unknown[]): void {
    this.write('log', parseLogCall([message, ...optionalParams], this.service));
  }

  error(message: unknown, ...optionalParams: unknown[]): void {
    this.write('error', parseErrorCall([message, ...optionalParams], this.service));
  }

  warn(message: unknown, ...optionalParams: unknown[]): void {
    this.write('warn', parseLogCall([message, ...optionalParams], this.service));
  }

  debug(message: unknown, ...optionalParams: unknown[]): void {
    this.write('debug', parseLogCall([message, ...optionalParams], this.service));
  }

  verbose(message: unknown, ...optionalParams: unknown[]): void {
    this.write('verbose', parseLogCall([message, ...optionalParams], this.service));
  }

  fatal(message: unknown, ...optionalParams: unknown[]): void {
    this.write('fatal', parseErrorCall([message, ...optionalParams], this.service));
  }

  private write(requested: LogLevelName, call: LogCall): void {
    const wiring =
      requested === 'log' && call.context !== undefined && NEST_WIRING_CONTEXTS.includes(call.context);
    const level = wiring ? 'debug' : requested;
    if (!this.pino.isLevelEnabled(level)) return;
    // Serialized before redaction, so its own properties and its causes are redacted too.
    const error = call.error === undefined ? undefined : pino.stdSerializers.err(call.error);
    call.messages.forEach((message, index) => {
      // Key order is the line's order: message and context first, as before pino.
      const record = {
        message,
        context: call.context,
        stack: call.stack,
        error: index === 0 ? error : undefined,
        params: call.params,
      };
      this.pino[level](this.redactor.redact(record) as object);
    });
  }
}
