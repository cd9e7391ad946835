import { errorMessage } from '@app/contracts';
import { validateBusEvent } from '@app/contracts/dto';
import type { LogSink, BusEventName, BusStats } from '@app/contracts';

/** The per-subject counters behind `EventBus.stats()`, shared by both transports. */
export class BusCounters {
  readonly #counters: Record<keyof BusStats, Map<string, number>> = {
    published: new Map(),
    delivered: new Map(),
    rejected: new Map(),
    handlerErrors: new Map(),
  };

  count(kind: keyof BusStats, subject: string, by = 1): void {
    const counter = this.#counters[kind];
    counter.set(subject, (counter.get(subject) ?? 0) + by);
  }

  snapshot(): BusStats {
    return {
      published: Object.fromEntries(this.#counters.published),
      delivered: Object.fromEntries(this.#counters.delivered),
      rejected: Object.fromEntries(this.#counters.rejected),
      handlerErrors: Object.fromEntries(this.#counters.handlerErrors),
    };
  }
}

type Handler = (payload: unknown) => void | Promise<void>;

/**
 * What both transports do with a received payload: validate it against its subject's class
 * (a failure is logged with its reasons and counted, never handed on), then run each handler in
 * turn; a handler that throws is logged and counted, and the others still run.
 */
export async function deliver(
  subject: BusEventName,
  received: unknown,
  handlers: readonly Handler[],
  counters: BusCounters,
  logger: Pick<LogSink, 'warn' | 'error'>,
): Promise<void> {
  const validated = validateBusEvent(subject, received);
  if (!validated.ok) {
    counters.count('rejected', subject);
    logger.warn(`bus: rejected ${subject}: ${validated.errors.join('; ')}`);
    return;
  }
  for (const handler of handlers) {
    try {
      await handler(validated.value);
      counters.count('delivered', subject);
    } catch (error) {
      counters.count('handlerErrors', subject);
      logger.error(`bus: a ${subject} handler failed: ${errorMessage(error)}`);
    }
  }
}
