import type { ChannelType, NotificationRuleType } from '@app/config';
import type { DeliveryStatus } from '@app/contracts';
import type { AlertMarket } from './alert-event.js';

/** One delivery as the dispatcher keeps it up to date (times in ms). */
export interface DeliveryRecord {
  readonly id: string;
  readonly channel: string;
  readonly channelType: ChannelType;
  readonly rule: string;
  readonly ruleType: NotificationRuleType;
  readonly market: AlertMarket;
  readonly state: string;
  readonly title: string;
  readonly firedAt: number;
  status: DeliveryStatus;
  attempts: number;
  /** The last attempt's failure, secrets masked; null until one fails. */
  lastError: string | null;
  updatedAt: number;
  deliveredAt: number | null;
}

/** A delivery as GET /v1/alerts shows it. */
export interface DeliveryView extends Omit<DeliveryRecord, 'firedAt' | 'updatedAt' | 'deliveredAt'> {
  readonly firedAt: string;
  readonly updatedAt: string;
  readonly deliveredAt: string | null;
}

export interface DeliveryQuery {
  readonly limit: number;
  readonly status?: DeliveryStatus | undefined;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * The most recent deliveries of every channel, in a ring of fixed size: the oldest is forgotten
 * when a new one comes. In memory, per replica, since it started: GET /v1/alerts is an operator's
 * view of what this gateway sent lately; the counters in /metrics are the lasting record.
 */
export class DeliveryLog {
  readonly #ring: (DeliveryRecord | undefined)[];
  #next = 0;

  constructor(readonly capacity: number) {
    this.#ring = new Array<DeliveryRecord | undefined>(capacity);
  }

  add(record: DeliveryRecord): void {
    this.#ring[this.#next] = record;
    this.#next = (this.#next + 1) % this.capacity;
  }

  /** Newest first, the ones in `status` only when given. */
  list(query: DeliveryQuery): DeliveryView[] {
    const views: DeliveryView[] = [];
    for (let back = 1; back <= this.capacity && views.length < query.limit; back++) {
      const record = this.#ring[(this.#next - back + this.capacity) % this.capacity];
      if (record === undefined) break;
      if (query.status === undefined || record.status === query.status) views.push(viewOf(record));
    }
    return views;
  }
}

function viewOf(record: DeliveryRecord): DeliveryView {
  return {
    ...record,
    market: { ...record.market },
    firedAt: iso(record.firedAt),
    updatedAt: iso(record.updatedAt),
    deliveredAt: record.deliveredAt === null ? null : iso(record.deliveredAt),
  };
}
