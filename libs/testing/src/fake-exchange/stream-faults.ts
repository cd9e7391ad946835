import type { TopicFrame } from './stream-protocol.js';
import type { StreamFaultKind, StreamFaultOptions, StreamFaultSpec, StreamVenue } from './stream-types.js';
import type { FakeExchangeId } from './types.js';

interface QueuedStreamFault {
  readonly spec: StreamFaultSpec;
  readonly topic: RegExp | undefined;
  readonly venue: StreamVenue | undefined;
  remaining: number;
}

const ONE_SHOT: readonly StreamFaultKind[] = ['reorder', 'duplicate', 'bookGap', 'malformed'];

/** Where a fault is looked for: a socket's venue and a topic (or, for pongs, all the socket's topics). */
export interface StreamFaultTarget {
  readonly venue: StreamVenue;
  readonly topics: readonly string[];
}

/**
 * Programmed stream faults per exchange, in insertion order. One-shot kinds default to one use;
 * `silence`, `refuseSubscription` and `noPong` stay until cleared unless `times` says otherwise.
 */
export class StreamFaultBook {
  private readonly queues: Record<FakeExchangeId, QueuedStreamFault[]> = { binance: [], bybit: [] };

  add(exchange: FakeExchangeId, spec: StreamFaultSpec, options: StreamFaultOptions = {}): void {
    if (options.times !== undefined && (!Number.isInteger(options.times) || options.times < 1)) {
      throw new Error(`stream fault times must be a positive integer, got ${options.times}`);
    }
    const fallback = ONE_SHOT.includes(spec.kind) ? 1 : Infinity;
    this.queues[exchange].push({
      spec,
      topic: options.topic,
      venue: options.venue,
      remaining: options.times ?? fallback,
    });
  }

  /** The first fault of `kind` matching the target, consumed once. */
  take(
    exchange: FakeExchangeId,
    kind: StreamFaultKind,
    target: StreamFaultTarget,
  ): StreamFaultSpec | undefined {
    const queue = this.queues[exchange];
    const index = queue.findIndex((f) => f.spec.kind === kind && matches(f, target));
    const fault = queue[index];
    if (fault === undefined) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) queue.splice(index, 1);
    return fault.spec;
  }

  /** Whether a fault of `kind` matches, without consuming it. */
  has(exchange: FakeExchangeId, kind: StreamFaultKind, target: StreamFaultTarget): boolean {
    return this.queues[exchange].some((f) => f.spec.kind === kind && matches(f, target));
  }

  /** Pings go unanswered: a `noPong`, or a `silence` with `pongs: false`, matching the socket. */
  pongsBlocked(exchange: FakeExchangeId, target: StreamFaultTarget): boolean {
    return this.queues[exchange].some(
      (f) =>
        (f.spec.kind === 'noPong' || (f.spec.kind === 'silence' && f.spec.pongs === false)) &&
        matches(f, target),
    );
  }

  pending(exchange: FakeExchangeId): number {
    return this.queues[exchange].length;
  }

  clear(exchange?: FakeExchangeId): void {
    for (const id of exchange === undefined ? (['binance', 'bybit'] as const) : [exchange]) {
      this.queues[id].length = 0;
    }
  }
}

/** A fault without a topic matches everything; with one, any of the target's topics. */
export function matches(
  fault: { readonly topic: RegExp | undefined; readonly venue: StreamVenue | undefined },
  target: StreamFaultTarget,
): boolean {
  if (fault.venue !== undefined && fault.venue !== target.venue) return false;
  const { topic } = fault;
  if (topic === undefined) return true;
  return target.topics.some((name) => {
    topic.lastIndex = 0;
    return topic.test(name);
  });
}

/**
 * The frames a socket gets for `frames` (in time order) under the exchange's data faults:
 * `silence` drops, `reorder` swaps pairs of a topic's frames, `malformed` cuts a frame in half
 * (no longer a close), `duplicate` repeats one. Free when no fault is queued.
 */
export function applyStreamFaults(
  faults: StreamFaultBook,
  socket: { readonly exchange: FakeExchangeId; readonly venue: StreamVenue },
  frames: readonly TopicFrame[],
): readonly TopicFrame[] {
  const { exchange, venue } = socket;
  if (faults.pending(exchange) === 0) return frames;
  const target = (topic: string): StreamFaultTarget => ({ venue, topics: [topic] });
  const kept = frames.filter((f) => !faults.has(exchange, 'silence', target(f.topic)));
  const byTopic = new Map<string, number[]>();
  kept.forEach((f, i) => {
    if (!faults.has(exchange, 'reorder', target(f.topic))) return;
    byTopic.set(f.topic, [...(byTopic.get(f.topic) ?? []), i]);
  });
  for (const [topic, indexes] of byTopic) {
    for (let k = 0; k + 1 < indexes.length; k += 2) {
      if (faults.take(exchange, 'reorder', target(topic)) === undefined) break;
      const a = indexes[k] as number;
      const b = indexes[k + 1] as number;
      [kept[a], kept[b]] = [kept[b] as TopicFrame, kept[a] as TopicFrame];
    }
  }
  const out: TopicFrame[] = [];
  for (const frame of kept) {
    const broken = faults.take(exchange, 'malformed', target(frame.topic)) !== undefined;
    const sent = broken
      ? {
          time: frame.time,
          topic: frame.topic,
          text: frame.text.slice(0, Math.max(1, Math.floor(frame.text.length / 2))),
        }
      : frame;
    out.push(sent);
    if (faults.take(exchange, 'duplicate', target(frame.topic)) !== undefined) out.push(sent);
  }
  return out;
}
