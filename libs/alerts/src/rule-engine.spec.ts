import { describe, expect, it } from '@jest/globals';
import type { Signal, StreamRef } from '@app/contracts';
import type { AlertEvent } from './alert-event.js';
import type { LabelChange, OpinionObservation, ResultObservation } from './observations.js';
import { AlertRuleEngine } from './rule-engine.js';
import { loadNotifications } from './testing/notifications-kit.js';

/**
 * The rules over observations, on rules loadConfig validated (defaults filled): each fires once per
 * crossing, hysteresis decides when it may fire again, and redelivered observations change nothing.
 */

const START = Date.UTC(2024, 0, 1);
const BTC_1M: StreamRef = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' };
const MINUTE = 60_000;

/** An engine over `rules` (YAML list items under `rules:`) with one channel, and what it fires. */
function engineOf(rules: string) {
  const { notifications } = loadNotifications(
    `  channels:\n    - { name: hook, type: webhook, url: 'http://127.0.0.1:9/', secretEnv: HOOK_SECRET }\n  rules:\n${rules}`,
  );
  const fired: AlertEvent[] = [];
  let now = START;
  const engine = new AlertRuleEngine(
    notifications.rules,
    (event) => fired.push(event),
    () => now,
  );
  return {
    engine,
    fired,
    at: (ms: number) => {
      now = START + ms;
    },
  };
}

/** A candle result of BTC/USDT 1m, the n-th candle (one a minute), with this score and coverage. */
function result(n: number, score: number, coverage = 1, stream: StreamRef = BTC_1M): ResultObservation {
  return { ...stream, candleTime: START + n * MINUTE, score, label: 'NEUTRAL', confidence: 40, coverage };
}

/** Feeds scores one candle after another; returns the direction of each fired alert by candle index. */
function feedScores(engine: AlertRuleEngine, fired: AlertEvent[], scores: readonly number[]): string[] {
  return scores.flatMap((score, n) => {
    const before = fired.length;
    engine.result(result(n, score));
    return fired.slice(before).map((event) => `${n}:${event.state}`);
  });
}

