import { describe, expect, it } from '@jest/globals';
import { publishPersistently } from './persistent-publish.js';

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
