import type { BusStats } from '@app/contracts';

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
