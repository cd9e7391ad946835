import { describe, expect, it } from '@jest/globals';
import type { AvailableOpinion, LlmOpinion, UnavailableOpinion } from '@app/contracts';
import { type StoredMarket, type StoredResult, storedResult } from '@app/persistence';
import { ManualClock } from '@app/testing';
import { LatestResults } from './latest-results.js';

/**
 * The model's opinions in the latest-result projection (`llm.opinion` from the bus): attached to
 * the held result they are about, never to another candle's or another input set's, and kept
 * when the same result is delivered again.
 */

const T0 = Date.UTC(2026, 11, 7, 12, 0);
const MINUTE = 60_000;
const BTC: StoredMarket = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' };
const INPUTS = '1'.repeat(64);
const OTHER_INPUTS = '2'.repeat(64);

function headline(candleTime: number, inputHash = INPUTS) {
  return {
    ...BTC,
    candleTime,
    computedAt: candleTime + MINUTE,
    score: 64,
    label: 'LONG',
    confidence: 30,
    coverage: 0.4,
    staleness: 0,
    engineVersion: 'test',
    configHash: '0'.repeat(64),
    inputHash,
  } as const;
}

const answer = (inputHash = INPUTS): AvailableOpinion => ({
  status: 'ok',
  signal: 'LONG',
  confidence: 0.62,
  reasoning: 'Order flow leads.',
  risks: ['a reversal'],
  agrees: true,
  model: 'gpt-4o-mini',
  promptVersion: 'opinion-v1',
  promptHash: 'c'.repeat(64),
  inputHash,
  createdAt: T0 + 2 * MINUTE,
  cached: false,
});
const noKey: UnavailableOpinion = { status: 'unavailable', reason: 'no-key', detail: 'no key' };

/** A projection fed one candle result by the bus; the store holds `inStore` (read when not projected). */
function projection(inStore: StoredResult | null = null) {
  const clock = new ManualClock(T0 + MINUTE);
  const reads: string[] = [];
  const latest = new LatestResults(
    {
      latest: (market) => {
        reads.push(market.symbol);
        return Promise.resolve(inStore);
      },
      latestForMarkets: () => Promise.resolve(inStore === null ? [] : [inStore]),
    },
    () => clock.now(),
  );
  return { latest, reads };
}

const opinionOf = (held: StoredResult | null): LlmOpinion | undefined => held?.llm;

describe('LatestResults.attachOpinion', () => {
  it('attaches an opinion to the held result of its candle and inputs, as a new object', async () => {
    const { latest, reads } = projection();
    latest.project({ ...BTC, candleTime: T0, result: headline(T0) });
    const before = await latest.get(BTC);

    expect(latest.attachOpinion({ ...BTC, candleTime: T0, inputHash: INPUTS, opinion: answer() })).toBe(true);
    const after = await latest.get(BTC);

    expect(opinionOf(after)).toEqual(answer());
    expect(after).toEqual({ ...before, llm: answer() });
    // Not the same object: what was rendered (ETag, bytes) from the old one is not reused.
    expect(after).not.toBe(before);
    expect(opinionOf(before)).toBeUndefined();
    expect(reads).toEqual([]);
  });

  it('lets an answer replace an unavailable opinion of the same result, never the other way round', async () => {
    const { latest } = projection();
    latest.project({ ...BTC, candleTime: T0, result: headline(T0) });
    expect(latest.attachOpinion({ ...BTC, candleTime: T0, inputHash: INPUTS, opinion: noKey })).toBe(true);
    expect(opinionOf(await latest.get(BTC))).toEqual(noKey);
    expect(latest.attachOpinion({ ...BTC, candleTime: T0, inputHash: INPUTS, opinion: answer() })).toBe(true);

    // A later ask that failed (budget, busy) says nothing new about the same inputs.
    expect(latest.attachOpinion({ ...BTC, candleTime: T0, inputHash: INPUTS, opinion: noKey })).toBe(false);
    expect(opinionOf(await latest.get(BTC))).toEqual(answer());
  });

  it('ignores an opinion of another candle, of other inputs, or of a stream it does not hold', async () => {
    const { latest, reads } = projection();
    latest.project({ ...BTC, candleTime: T0, result: headline(T0) });

    const refused = [
      // An older candle's opinion: it is in the store, for the history.
      { ...BTC, candleTime: T0 - MINUTE, inputHash: INPUTS, opinion: answer() },
      // The same candle re-computed with other inputs, either field naming them.
      { ...BTC, candleTime: T0, inputHash: OTHER_INPUTS, opinion: noKey },
      { ...BTC, candleTime: T0, inputHash: INPUTS, opinion: answer(OTHER_INPUTS) },
      { ...BTC, timeframe: '5m' as const, candleTime: T0, inputHash: INPUTS, opinion: answer() },
    ].map((update) => latest.attachOpinion(update));

    expect(refused).toEqual([false, false, false, false]);
    expect(opinionOf(await latest.get(BTC))).toBeUndefined();
    expect(reads).toEqual([]);
  });

  it('attaches to a result read from the store, and a redelivery of the same result keeps it', async () => {
    const { latest, reads } = projection(storedResult(headline(T0)));
    await latest.get(BTC);
    expect(reads).toEqual(['BTC/USDT']);

    expect(latest.attachOpinion({ ...BTC, candleTime: T0, inputHash: INPUTS, opinion: answer() })).toBe(true);
    latest.project({ ...BTC, candleTime: T0, result: headline(T0) });
    expect(opinionOf(await latest.get(BTC))).toEqual(answer());

    // The candle's result with other inputs is another result: the opinion goes.
    latest.project({ ...BTC, candleTime: T0, result: headline(T0, OTHER_INPUTS) });
    expect(opinionOf(await latest.get(BTC))).toBeUndefined();
    // So does it with the next candle's result.
    latest.attachOpinion({ ...BTC, candleTime: T0, inputHash: OTHER_INPUTS, opinion: noKey });
    latest.project({ ...BTC, candleTime: T0 + MINUTE, result: headline(T0 + MINUTE) });
    expect(await latest.get(BTC)).toEqual(storedResult(headline(T0 + MINUTE)));
  });
});
