import { EventBus } from '@app/contracts';
import { BusCounters, deliver } from './bus-counters.js';
import type { LogSink, BusEventName, BusHandler, BusStats } from '@app/contracts';
import type { BusEventData } from '@app/contracts/dto';

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
  readonly #counters = new BusCounters();

  constructor(private readonly logger: Pick<LogSink, 'warn' | 'error'>) {
    super();
  }

  override async publish<N extends BusEventName>(name: N, payload: BusEventData<N>): Promise<void> {
    this.#counters.count('published', name);
    const handlers = this.#handlers.get(name);
    if (handlers === undefined || handlers.length === 0) return;
    // The wire copy: what a remote subscriber would parse.
    const received: unknown = JSON.parse(JSON.stringify(payload));
    await deliver(name, received, [...handlers], this.#counters, this.logger);
  }

  override subscribe<N extends BusEventName>(name: N, handler: BusHandler<N>): () => void {
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
    return this.#counters.snapshot();
  }
}
