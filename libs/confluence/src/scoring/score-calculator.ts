import { COMPONENT_NAMES, type ComponentName, Signal, type Timeframe } from '@app/contracts';
import type { ComponentReading } from '../components/component.types.js';
import { renormalise, type WeightSet } from '../weights/weight-manager.js';
import type { ComponentScore, ConfluenceScore, TimeframeScore, WeightedSubScore } from './score.types.js';
import { abs, finite, INFINITY, max, min } from '../domain/fast-math.js';

/** Components within this many points of 50 count as agreeing with a NEUTRAL label. */
const NEUTRAL_BAND = 5;

export function labelFor(score: number, thresholds: { short: number; long: number }): Signal {
  if (score >= thresholds.long) return Signal.Long;
  if (score <= thresholds.short) return Signal.Short;
  return Signal.Neutral;
}

function agrees(score: number, label: Signal): boolean {
  if (label === Signal.Long) return score > 50;
  if (label === Signal.Short) return score < 50;
  return abs(score - 50) <= NEUTRAL_BAND;
}

/**
 * Combines sub-scores → components → timeframes. Weights of what has no data are redistributed
 * over what has (renormalised), and coverage reports how much of the configured weight that was.
 */
export class ScoreCalculator {
  /** Scores one timeframe from its component readings; null when no component had data. */
  scoreTimeframe(input: {
    timeframe: Timeframe;
    candleTime: number;
    readings: readonly ComponentReading[];
    weights: WeightSet;
    now: number;
  }): TimeframeScore | null {
    const { weights } = input;
    const byName = new Map(input.readings.map((r) => [r.component, r]));
    const partial = COMPONENT_NAMES.map((name) => this.#scoreComponent(name, byName.get(name), weights));
    const effective = renormalise(
      weights.components,
      (name) => partial[COMPONENT_NAMES.indexOf(name)]?.available === true,
    );
    const components: ComponentScore[] = partial.map((c) => ({
      component: c.component,
      available: c.available,
      score: c.score,
      weight: c.weight,
      effectiveWeight: effective[c.component],
      coverage: c.coverage,
      subScores: c.subScores,
      missing: c.missing,
    }));
    const available = components.filter((c): c is ComponentScore & { score: number } => c.score !== null);
    if (available.length === 0) return null;

    let score = 0;
    let coverage = 0;
    for (const c of available) {
      score += c.effectiveWeight * c.score;
      coverage += c.weight * c.coverage;
    }
    score = clampScore(score);
    const label = labelFor(score, weights.thresholds);
    const agreeing = available
      .filter((c) => agrees(c.score, label))
      .reduce((s, c) => s + c.effectiveWeight, 0);
    const oldest = min(...input.readings.map((r) => r.oldestInput ?? INFINITY));
    return {
      timeframe: input.timeframe,
      score,
      label,
      confidence: 100 * coverage * agreeing,
      coverage,
      staleness: finite(oldest) ? max(0, input.now - oldest) : 0,
      candleTime: input.candleTime,
      components,
    };
  }

  /** The overall score over timeframes, weighted by the (renormalised) timeframe weights. */
  combine(timeframes: readonly TimeframeScore[], weights: WeightSet): ConfluenceScore | null {
    const scored = new Map(timeframes.map((t) => [t.timeframe, t]));
    // When none of the scored timeframes is weighted in config (a client posting 1h candles,
    // say), they count equally rather than not at all.
    const weighted = timeframes.some((t) => (weights.timeframes[t.timeframe] ?? 0) > 0);
    const configured: Readonly<Partial<Record<Timeframe, number>>> = weighted
      ? weights.timeframes
      : Object.fromEntries(timeframes.map((t) => [t.timeframe, 1]));
    const effective: Readonly<Partial<Record<Timeframe, number>>> = renormalise(configured, (tf) =>
      scored.has(tf),
    );
    const used = timeframes.filter((t) => (effective[t.timeframe] ?? 0) > 0);
    if (used.length === 0) return null;
    const totalConfigured = Object.values(configured).reduce((s: number, w) => s + w, 0);
    let score = 0;
    let confidence = 0;
    let coverage = 0;
    let scoredShare = 0;
    for (const t of used) {
      const w = effective[t.timeframe] ?? 0;
      const share = (configured[t.timeframe] ?? 0) / totalConfigured;
      score += w * t.score;
      confidence += w * t.confidence;
      // Against every configured timeframe: a timeframe with no score covers nothing.
      coverage += share * t.coverage;
      scoredShare += share;
    }
    score = clampScore(score);
    return {
      score,
      label: labelFor(score, weights.thresholds),
      confidence: confidence * scoredShare,
      coverage,
      staleness: max(...used.map((t) => t.staleness)),
      thresholds: weights.thresholds,
      timeframeWeights: effective,
      timeframes,
    };
  }

  #scoreComponent(
    name: ComponentName,
    reading: ComponentReading | undefined,
    weights: WeightSet,
  ): Omit<ComponentScore, 'effectiveWeight'> {
    const subWeights = weights.subscores[name];
    const present = reading?.subScores ?? [];
    // Renormalise over the sub-scores present (weights of the absent ones are redistributed).
    let coverage = 0;
    for (const s of present) coverage += subWeights[s.name] ?? 0;
    const subScores: WeightedSubScore[] = [];
    let score = 0;
    for (const s of present) {
      const weight = subWeights[s.name] ?? 0;
      const effectiveWeight = coverage > 0 ? weight / coverage : 0;
      // Explicit fields: object spread here measured ~2 µs per sub-score (V8 slow path).
      subScores.push({
        name: s.name,
        score: s.score,
        value: s.value,
        inputs: s.inputs,
        weight,
        effectiveWeight,
      });
      score += effectiveWeight * s.score;
    }
    const available = coverage > 0;
    return {
      component: name,
      available,
      score: available ? clampScore(score) : null,
      weight: weights.components[name],
      coverage,
      subScores,
      missing: reading?.missing ?? { all: 'component not evaluated' },
    };
  }
}

/** Guards the 0–100 invariant against rounding at the saturated ends. */
function clampScore(score: number): number {
  return min(100, max(0, score));
}
