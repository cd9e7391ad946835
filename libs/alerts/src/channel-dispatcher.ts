import { backoffDelay, type Clock, DeliveryStatus, errorMessage, type LogSink } from '@app/contracts';
import { type AlertEvent, marketKey, marketLabel } from './alert-event.js';
import { renderRequest } from './channels/channel-requests.js';
import { type ChannelTarget, redactedUrl, withoutSecrets } from './channels/channel-target.js';
import { type AlertTransport, type ChannelAnswer, retryAfterMs } from './channels/http-transport.js';
import type { DeliveryLog, DeliveryRecord } from './delivery-log.js';
import { DedupeWindow, RateWindow } from './rate-window.js';

/** Final outcomes a channel counts (`confluence_alert_deliveries_total{outcome}`). */
export const DELIVERY_OUTCOMES = [
  DeliveryStatus.Delivered,
  DeliveryStatus.Failed,
  DeliveryStatus.Deduped,
  DeliveryStatus.RateLimited,
  DeliveryStatus.Dropped,
] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];

export interface ChannelStatus {
  readonly name: string;
  readonly type: ChannelTarget['type'];
  /** Deliveries waiting or being attempted. */
  readonly depth: number;
  readonly outcomes: Readonly<Record<DeliveryOutcome, number>>;
  /** Attempts after a first that failed. */
  readonly retries: number;
}

/**
 * A dedupe claim every gateway replica sees (Redis), so replicas that all hear the same event send
 * it once; false when another replica claimed the key within the window.
 */
export interface SharedDedupe {
  claim(key: string, windowMs: number): Promise<boolean>;
}

export interface DispatcherDeps {
  readonly clock: Clock;
  readonly transport: AlertTransport;
  readonly log: DeliveryLog;
  readonly logger: LogSink;
  /** Jitter in [0, 1). */
  readonly random: () => number;
  readonly newId: () => string;
  readonly shared?: SharedDedupe | undefined;
}

interface Pending {
  readonly record: DeliveryRecord;
  readonly event: AlertEvent;
}

type AttemptResult =
  | { readonly kind: 'answer'; readonly answer: ChannelAnswer }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'timeout' };

/** 429 and 5xx are the receiver's passing trouble; other 4xx say the request itself is wrong. */
const retryable = (status: number): boolean => status === 429 || status >= 500;

/**
 * Delivers one channel's alerts, never holding up whoever submits them: `submit` decides at once
 * (deduped, rate-limited, dropped when the queue is full, else queued) and returns; one loop per
 * channel sends the queue in order, each attempt bounded by the timeout, failures retried with
 * exponential backoff and full jitter up to `maxAttempts`, then given up, logged and counted. A
 * channel that hangs fills its own queue only.
 */
