import { describe, expect, it } from '@jest/globals';
import { type BusEventName, type BusStats, DataSource, EventBus, MarketEventName } from '@app/contracts';
import { type BusEventData } from '@app/contracts/dto';
import { PersistentPublishBus, publishPersistently } from './persistent-publish.js';

/** A publish that fails `failures` times, then records what it was given. */
function flakyBus(failures: number) {
  const bus = { attempts: 0, delivered: [] as number[] };
  const publish = (value: number) => async (): Promise<void> => {
    await Promise.resolve();
    bus.attempts++;
    if (bus.attempts <= failures) throw new Error(`ECONNREFUSED (attempt ${bus.attempts})`);
    bus.delivered.push(value);
  };
  return { bus, publish };
}

describe('publishPersistently', () => {
  it('waits out an outage with capped exponential backoff, delivering once and saying so', async () => {
    const { bus, publish } = flakyBus(5);
    const waits: number[] = [];
    const failures: string[] = [];
    const recovered: number[] = [];

    await publishPersistently(publish(7), {
      baseMs: 100,
      maxMs: 500,
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
      onFailure: (error) => failures.push((error as Error).message),
      onRecovered: (count) => recovered.push(count),
    });

    expect(bus.delivered).toEqual([7]);
    expect(waits).toEqual([100, 200, 400, 500, 500]);
    // One warning per outage, not one per attempt.
    expect(failures).toEqual(['ECONNREFUSED (attempt 1)']);
    expect(recovered).toEqual([5]);
  });

  it('publishes at once, with no wait and no report, when the bus answers', async () => {
    const { bus, publish } = flakyBus(0);
    const events: string[] = [];

    await publishPersistently(publish(1), {
      baseMs: 100,
      maxMs: 500,
      sleep: () => Promise.reject(new Error('must not wait')),
      onFailure: () => events.push('failure'),
      onRecovered: () => events.push('recovered'),
    });

    expect(bus.delivered).toEqual([1]);
    expect(events).toEqual([]);
  });

  it('gives up with the last error when stopped during the outage', async () => {
    const { bus, publish } = flakyBus(Number.POSITIVE_INFINITY);
    const stop = new AbortController();

    await expect(
      publishPersistently(publish(1), {
        baseMs: 100,
        maxMs: 500,
        signal: stop.signal,
        sleep: () => {
          if (bus.attempts === 3) stop.abort();
          return Promise.resolve();
        },
      }),
    ).rejects.toThrow('ECONNREFUSED (attempt 3)');
    expect(bus.delivered).toEqual([]);
  });
});

describe('PersistentPublishBus', () => {
  /** A bus that refuses the first `failures` publishes, then delivers to its subscribers. */
  class FlakyBus extends EventBus {
    attempts = 0;
    readonly delivered: unknown[] = [];
    constructor(private readonly failures: number) {
      super();
    }
    publish<N extends BusEventName>(_name: N, payload: BusEventData<N>): Promise<void> {
      this.attempts++;
      if (this.attempts <= this.failures)
        return Promise.reject(new Error('Reached the max retries per request limit (which is 5)'));
      this.delivered.push(payload);
      return Promise.resolve();
    }
    subscribe(): () => void {
      return () => undefined;
    }
    stats(): BusStats {
      return { published: { x: this.delivered.length }, delivered: {}, rejected: {}, handlerErrors: {} };
    }
  }
  const candle = (timestamp: number): BusEventData<typeof MarketEventName.CandleClosed> => ({
    exchange: 'binance',
    symbol: 'BTC/USDT',
    timeframe: '1m',
    source: DataSource.Live,
    emittedAt: timestamp + 60_000,
    candle: { timestamp, open: 1, high: 1, low: 1, close: 1, volume: 1 },
  });

  it('holds a live feed through a bus outage: each candle delivered once, in order, the outage said once each way', async () => {
    const inner = new FlakyBus(3);
    const lines: string[] = [];
    const bus = new PersistentPublishBus(inner, {
      baseMs: 10,
      maxMs: 40,
      sleep: () => Promise.resolve(),
      signal: new AbortController().signal,
      label: 'binance',
      logger: { warn: (m) => lines.push(`warn ${m}`), log: (m) => lines.push(`log ${m}`) },
    });

    for (const t of [0, 60_000, 120_000]) await bus.publish(MarketEventName.CandleClosed, candle(t));

    expect(inner.delivered).toEqual([candle(0), candle(60_000), candle(120_000)]);
    expect(lines).toEqual([
      'warn binance: publish failed, waiting for the bus to answer: Reached the max retries per request limit (which is 5)',
      'log binance: bus answers again after 3 failed attempt(s)',
    ]);
    expect(bus.stats().published).toEqual({ x: 3 });
  });

  it('gives up when the feed stops, with the bus error', async () => {
    const controller = new AbortController();
    const bus = new PersistentPublishBus(new FlakyBus(Infinity), {
      baseMs: 10,
      maxMs: 40,
      sleep: () => {
        controller.abort();
        return Promise.resolve();
      },
      signal: controller.signal,
      label: 'binance',
      logger: { warn: () => undefined, log: () => undefined },
    });

    await expect(bus.publish(MarketEventName.CandleClosed, candle(0))).rejects.toThrow(/max retries/);
  });
});
