import { type BusEventName, type BusHandler, type BusStats, EventBus } from '@app/contracts';
import { type BusEventData } from '@app/contracts/dto';

/** Told of each event once its publish went through. */
export type PublishedListener = <N extends BusEventName>(name: N, payload: BusEventData<N>) => void;

/**
 * The bus market-data publishes through: once a publish has gone through, what was published is
 * handed to `onPublished` (the candle and order-book recorders). They used to subscribe to the bus
 * instead; on Redis that is a pub/sub broadcast, at most once, and a candle published while the
 * subscriber reconnected after a Redis restart was in the market's log (analysed) but never
 * stored. Recording what this process published does not depend on hearing it back.
 */
export class RecordingBus extends EventBus {
  constructor(
    private readonly bus: EventBus,
    private readonly onPublished: PublishedListener,
  ) {
    super();
  }

  override async publish<N extends BusEventName>(name: N, payload: BusEventData<N>): Promise<void> {
    await this.bus.publish(name, payload);
    this.onPublished(name, payload);
  }

  override subscribe<N extends BusEventName>(name: N, handler: BusHandler<N>): () => void {
    return this.bus.subscribe(name, handler);
  }

  override stats(): BusStats {
    return this.bus.stats();
  }
}
