import {
  COMPONENTS,
  type ComponentScores,
  type FullResult,
  type LiveUpdate,
  type Signal,
  type StreamView,
  streamKey,
  timeframeMs,
} from './types.js';

/** One line of the markets table: the stream and its latest result, however it arrived. */
export interface MarketRow {
  readonly key: string;
  readonly exchange: string;
  readonly symbol: string;
  readonly timeframe: string;
  readonly status: StreamView['status'];
  readonly source: string | null;
  readonly score: number | null;
  readonly label: Signal | null;
  readonly confidence: number | null;
  readonly coverage: number | null;
  /** How old the newest data was when the result was computed (ms). */
  readonly stalenessMs: number | null;
  /** Open time (ms) of the candle the result scored. */
  readonly candleTime: number | null;
  readonly components: ComponentScores;
}

const NO_COMPONENTS: ComponentScores = Object.freeze(
  Object.fromEntries(COMPONENTS.map((name) => [name, null])) as Record<(typeof COMPONENTS)[number], null>,
);

export function rowOf(view: StreamView): MarketRow {
  return {
    key: streamKey(view),
    exchange: view.exchange,
    symbol: view.symbol,
    timeframe: view.timeframe,
    status: view.status,
    source: view.source,
    score: null,
    label: null,
    confidence: null,
    coverage: null,
    stalenessMs: null,
    candleTime: null,
    components: NO_COMPONENTS,
  };
}

/** Whether `time` is older than what the row shows (an answer that lost a race with a live update). */
function older(row: MarketRow, time: number): boolean {
  return row.candleTime !== null && time < row.candleTime;
}

/** A full result (GET latest, `markets=`, a subscribe snapshot): its own timeframe's component scores. */
export function withResult(row: MarketRow, result: FullResult): MarketRow {
  const candleTime = Date.parse(result.candleTime);
  if (older(row, candleTime)) return row;
  const own = result.timeframes.find((entry) => entry.timeframe === result.timeframe) ?? result.timeframes[0];
  const components = { ...NO_COMPONENTS } as Record<(typeof COMPONENTS)[number], number | null>;
  for (const component of own?.components ?? []) components[component.component] = component.score;
  return {
    ...row,
    source: result.source ?? row.source,
    score: result.score,
    label: result.label,
    confidence: result.confidence,
    coverage: result.coverage,
    stalenessMs: result.stalenessMs,
    candleTime,
    components,
  };
}

/**
 * `confluence.updated`: the compact shape has no staleness, so it is the time from the candle's
 * close to the computation (what the result's own staleness measures for a candle update).
 */
export function withUpdate(row: MarketRow, update: LiveUpdate): MarketRow {
  if (older(row, update.candleTime)) return row;
  return {
    ...row,
    status: 'warm',
    source: update.source,
    score: update.score,
    label: update.label,
    confidence: update.confidence,
    coverage: update.coverage,
    stalenessMs: Math.max(0, update.computedAt - (update.candleTime + timeframeMs(update.timeframe))),
    candleTime: update.candleTime,
    components: update.components,
  };
}

export const SORT_KEYS = [
  'market',
  'score',
  'label',
  'confidence',
  'coverage',
  'staleness',
  'source',
] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type SortDirection = 'asc' | 'desc';

const LABEL_ORDER: Readonly<Record<Signal, number>> = { SHORT: 0, NEUTRAL: 1, LONG: 2 };

function sortValue(row: MarketRow, key: SortKey): string | number | null {
  switch (key) {
    case 'market':
      return `${row.symbol} ${row.exchange} ${String(timeframeMs(row.timeframe)).padStart(12, '0')}`;
    case 'score':
      return row.score;
    case 'label':
      return row.label === null ? null : LABEL_ORDER[row.label];
    case 'confidence':
      return row.confidence;
    case 'coverage':
      return row.coverage;
    case 'staleness':
      return row.stalenessMs;
    case 'source':
      return row.source;
  }
}

/** Sorted by one column; rows without a value last in either direction; ties by market. */
export function sortRows(rows: readonly MarketRow[], key: SortKey, direction: SortDirection): MarketRow[] {
  const sign = direction === 'asc' ? 1 : -1;
  const compare = (a: string | number, b: string | number): number =>
    typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));
  return [...rows].sort((a, b) => {
    const left = sortValue(a, key);
    const right = sortValue(b, key);
    if (left === null || right === null) {
      if (left !== right) return left === null ? 1 : -1;
    } else {
      const order = compare(left, right) * sign;
      if (order !== 0) return order;
    }
    return compare(sortValue(a, 'market') ?? '', sortValue(b, 'market') ?? '');
  });
}

/** Every word of the filter must appear in the row's market, label, source or status. */
export function filterRows(rows: readonly MarketRow[], filter: string): MarketRow[] {
  const words = filter
    .toLowerCase()
    .split(/\s+/)
    .filter((word) => word !== '');
  if (words.length === 0) return [...rows];
  return rows.filter((row) => {
    const text = [row.exchange, row.symbol, row.timeframe, row.label ?? '', row.source ?? '', row.status]
      .join(' ')
      .toLowerCase();
    return words.every((word) => text.includes(word));
  });
}