export class ChannelDispatcher {
  readonly #queue: Pending[] = [];
  readonly #dedupe: DedupeWindow;
  readonly #rate: RateWindow;
  readonly #outcomes: Record<DeliveryOutcome, number> = {
    delivered: 0,
    failed: 0,
    deduped: 0,
    'rate-limited': 0,
    dropped: 0,
  };
  readonly #stopping = new AbortController();
  #retries = 0;
  #busy = false;
  #loop: Promise<void> = Promise.resolve();

  constructor(
    readonly target: ChannelTarget,
    private readonly deps: DispatcherDeps,
  ) {
    const { dedupeSeconds, rateLimit } = target.delivery;
    this.#dedupe = new DedupeWindow(dedupeSeconds * 1000);
    this.#rate = new RateWindow(rateLimit.limit, rateLimit.perSeconds * 1000);
  }

  /** Takes one alert for this channel; returns at once with what became of it. */
  submit(event: AlertEvent): DeliveryRecord {
    const now = this.deps.clock.now();
    const record: DeliveryRecord = {
      id: this.deps.newId(),
      channel: this.target.name,
      channelType: this.target.type,
      rule: event.rule,
      ruleType: event.type,
      market: event.market,
      state: event.state,
      title: event.title,
      firedAt: event.firedAt,
      status: DeliveryStatus.Queued,
      attempts: 0,
      lastError: null,
      updatedAt: now,
      deliveredAt: null,
    };
    this.deps.log.add(record);
    if (this.#stopping.signal.aborted)
      this.#settle(record, DeliveryStatus.Dropped, 'the gateway is stopping');
    else if (!this.#dedupe.tryAccept(dedupeKey(event), now))
      this.#settle(record, DeliveryStatus.Deduped, null);
    else if (!this.#rate.tryTake(now)) this.#settle(record, DeliveryStatus.RateLimited, null);
    else if (this.#queue.length >= this.target.delivery.queueSize)
      this.#settle(record, DeliveryStatus.Dropped, `queue full (${this.target.delivery.queueSize})`);
    else {
      this.#queue.push({ record, event });
      if (!this.#busy) this.#loop = this.#drain();
    }
    return record;
  }

  status(): ChannelStatus {
    return {
      name: this.target.name,
      type: this.target.type,
      depth: this.#queue.length + (this.#busy ? 1 : 0),
      outcomes: { ...this.#outcomes },
      retries: this.#retries,
    };
  }

  /** Stops at once: the attempt and backoff in progress are cut short, what waits is dropped. */
  async stop(): Promise<void> {
    this.#stopping.abort();
    await this.#loop;
  }

  async #drain(): Promise<void> {
    this.#busy = true;
    try {
      for (let next = this.#queue.shift(); next !== undefined; next = this.#queue.shift()) {
        if (this.#stopping.signal.aborted)
          this.#settle(next.record, DeliveryStatus.Dropped, 'the gateway stopped');
        else await this.#deliver(next);
      }
    } finally {
      this.#busy = false;
    }
  }

  async #deliver({ record, event }: Pending): Promise<void> {
    const { delivery } = this.target;
    if (!(await this.#claimShared(event))) {
      this.#settle(record, DeliveryStatus.Deduped, null);
      return;
    }
    for (let attempt = 1; attempt <= delivery.maxAttempts; attempt++) {
      record.attempts = attempt;
      const result = await this.#attempt(record, event);
      if (result.kind === 'answer' && result.answer.status >= 200 && result.answer.status < 300) {
        record.deliveredAt = this.deps.clock.now();
        // What made earlier attempts fail stays visible beside the delivery.
        this.#settle(record, DeliveryStatus.Delivered, record.lastError);
        return;
      }
      if (this.#stopping.signal.aborted) {
        this.#settle(record, DeliveryStatus.Dropped, 'the gateway stopped before it was delivered');
        return;
      }
      record.lastError = this.#describe(result);
      const again =
        attempt < delivery.maxAttempts && (result.kind !== 'answer' || retryable(result.answer.status));
      if (!again) break;
      record.status = DeliveryStatus.Retrying;
      record.updatedAt = this.deps.clock.now();
      this.#retries += 1;
      await this.deps.clock.sleep(this.#pause(attempt, result), this.#stopping.signal);
    }
    this.#settle(record, DeliveryStatus.Failed, record.lastError);
    this.deps.logger.warn(
      `alert ${record.id} to ${this.target.type} channel ${this.target.name} (${redactedUrl(this.target.url)}) ` +
        `failed after ${record.attempts} attempt(s): ${record.lastError ?? 'unknown'} — ${record.rule}, ${marketLabel(record.market)}`,
    );
  }

  /** Across replicas; a Redis that cannot answer does not stop the alert (it may then go twice). */
  async #claimShared(event: AlertEvent): Promise<boolean> {
    const windowMs = this.target.delivery.dedupeSeconds * 1000;
    if (this.deps.shared === undefined || windowMs === 0) return true;
    try {
      return await this.deps.shared.claim(`${this.target.name}|${dedupeKey(event)}`, windowMs);
    } catch (error) {
      this.deps.logger.warn(`alert dedupe claim failed, sending anyway: ${errorMessage(error)}`);
      return true;
    }
  }

  /** One attempt, bounded by the channel's timeout on the clock. */
  async #attempt(record: DeliveryRecord, event: AlertEvent): Promise<AttemptResult> {
    const request = renderRequest(this.target, { id: record.id, event }, this.deps.clock.now());
    const cancel = new AbortController();
    const timer = new AbortController();
    const signal = AbortSignal.any([cancel.signal, this.#stopping.signal]);
    const sent = this.deps.transport(request, signal).then(
      (answer): AttemptResult => ({ kind: 'answer', answer }),
      (error: unknown): AttemptResult => ({ kind: 'error', message: errorMessage(error) }),
    );
    const timedOut = this.deps.clock
      .sleep(this.target.delivery.timeoutMs, AbortSignal.any([timer.signal, this.#stopping.signal]))
      .then((): AttemptResult => ({ kind: 'timeout' }));
    try {
      const first = await Promise.race([sent, timedOut]);
      if (first.kind === 'timeout') {
        cancel.abort();
        await sent;
      }
      return first;
    } finally {
      timer.abort();
    }
  }

  /** The backoff before the next attempt; a `Retry-After` within the cap is honoured instead. */
  #pause(attempt: number, result: AttemptResult): number {
    const { retryBaseMs, retryMaxMs } = this.target.delivery;
    const asked =
      result.kind === 'answer' ? retryAfterMs(result.answer.retryAfter, this.deps.clock.now()) : null;
    if (asked !== null) return Math.min(asked, retryMaxMs);
    return backoffDelay(attempt - 1, { baseMs: retryBaseMs, maxMs: retryMaxMs }, this.deps.random);
  }

  #describe(result: AttemptResult): string {
    const text =
      result.kind === 'timeout'
        ? `no answer within ${this.target.delivery.timeoutMs} ms`
        : result.kind === 'error'
          ? result.message
          : `HTTP ${result.answer.status}${result.answer.body.trim() === '' ? '' : `: ${result.answer.body.trim().slice(0, 200)}`}`;
    return withoutSecrets(text, this.target.secrets);
  }

  #settle(record: DeliveryRecord, status: DeliveryOutcome, error: string | null): void {
    record.status = status;
    record.lastError = error;
    record.updatedAt = this.deps.clock.now();
    this.#outcomes[status] += 1;
  }
}

/** Same rule, market and state: one delivery per dedupe window. */
export function dedupeKey(event: AlertEvent): string {
  return `${event.rule}|${marketKey(event.market)}|${event.state}`;
}