describe('score-cross', () => {
  it('fires once per upward crossing, and again only after the score went back under threshold − hysteresis', () => {
    const { engine, fired } = engineOf(
      '    - { name: strong, type: score-cross, threshold: 70, direction: up, hysteresis: 5, channels: [hook] }\n',
    );

    // 60 starts below; 72 crosses; 75, 68, 71 stay above 65 (not re-armed); 64 re-arms; 70 crosses.
    expect(feedScores(engine, fired, [60, 72, 75, 68, 71, 64, 70])).toEqual(['1:above', '6:above']);
    expect(fired[0]).toMatchObject({
      rule: 'strong',
      type: 'score-cross',
      market: BTC_1M,
      title: 'binance BTC/USDT 1m: score crossed above 70.0 (72.0)',
      facts: { score: 72, previousScore: 60, threshold: 70, direction: 'up' },
      channels: ['hook'],
    });
    expect(fired[1]?.facts.previousScore).toBe(64);
  });

  it('does not count a first result already above the threshold as a crossing', () => {
    const { engine, fired } = engineOf(
      '    - { name: strong, type: score-cross, threshold: 70, direction: up, hysteresis: 5, channels: [hook] }\n',
    );

    expect(feedScores(engine, fired, [75, 80, 66, 71, 64, 71])).toEqual(['5:above']);
  });

  it('fires a downward crossing at the threshold and re-arms at threshold + hysteresis', () => {
    const { engine, fired } = engineOf(
      '    - { name: weak, type: score-cross, threshold: 30, direction: down, hysteresis: 5, channels: [hook] }\n',
    );

    expect(feedScores(engine, fired, [40, 29, 31, 28, 36, 29.9])).toEqual(['1:below', '5:below']);
  });

  it('watches both directions as two triggers, each armed only from hysteresis beyond the threshold', () => {
    const { engine, fired } = engineOf(
      '    - { name: mid, type: score-cross, threshold: 70, hysteresis: 5, channels: [hook] }\n',
    );

    // 72 → 69 is noise around 70: the down trigger arms only at 75, so only 76 → 69 is a fall.
    expect(feedScores(engine, fired, [60, 72, 69, 71, 64, 70, 76, 69])).toEqual([
      '1:above',
      '5:above',
      '7:below',
    ]);
  });

  it('ignores a result of a candle no newer than the last one seen (a redelivery)', () => {
    const { engine, fired } = engineOf(
      '    - { name: strong, type: score-cross, threshold: 70, direction: up, hysteresis: 0, channels: [hook] }\n',
    );
    engine.result(result(1, 60));
    engine.result(result(2, 72));
    engine.result(result(2, 72));
    engine.result(result(1, 60));
    engine.result(result(2, 72));

    expect(fired).toHaveLength(1);
  });

  it('keeps each stream apart and applies market patterns (globs per part)', () => {
    const { engine, fired } = engineOf(
      "    - { name: strong, type: score-cross, threshold: 70, direction: up, markets: ['binance:*/USDT:1m'], channels: [hook] }\n",
    );
    const streams: StreamRef[] = [
      BTC_1M,
      { exchange: 'binance', symbol: 'LTC/USDT', timeframe: '1m' },
      { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '5m' },
      { exchange: 'bybit', symbol: 'BTC/USDT', timeframe: '1m' },
      { exchange: 'binance', symbol: 'ETH/BTC', timeframe: '1m' },
    ];
    for (const stream of streams) {
      engine.result(result(1, 60, 1, stream));
      engine.result(result(2, 80, 1, stream));
    }

    expect(fired.map((event) => event.market)).toEqual([BTC_1M, streams[1]]);
  });

  it('never fires a disabled rule', () => {
    const { engine, fired } = engineOf(
      '    - { name: off, type: score-cross, threshold: 70, enabled: false, channels: [hook] }\n',
    );

    expect(feedScores(engine, fired, [60, 80, 60, 80])).toEqual([]);
  });
});

describe('coverage-below', () => {
  it('fires when coverage falls under the level (the first result included), again only after level + hysteresis', () => {
    const { engine, fired } = engineOf(
      '    - { name: thin, type: coverage-below, level: 0.5, hysteresis: 0.1, channels: [hook] }\n',
    );
    const coverages = [0.3, 0.45, 0.55, 0.4, 0.6, 0.49, 0.2];
    coverages.forEach((coverage, n) => {
      engine.result(result(n, 50, coverage));
    });

    expect(fired.map((event) => event.facts.coverage)).toEqual([0.3, 0.49]);
    expect(fired[0]).toMatchObject({ state: 'below', title: 'binance BTC/USDT 1m: coverage 30 % < 50 %' });
  });
});

describe('label-change', () => {
  const change = (time: number, from: Signal | null, to: Signal): LabelChange => ({
    ...BTC_1M,
    time: START + time * MINUTE,
    from,
    to,
    score: 64,
    confidence: 40,
  });

  it('fires on each change, not on a stream’s first label nor on a redelivered change', () => {
    const { engine, fired } = engineOf('    - { name: flips, type: label-change, channels: [hook] }\n');
    engine.labelChanged(change(1, null, 'NEUTRAL'));
    engine.labelChanged(change(2, 'NEUTRAL', 'LONG'));
    engine.labelChanged(change(2, 'NEUTRAL', 'LONG'));
    engine.labelChanged(change(5, 'LONG', 'SHORT'));

    expect(fired.map((event) => event.state)).toEqual(['NEUTRAL→LONG', 'LONG→SHORT']);
    expect(fired[0]?.title).toBe('binance BTC/USDT 1m: NEUTRAL → LONG (score 64.0)');
  });

  it('fires only changes to the labels `to` lists', () => {
    const { engine, fired } = engineOf(
      '    - { name: longs, type: label-change, to: [LONG], channels: [hook] }\n',
    );
    engine.labelChanged(change(2, 'NEUTRAL', 'LONG'));
    engine.labelChanged(change(3, 'LONG', 'NEUTRAL'));
    engine.labelChanged(change(4, 'SHORT', 'LONG'));

    expect(fired.map((event) => event.state)).toEqual(['NEUTRAL→LONG', 'SHORT→LONG']);
  });
});

