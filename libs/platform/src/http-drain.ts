import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import { errorMessage, type LogSink, type ShutdownReport } from '@app/contracts';

/**
 * Something else holding connections on the HTTP server (the gateway's Socket.IO connections):
 * closed once the listener is, so the connections it holds end and the server can close.
 */
export interface DrainParticipant {
  /** Closes its connections (or starts to); resolves to a note for the drain's summary line. */
  close(): Promise<string> | string;
}

export interface DrainOptions {
  /** How long to keep serving after the signal (readiness already 503) before the listener closes. */
  readonly delayMs: number;
  /** Bounds the drain: the stop's deadline (ShutdownReport), which also counts what was cut off. */
  readonly report: ShutdownReport;
  /** Default: Nest's logger, context `Shutdown` (the process's logger once it runs). */
  readonly logger?: Pick<LogSink, 'log' | 'error'>;
  /** The signal that started the stop, for the log. */
  readonly signal: string;
}

/** How often connections that went idle since the listener closed are closed too. */
const IDLE_SWEEP_MS = 100;
/** The longest a timer can wait (Node fires a longer one at once, with a warning). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The first step of a stop (run-service.ts, before Nest's shutdown hooks, so the store, the bus
 * and Redis are still up for the requests it finishes). From the signal on, readiness answers
 * 503 and every answer closes its connection (`Connection: close`), so keep-alive clients leave by
 * themselves; requests on open connections are still served. After `delayMs` (the time a
 * balancer needs to see readiness fail) the listener closes: new connections are refused at TCP
 * level, idle ones are closed, participants close theirs (each socket told to reconnect). It
 * ends when every connection has closed, or at the stop's deadline, where what is still open is
 * cut off and reported as lost (the process then exits 1). One per process (platform's process module).
 */
export class HttpDrain {
  readonly #participants: DrainParticipant[] = [];
  #draining = false;

  /** True from the stop signal on: readiness answers 503. */
  get draining(): boolean {
    return this.#draining;
  }

  /** Registers something to close once the listener is (in registration order). */
  add(participant: DrainParticipant): void {
    this.#participants.push(participant);
  }

  async drain(server: Server, options: DrainOptions): Promise<void> {
    const { report, logger = new Logger('Shutdown') } = options;
    this.#draining = true;
    let taken = 0;
    // First of the request listeners, before Fastify's: nothing of the answer is written yet.
    const closeAfterAnswer = (_request: IncomingMessage, response: ServerResponse): void => {
      taken++;
      response.shouldKeepAlive = false;
    };
    server.prependListener('request', closeAfterAnswer);
    try {
      await delay(report.budget(Math.min(options.delayMs, MAX_TIMER_MS)));
      const closed = new Promise<void>((resolve) => {
        // Stops accepting and closes the idle connections (Node's http server does both).
        server.close(() => {
          resolve();
        });
      });
      const notes = await Promise.all(
        this.#participants.map(async (participant) => {
          try {
            return await participant.close();
          } catch (error) {
            logger.error(`closing connections failed: ${errorMessage(error)}`);
            return 'a participant failed to close its connections';
          }
        }),
      );
      // An answer begun before the signal left its connection open and idle: closed here too.
      const sweep = setInterval(() => {
        server.closeIdleConnections();
      }, IDLE_SWEEP_MS);
      const deadline = new AbortController();
      const outcome = await Promise.race([
        closed.then(() => 'closed' as const),
        delay(report.budget(MAX_TIMER_MS), 'deadline' as const, { signal: deadline.signal }),
      ]);
      // The deadline's timer must not keep the process alive once everything closed.
      deadline.abort();
      clearInterval(sweep);
      const summary = [`${taken} request(s) taken after ${options.signal}`, ...notes];
      if (outcome === 'closed') {
        logger.log(`drained: ${summary.join('; ')}; every connection closed after its answer`);
        return;
      }
      server.closeIdleConnections();
      const open = await new Promise<number>((resolve) => {
        server.getConnections((_error, count) => {
          resolve(count);
        });
      });
      server.closeAllConnections();
      const lost = `${open} HTTP connection(s) still busy at the stop's deadline, cut off`;
      logger.error(`drained: ${summary.join('; ')}; ${lost}`);
      if (open > 0) report.lost(lost);
    } finally {
      server.removeListener('request', closeAfterAnswer);
    }
  }
}
