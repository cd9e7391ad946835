import type { EventData, MarketEventName, MarketEventPayload } from './market-events.js';

export type BusHandler<N extends MarketEventName> = (payload: MarketEventPayload<N>) => void | Promise<void>;

/** Counters every bus keeps, by subject; readiness and metrics read them. */
export interface BusStats {
  readonly published: Readonly<Record<string, number>>;
  readonly delivered: Readonly<Record<string, number>>;
  /** Messages refused on receipt because they failed validation (never handed to a handler). */
  readonly rejected: Readonly<Record<string, number>>;
  /** Handlers that threw; the message is logged and the subscriber keeps running. */
  readonly handlerErrors: Readonly<Record<string, number>>;
}

/**
 * The one bus interface the apps publish and subscribe through (an abstract class so Nest can
 * inject it by type). Payloads are validated on receipt, whatever the transport: a subscriber
 * only ever sees a payload that passed its event's class.
 */
export abstract class EventBus {
  abstract publish<N extends MarketEventName>(
    name: N,
    payload: EventData<MarketEventPayload<N>>,
  ): Promise<void>;
  /** Returns the function that unsubscribes. */
  abstract subscribe<N extends MarketEventName>(name: N, handler: BusHandler<N>): () => void;
  abstract stats(): BusStats;
}
