import { describe, expect, it } from '@jest/globals';
import { Signal } from '@app/contracts';
import { ManualClock } from '@app/testing';
import { blendLabel, labelOf, opinionScore } from './blend.js';
import { LlmOpinions } from './llm-opinions.js';
import {
  falling,
  flat,
  MemoryCache,
  MemoryLedger,
  opinionSettings,
  resultOf,
  rising,
  silentLog,
  T0,
} from './testing/opinion-kit.js';

const THRESHOLDS = { short: 40, long: 60 };

describe('the fallback and the blend lean neither way', () => {
  it('gives the same unavailable opinion on a flat, a rising and a falling market: no direction of its own', async () => {
    const opinions = new LlmOpinions(
      opinionSettings({ off: 'no OPENAI_API_KEYS configured', blendWeight: 0.5 }),
      null,
      { cache: new MemoryCache(), costs: new MemoryLedger() },
      new ManualClock(T0),
      silentLog,
    );
    const markets = { flat: resultOf(flat()), up: resultOf(rising()), down: resultOf(falling()) };

    const given = await Promise.all(Object.values(markets).map((result) => opinions.opinionOf(result)));

    expect(new Set(given.map((opinion) => JSON.stringify(opinion))).size).toBe(1);
    expect(given[0]).toEqual({
      status: 'unavailable',
      reason: 'no-key',
      detail: 'no OPENAI_API_KEYS configured',
    });
    // The engine's labels stand as computed: the flat market neutral, the trends opposite.
    expect([markets.flat.label, markets.up.label, markets.down.label]).toEqual([
      Signal.Neutral,
      Signal.Long,
      Signal.Short,
    ]);
  });

  it.each([0, 0.3, 0.55, 1])(
    'maps LONG and SHORT at confidence %s to scores mirrored around 50, NEUTRAL to 50',
    (confidence) => {
      expect(opinionScore(Signal.Long, confidence) + opinionScore(Signal.Short, confidence)).toBeCloseTo(
        100,
        12,
      );
      expect(opinionScore(Signal.Neutral, confidence)).toBe(50);
    },
  );

  it.each([
    [50, 0.5],
    [63, 0.25],
    [35, 0.8],
  ])(
    'mirrors the blended label: engine %s with LONG equals engine 100−%s with SHORT, mirrored',
    (score, weight) => {
      const long = blendLabel(score, THRESHOLDS, { signal: Signal.Long, confidence: 0.8 }, weight);
      const short = blendLabel(100 - score, THRESHOLDS, { signal: Signal.Short, confidence: 0.8 }, weight);
      const swap = { LONG: 'SHORT', SHORT: 'LONG', NEUTRAL: 'NEUTRAL' } as const;

      expect(long?.score).toBeCloseTo(100 - (short?.score ?? NaN), 3);
      expect(short?.label).toBe(long === undefined ? undefined : swap[long.label]);
    },
  );

  it('blends by weight with the engine’s own thresholds, and gives none at weight 0', () => {
    // 0.75 × 50 + 0.25 × (50 + 50 × 0.9) = 61.25 → LONG at long 60.
    expect(blendLabel(50, THRESHOLDS, { signal: Signal.Long, confidence: 0.9 }, 0.25)).toEqual({
      weight: 0.25,
      score: 61.25,
      label: Signal.Long,
    });
    expect(blendLabel(50, THRESHOLDS, { signal: Signal.Long, confidence: 0.9 }, 0)).toBeUndefined();
    expect([
      labelOf(40, THRESHOLDS),
      labelOf(40.01, THRESHOLDS),
      labelOf(59.99, THRESHOLDS),
      labelOf(60, THRESHOLDS),
    ]).toEqual(['SHORT', 'NEUTRAL', 'NEUTRAL', 'LONG']);
  });
});
