import {
  type BusHandler,
  type BusStats,
  EventBus,
  type EventData,
  type MarketEventName,
  type MarketEventPayload,
  validateMarketEvent,
} from '@app/contracts';

export interface BusLogger {
  warn(message: string): void;
  error(message: string): void;
}

type AnyHandler = (payload: unknown) => void | Promise<void>;

/**
 * The bus of local mode: one process, no transport. It still copies and validates every payload
 * on receipt, as the Redis bus does, so local mode cannot hide a contract bug that distributed
 * mode would hit. Handlers run in subscription order; `publish` resolves when they are done,
 * which is the backpressure of local mode. A handler that throws is logged and counted; the
 * publisher and the other handlers go on.
 */
export class InProcessEventBus extends EventBus {
  readonly #handlers = new Map<string, AnyHandler[]>();
  readonly #counters = {
    published: new Map<string, number>(),
    delivered: new Map<string, number>(),
    rejected: new Map<string, number>(),
    handlerErrors: new Map<string, number>(),
  };

  constructor(private readonly logger: BusLogger) {
    super();
  }

  override async publish<N extends MarketEventName>(
    name: N,
    payload: EventData<MarketEventPayload<N>>,
  ): Promise<void> {
    increment(this.#counters.published, name);
    const handlers = this.#handlers.get(name);
    if (handlers === undefined || handlers.length === 0) return;
    // The wire copy: what a remote subscriber would parse.
    const received: unknown = JSON.parse(JSON.stringify(payload));
    const validated = validateMarketEvent(name, received);
    if (!validated.ok) {
      increment(this.#counters.rejected, name);
      this.logger.warn(`bus: rejected ${name}: ${validated.errors.join('; ')}`);
      return;
    }
    for (const handler of [...handlers]) {
      try {
        await handler(validated.value);
        increment(this.#counters.delivered, name);
      } catch (error) {
        increment(this.#counters.handlerErrors, name);
        this.logger.error(
          `bus: a ${name} handler failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }

  override subscribe<N extends MarketEventName>(name: N, handler: BusHandler<N>): () => void {
    const list = this.#handlers.get(name) ?? [];
    const entry = handler as AnyHandler;
    list.push(entry);
    this.#handlers.set(name, list);
    return () => {
      const current = this.#handlers.get(name) ?? [];
      this.#handlers.set(
        name,
        current.filter((item) => item !== entry),
      );
    };
  }

  override stats(): BusStats {
    return {
      published: Object.fromEntries(this.#counters.published),
      delivered: Object.fromEntries(this.#counters.delivered),
      rejected: Object.fromEntries(this.#counters.rejected),
      handlerErrors: Object.fromEntries(this.#counters.handlerErrors),
    };
  }
}

function increment(counter: Map<string, number>, key: string): void {
  counter.set(key, (counter.get(key) ?? 0) + 1);
}
