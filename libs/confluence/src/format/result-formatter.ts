import { COMPONENT_NAMES, type ComponentName, type Signal, type Timeframe } from '@app/contracts';
import type { ConfluenceResult } from '../engine/confluence-result.types.js';
import type { ComponentScore, TimeframeScore } from '../scoring/score.types.js';

/** Decimal places kept in rendered scores and weights (the stored result keeps full precision). */
const PLACES = 4;
const round = (value: number): number => Number(value.toFixed(PLACES));
const roundOrNull = (value: number | null): number | null => (value === null ? null : round(value));

export interface LiveResult {
  readonly exchange: string;
  readonly symbol: string;
  readonly timeframe: Timeframe;
  readonly candleTime: number;
  readonly score: number;
  readonly label: Signal;
  readonly confidence: number;
  readonly coverage: number;
  /** Component scores; null for a component without data. */
  readonly components: Readonly<Record<ComponentName, number | null>>;
  readonly inputHash: string;
}

/** The REST shape: everything, with numbers rounded for display. */
export interface FullResult {
  readonly exchange: string;
  readonly symbol: string;
  readonly timeframe: Timeframe;
  readonly candleTime: string;
  readonly computedAt: string;
  readonly score: number;
  readonly label: Signal;
  readonly confidence: number;
  readonly coverage: number;
  readonly stalenessMs: number;
  readonly thresholds: { readonly short: number; readonly long: number };
  readonly reasoning: string;
  readonly timeframes: readonly FullTimeframe[];
  readonly effectiveWeights: {
    readonly timeframes: Readonly<Partial<Record<Timeframe, number>>>;
    readonly components: Readonly<Partial<Record<Timeframe, Readonly<Record<ComponentName, number>>>>>;
  };
  readonly replay: {
    readonly engineVersion: string;
    readonly configHash: string;
    readonly inputHash: string;
  };
}

interface FullTimeframe {
  readonly timeframe: Timeframe;
  readonly candleTime: string;
  readonly score: number;
  readonly label: Signal;
  readonly confidence: number;
  readonly coverage: number;
  readonly stalenessMs: number;
  readonly components: readonly FullComponent[];
  readonly indicators: Readonly<Record<string, number | null>>;
}

interface FullComponent {
  readonly component: ComponentName;
  readonly available: boolean;
  readonly score: number | null;
  readonly weight: number;
  readonly effectiveWeight: number;
  readonly coverage: number;
  readonly subScores: readonly {
    readonly name: string;
    readonly score: number;
    readonly value: number;
    readonly weight: number;
    readonly effectiveWeight: number;
    readonly inputs: Readonly<Record<string, number | null>>;
  }[];
  readonly missing: Readonly<Record<string, string>>;
}

const HUMAN_NAMES: Readonly<Record<ComponentName, string>> = {
  orderFlow: 'order flow',
  orderBook: 'order book',
  volume: 'volume',
  priceStructure: 'price structure',
  technical: 'technical',
  sentiment: 'sentiment',
};

