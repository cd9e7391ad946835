import { describe, expect, it } from '@jest/globals';
import type { ValidationSample } from '@app/contracts';
import { completeInSlices, RecentAnswers, samplesDigest } from './performance-answers.js';

const sample = (minute: number, overrides: Partial<ValidationSample> = {}): ValidationSample => ({
  exchange: 'binance',
  symbol: 'BTC/USDT',
  timeframe: '1m',
  candleTime: Date.UTC(2021, 1, 19) + minute * 60_000,
  close: 51_000 + minute,
  score: 50 + minute / 10,
  label: 'NEUTRAL',
  components: { technical: 55 },
  inputHash: 'a'.repeat(64),
  ...overrides,
});

describe('RecentAnswers', () => {
  it('computes a key once, even for concurrent askers, and keeps the most recently used', async () => {
    const answers = new RecentAnswers<string>(2);
    let computed = 0;
    const compute = (value: string) => () => {
      computed++;
      return Promise.resolve(value);
    };

    const [a, again] = [answers.get('a', compute('A')), answers.get('a', compute('other'))];
    expect(await Promise.all([a, again])).toEqual(['A', 'A']);
    await answers.get('b', compute('B'));
    await answers.get('a', compute('A2')); // `a` is now the most recent: `b` goes first
    await answers.get('c', compute('C'));
    expect(computed).toBe(3);

    expect(await answers.get('a', compute('A3'))).toBe('A');
    expect(await answers.get('b', compute('B2'))).toBe('B2');
    expect(computed).toBe(4);
  });

  it('forgets a failed answer, so the next ask tries again', async () => {
    const answers = new RecentAnswers<string>(4);
    await expect(answers.get('k', () => Promise.reject(new Error('store down')))).rejects.toThrow(
      'store down',
    );

    expect(await answers.get('k', () => Promise.resolve('fine'))).toBe('fine');
  });
});

describe('samplesDigest', () => {
  it('is equal for equal samples and differs for any value the statistics read', () => {
    const base = [sample(0), sample(1), sample(2)];
    const digest = samplesDigest(base);

    expect(samplesDigest([sample(0), sample(1), sample(2)])).toBe(digest);
    for (const changed of [
      { close: 51_001.5 },
      { score: 50.2000001 },
      { label: 'LONG' as const },
      { llm: { label: 'SHORT' as const } },
      { llm: { label: 'NEUTRAL' as const, blended: 'SHORT' as const } },
      { components: { technical: 55, volume: 40 } },
      { candleTime: sample(3).candleTime },
    ])
      expect(samplesDigest([sample(0), sample(1, changed), sample(2)])).not.toBe(digest);
    expect(samplesDigest(base.slice(0, 2))).not.toBe(digest);
  });
});

describe('completeInSlices', () => {
  it('returns the generator’s value, letting other work run between its steps', async () => {
    const order: string[] = [];
    function* steps(): Generator<void, number> {
      order.push('step 1');
      yield;
      order.push('step 2');
      yield;
      order.push('step 3');
      return 42;
    }
    setImmediate(() => order.push('other work'));

    expect(await completeInSlices(steps())).toBe(42);
    expect(order).toEqual(['step 1', 'other work', 'step 2', 'step 3']);
  });
});
