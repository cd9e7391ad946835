import type { IntervalHistogram } from 'node:perf_hooks';
import type { Connection } from 'mongoose';
import { COLLECTIONS } from '@app/persistence';
import { resultKey, type ScalePlan } from './scale-baseline.js';
import { type BurstFigures, type BurstPath, type ResultTally, runBurst } from './scale-burst.js';

/** The scale benchmark's burst sequence and its check: every result published once and stored. */

/**
 * Every burst of the plan through `path`, the warm ones unmeasured; `beforeMeasured` runs once,
 * right before the first measured burst, and what it returns is called after the last one.
 */
export async function runBursts(
  plan: ScalePlan,
  path: BurstPath,
  tally: ResultTally,
  expected: readonly ReadonlySet<string>[],
  loopDelay: IntervalHistogram,
  beforeMeasured: () => Promise<(() => Promise<void>) | null>,
): Promise<{ bursts: BurstFigures[]; warmResults: number }> {
  const bursts: BurstFigures[] = [];
  let warmResults = 0;
  let after: (() => Promise<void>) | null = null;
  let started = false;
  for (const [k, closes] of plan.closes.entries()) {
    const measured = k >= plan.warmBursts;
    if (measured && !started) {
      started = true;
      after = await beforeMeasured();
    }
    const figures = await runBurst(path, tally, closes, expected[k]?.size ?? 0, measured ? loopDelay : null);
    if (measured) bursts.push(figures);
    else warmResults += figures.results;
    if (figures.timedOut) break;
  }
  await after?.();
  return { bursts, warmResults };
}

/** Lost, duplicated or unexpected results on the bus, and results missing from the store. */
export async function verifyResults(
  tally: ResultTally,
  expected: readonly ReadonlySet<string>[],
  connection: Connection,
  origin: number,
): Promise<string[]> {
  const counts = tally.counts();
  const all = new Set(expected.flatMap((keys) => [...keys]));
  const missing = [...all].filter((key) => !counts.has(key));
  const duplicated = [...counts].filter(([, n]) => n > 1).map(([key, n]) => `${key} ×${n}`);
  const unexpected = [...counts.keys()].filter((key) => !all.has(key));
  const stored = await storedResultKeys(connection, origin);
  const notStored = [...all].filter((key) => !stored.has(key));
  const faults: string[] = [];
  const fault = (list: readonly string[], what: string): void => {
    if (list.length > 0) faults.push(`${list.length} result(s) ${what}, e.g. ${list[0]}`);
  };
  fault(missing, 'never published');
  fault(duplicated, 'published more than once');
  fault(unexpected, 'published but not expected');
  fault(notStored, 'not in the store');
  return faults;
}

/** The keys of the results stored from `origin` on (the bursts' candles; candle times are BSON dates). */
async function storedResultKeys(connection: Connection, origin: number): Promise<Set<string>> {
  const docs = await connection
    .collection(COLLECTIONS.results)
    .find(
      { candleTime: { $gte: new Date(origin) } },
      { projection: { exchange: 1, symbol: 1, timeframe: 1, candleTime: 1 } },
    )
    .toArray();
  return new Set(
    docs.map((d) =>
      resultKey(
        { exchange: String(d.exchange), symbol: String(d.symbol) },
        String(d.timeframe),
        Number(d.candleTime),
      ),
    ),
  );
}
