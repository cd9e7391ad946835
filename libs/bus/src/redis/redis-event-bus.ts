import type { Redis } from 'ioredis';
import { EventBus, isBusEventName, isMarketEventName, errorMessage } from '@app/contracts';
import { BusCounters, deliver } from '../bus-counters.js';

import type { RedisKeys } from './redis-keys.js';
import type { LogSink, BusEventName, BusHandler, BusStats } from '@app/contracts';
import type { BusEventData } from '@app/contracts/dto';

export interface RedisEventBusOptions {
  /** Commands connection (publishing, the market logs). */
  readonly publisher: Redis;
  /** A connection in subscriber mode (Redis allows nothing else on it). */
  readonly subscriber: Redis;
  readonly keys: RedisKeys;
  /** Entries kept per market log (approximate trimming, `MAXLEN ~`). */
  readonly streamMaxLength: number;
  readonly logger: Pick<LogSink, 'warn' | 'error'>;
}

type AnyHandler = (payload: unknown) => void | Promise<void>;

/**
 * The distributed mode's bus on Redis. A market event is appended to its market's stream (the
 * durable log analysis workers read from their checkpoints) and broadcast on its subject's
 * channel in the same MULTI; analysis events are broadcast only. Every received message is
 * parsed and validated before a handler sees it; a malformed one is logged, counted and dropped.
 * Messages are handled one at a time in arrival order.
 */
export class RedisEventBus extends EventBus {
  readonly #handlers = new Map<string, AnyHandler[]>();
  readonly #counters = new BusCounters();
  readonly #subscribing = new Set<Promise<unknown>>();
  #delivering: Promise<void> = Promise.resolve();

  constructor(private readonly options: RedisEventBusOptions) {
    super();
    options.subscriber.on('message', (channel: string, message: string) => {
      // The chain must survive any one message, or every later message would be dropped.
      this.#delivering = this.#delivering
        .then(() => this.#deliver(channel, message))
        .catch((error: unknown) => {
          options.logger.error(`bus: delivering a message on ${channel} failed: ${errorMessage(error)}`);
        });
    });
  }

  override async publish<N extends BusEventName>(name: N, payload: BusEventData<N>): Promise<void> {
    const { publisher, keys, streamMaxLength } = this.options;
    const json = JSON.stringify(payload);
    if (isMarketEventName(name)) {
      const market = payload as { exchange: string; symbol: string };
      const results = await publisher
        .multi()
        .xadd(keys.stream(market), 'MAXLEN', '~', streamMaxLength, '*', 'name', name, 'payload', json)
        .publish(keys.channel(name), json)
        .exec();
      const failed = results?.find(([error]) => error !== null)?.[0];
      if (failed) throw failed;
      if (results === null) throw new Error(`publishing ${name}: the transaction was aborted`);
    } else {
      await publisher.publish(keys.channel(name), json);
    }
    this.#counters.count('published', name);
  }

  override subscribe<N extends BusEventName>(name: N, handler: BusHandler<N>): () => void {
    const list = this.#handlers.get(name) ?? [];
    const entry = handler as AnyHandler;
    if (list.length === 0) this.#track(this.options.subscriber.subscribe(this.options.keys.channel(name)));
    list.push(entry);
    this.#handlers.set(name, list);
    return () => {
      const rest = (this.#handlers.get(name) ?? []).filter((item) => item !== entry);
      this.#handlers.set(name, rest);
      if (rest.length === 0)
        this.#track(this.options.subscriber.unsubscribe(this.options.keys.channel(name)));
    };
  }

  /** Resolves once every SUBSCRIBE so far is in effect (messages published after it will arrive). */
  async ready(): Promise<void> {
    await Promise.all([...this.#subscribing]);
  }

  /** Resolves once every message received so far has been handled. */
  async idle(): Promise<void> {
    await this.#delivering;
  }

  override stats(): BusStats {
    return this.#counters.snapshot();
  }

  #track(pending: Promise<unknown>): void {
    const settled = pending.then(
      () => undefined,
      (error: unknown) => {
        this.options.logger.error(`bus: subscribing failed: ${errorMessage(error)}`);
      },
    );
    this.#subscribing.add(settled);
    void settled.finally(() => this.#subscribing.delete(settled));
  }

  async #deliver(channel: string, message: string): Promise<void> {
    const subject = this.options.keys.subjectOf(channel);
    if (subject === null || !isBusEventName(subject)) return;
    const handlers = this.#handlers.get(subject);
    if (handlers === undefined || handlers.length === 0) return;
    const parsed = parseJson(message);
    if (!parsed.ok) {
      this.#counters.count('rejected', subject);
      this.options.logger.warn(`bus: rejected ${subject}: ${parsed.errors.join('; ')}`);
      return;
    }
    await deliver(subject, parsed.value, [...handlers], this.#counters, this.options.logger);
  }
}

export function parseJson(
  text: string,
):
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly errors: readonly string[] } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, errors: [`payload: not JSON (${errorMessage(error)})`] };
  }
}