describe('llm-disagreement', () => {
  const opinion = (n: number, agrees: boolean, status: 'ok' | 'unavailable' = 'ok'): OpinionObservation => ({
    ...BTC_1M,
    candleTime: START + n * MINUTE,
    score: 66,
    label: 'LONG',
    opinion:
      status === 'ok'
        ? {
            status,
            signal: agrees ? 'LONG' : 'SHORT',
            agrees,
            confidence: 0.7,
            reasoning: 'thin book',
            model: 'm',
          }
        : { status },
  });

  it('fires once per result whose opinion disagrees; agreeing and unavailable opinions never', () => {
    const { engine, fired } = engineOf('    - { name: doubt, type: llm-disagreement, channels: [hook] }\n');
    engine.opinion(opinion(1, true));
    engine.opinion(opinion(2, false));
    engine.opinion(opinion(2, false));
    engine.opinion(opinion(3, false, 'unavailable'));
    engine.opinion(opinion(4, false));

    expect(fired.map((event) => event.facts.candleTime)).toEqual([
      new Date(START + 2 * MINUTE).toISOString(),
      new Date(START + 4 * MINUTE).toISOString(),
    ]);
    expect(fired[0]).toMatchObject({
      state: 'SHORT≠LONG',
      facts: { engineLabel: 'LONG', llmSignal: 'SHORT' },
    });
  });
});

describe('stale and exchange-down', () => {
  const LTC_1M: StreamRef = { exchange: 'binance', symbol: 'LTC/USDT', timeframe: '1m' };

  it('fires once when a stream passes afterSeconds without a candle, again only after it was fresh', () => {
    const { engine, fired } = engineOf(
      '    - { name: quiet, type: stale, afterSeconds: 60, channels: [hook] }\n',
    );
    for (const age of [30, 60, 61, 120, 10, 70]) engine.freshness([{ stream: BTC_1M, ageSeconds: age }]);

    expect(fired.map((event) => event.facts.ageSeconds)).toEqual([61, 70]);
    expect(fired[0]).toMatchObject({ state: 'stale', market: BTC_1M });
  });

  it('counts a stream that never had a candle from when the rules started', () => {
    const { engine, fired, at } = engineOf(
      '    - { name: quiet, type: stale, afterSeconds: 60, channels: [hook] }\n',
    );
    at(60_000);
    engine.freshness([{ stream: BTC_1M, ageSeconds: null }]);
    at(61_000);
    engine.freshness([{ stream: BTC_1M, ageSeconds: null }]);

    expect(fired.map((event) => event.facts.ageSeconds)).toEqual([61]);
  });

  it('fires exchange-down once every stream of the exchange is past afterSeconds, for its exchanges only', () => {
    const { engine, fired } = engineOf(
      "    - { name: gone, type: exchange-down, afterSeconds: 60, markets: ['binance:*:*'], channels: [hook] }\n",
    );
    const BYBIT: StreamRef = { exchange: 'bybit', symbol: 'BTC/USDT', timeframe: '1m' };
    const ages = (btc: number, ltc: number) => [
      { stream: BTC_1M, ageSeconds: btc },
      { stream: LTC_1M, ageSeconds: ltc },
      { stream: BYBIT, ageSeconds: 999 },
    ];
    for (const [btc, ltc] of [
      [90, 10],
      [90, 61],
      [95, 66],
      [5, 70],
      [65, 75],
    ] as const)
      engine.freshness(ages(btc, ltc));

    expect(fired.map((event) => [event.market, event.facts.youngestAgeSeconds])).toEqual([
      [{ exchange: 'binance', symbol: null, timeframe: null }, 61],
      [{ exchange: 'binance', symbol: null, timeframe: null }, 65],
    ]);
    expect(fired[0]?.title).toBe('binance: no closed candle on any of its 2 streams for 61 s');
  });
});