/** Renders one result for REST (full), Socket.IO (compact) and people (one line). */
export class ResultFormatter {
  full(result: ConfluenceResult): FullResult {
    return {
      exchange: result.exchange,
      symbol: result.symbol,
      timeframe: result.timeframe,
      candleTime: new Date(result.candleTime).toISOString(),
      computedAt: new Date(result.computedAt).toISOString(),
      score: round(result.score),
      label: result.label,
      confidence: round(result.confidence),
      coverage: round(result.coverage),
      stalenessMs: Math.round(result.staleness),
      thresholds: result.thresholds,
      reasoning: this.reasoning(result),
      timeframes: result.timeframes.map((t) => this.#timeframe(t, result.indicators[t.timeframe] ?? {})),
      effectiveWeights: {
        timeframes: mapValues(result.timeframeWeights, round),
        components: Object.fromEntries(
          result.timeframes.map((t) => [
            t.timeframe,
            Object.fromEntries(t.components.map((c) => [c.component, round(c.effectiveWeight)])),
          ]),
        ),
      },
      replay: {
        engineVersion: result.engineVersion,
        configHash: result.configHash,
        inputHash: result.inputHash,
      },
    };
  }

  compact(result: ConfluenceResult): LiveResult {
    const own = result.timeframes.find((t) => t.timeframe === result.timeframe);
    const components = Object.fromEntries(
      COMPONENT_NAMES.map((name) => [
        name,
        roundOrNull(own?.components.find((c) => c.component === name)?.score ?? null),
      ]),
    ) as Record<ComponentName, number | null>;
    return {
      exchange: result.exchange,
      symbol: result.symbol,
      timeframe: result.timeframe,
      candleTime: result.candleTime,
      score: round(result.score),
      label: result.label,
      confidence: round(result.confidence),
      coverage: round(result.coverage),
      components,
      inputHash: result.inputHash,
    };
  }

  /**
   * One line: market, label, score, confidence and coverage, then the two heaviest contributions
   * for the label, the heaviest dissent, and the components that had no data.
   */
  reasoning(result: ConfluenceResult): string {
    const head = `${result.symbol} ${result.timeframe} ${result.label} ${result.score.toFixed(1)} (confidence ${Math.round(result.confidence)}%, coverage ${Math.round(100 * result.coverage)}%)`;
    const own = result.timeframes.find((t) => t.timeframe === result.timeframe) ?? result.timeframes[0];
    if (own === undefined) return head;
    const available = own.components.filter((c): c is ComponentScore & { score: number } => c.score !== null);
    const bullish = result.score >= 50;
    // Pull = effective weight × distance from neutral, signed towards the overall direction.
    const pull = (c: ComponentScore & { score: number }) =>
      c.effectiveWeight * (c.score - 50) * (bullish ? 1 : -1);
    const leading = available
      .filter((c) => pull(c) > 0)
      .sort((a, b) => pull(b) - pull(a))
      .slice(0, 2);
    const dissent = available.filter((c) => pull(c) < 0).sort((a, b) => pull(a) - pull(b))[0];
    const absent = own.components.filter((c) => !c.available).map((c) => HUMAN_NAMES[c.component]);
    const parts = [head];
    if (leading.length > 0) parts.push(`led by ${leading.map(describe).join(' and ')}`);
    if (dissent !== undefined) parts.push(`against: ${describe(dissent)}`);
    if (absent.length > 0) parts.push(`no data: ${absent.join(', ')}`);
    return parts.join('; ');
  }

  #timeframe(t: TimeframeScore, indicators: Readonly<Record<string, number | null>>): FullTimeframe {
    return {
      timeframe: t.timeframe,
      candleTime: new Date(t.candleTime).toISOString(),
      score: round(t.score),
      label: t.label,
      confidence: round(t.confidence),
      coverage: round(t.coverage),
      stalenessMs: Math.round(t.staleness),
      components: t.components.map((c) => ({
        component: c.component,
        available: c.available,
        score: roundOrNull(c.score),
        weight: round(c.weight),
        effectiveWeight: round(c.effectiveWeight),
        coverage: round(c.coverage),
        subScores: c.subScores.map((s) => ({
          name: s.name,
          score: round(s.score),
          value: round(s.value),
          weight: round(s.weight),
          effectiveWeight: round(s.effectiveWeight),
          inputs: s.inputs,
        })),
        missing: c.missing,
      })),
      indicators,
    };
  }
}

function describe(c: ComponentScore & { score: number }): string {
  const strongest = [...c.subScores].sort(
    (a, b) => Math.abs(b.score - 50) * b.effectiveWeight - Math.abs(a.score - 50) * a.effectiveWeight,
  )[0];
  const detail = strongest === undefined ? '' : ` (${strongest.name} ${strongest.score.toFixed(0)})`;
  return `${HUMAN_NAMES[c.component]} ${c.score.toFixed(0)}${detail}`;
}

function mapValues<K extends string>(
  record: Readonly<Partial<Record<K, number>>>,
  fn: (v: number) => number,
): Partial<Record<K, number>> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, fn(v as number)])) as Partial<
    Record<K, number>
  >;
}
