import { ANALYSIS_EVENT_PAYLOADS } from './analysis-events.js';
import { type EventData, validatePayload, type Validated } from './event-validation.js';
import { compileFastCheck, type FastCheck } from './fast-validation.js';
import type { BusEventName, MarketEventName } from './event-names.js';
import { MARKET_EVENT_PAYLOADS } from './market-events.js';

const BUS_EVENT_PAYLOADS = { ...MARKET_EVENT_PAYLOADS, ...ANALYSIS_EVENT_PAYLOADS } as const;

/** Each subject's compiled check of a valid payload (null: always the full path), built once at load. */
const FAST_CHECKS: Readonly<Record<string, FastCheck | null>> = Object.freeze(
  Object.fromEntries(Object.entries(BUS_EVENT_PAYLOADS).map(([name, cls]) => [name, compileFastCheck(cls)])),
);

export type BusEventPayload<N extends BusEventName> = InstanceType<(typeof BUS_EVENT_PAYLOADS)[N]>;

/** What a publisher hands the bus for `N`: plain data of the event's class. */
export type BusEventData<N extends BusEventName> = EventData<BusEventPayload<N>>;

/** Validates a received payload against its subject's class (the bus does this on every receipt). */
export function validateBusEvent<N extends BusEventName>(
  name: N,
  payload: unknown,
): Validated<BusEventPayload<N>> {
  const payloadClass: new () => object = BUS_EVENT_PAYLOADS[name];
  return validatePayload(payloadClass, payload, FAST_CHECKS[name] ?? null) as Validated<BusEventPayload<N>>;
}

/** Market events only (market-data and its tests validate what they publish). */
export function validateMarketEvent<N extends MarketEventName>(
  name: N,
  payload: unknown,
): Validated<BusEventPayload<N>> {
  return validateBusEvent(name, payload);
}
