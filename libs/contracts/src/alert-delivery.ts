/**
 * Where an alert delivery stands (GET /v1/alerts). `queued` and `retrying` are on their way; the
 * rest are final: `delivered` (a 2xx answer), `failed` (attempts used up, or refused with a 4xx),
 * `deduped` (the same rule, market and state was accepted within the channel's dedupe window),
 * `rate-limited` (the channel's rate limit was reached), `dropped` (its queue was full).
 */
export const DeliveryStatus = {
  Queued: 'queued',
  Retrying: 'retrying',
  Delivered: 'delivered',
  Failed: 'failed',
  Deduped: 'deduped',
  RateLimited: 'rate-limited',
  Dropped: 'dropped',
} as const;
export type DeliveryStatus = (typeof DeliveryStatus)[keyof typeof DeliveryStatus];
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = Object.freeze(Object.values(DeliveryStatus));
