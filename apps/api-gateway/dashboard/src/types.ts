/*
 * The wire shapes the dashboard reads, as the gateway documents them (OpenAPI at /docs-json,
 * AsyncAPI at /docs/asyncapi.json): only the fields it shows. A browser bundle, so it restates
 * them rather than importing the server's classes (decorators, validation).
 */

export type Signal = 'LONG' | 'NEUTRAL' | 'SHORT';

export const COMPONENTS = [
  'orderFlow',
  'orderBook',
  'volume',
  'priceStructure',
  'technical',
  'sentiment',
] as const;
export type ComponentName = (typeof COMPONENTS)[number];
export type ComponentScores = Readonly<Record<ComponentName, number | null>>;

export interface StreamRef {
  readonly exchange: string;
  /** `BTC/USDT`. */
  readonly symbol: string;
  readonly timeframe: string;
}

/** GET /v1/markets, one tracked stream. */
export interface StreamView extends StreamRef {
  readonly status: 'waiting' | 'warming-up' | 'warm' | 'stale';
  readonly source: 'live' | 'replay' | null;
  readonly lastCandleTime: string | null;
  readonly candlesSeen: number;
}

export interface SubScore {
  readonly name: string;
  readonly score: number;
  readonly effectiveWeight: number;
}

export interface ComponentResult {
  readonly component: ComponentName;
  readonly available: boolean;
  readonly score: number | null;
  readonly weight: number;
  readonly effectiveWeight: number;
  readonly coverage: number;
  readonly subScores: readonly SubScore[];
  readonly missing: Readonly<Record<string, string>>;
}

export interface TimeframeResult {
  readonly timeframe: string;
  readonly score: number;
  readonly label: Signal;
  readonly coverage: number;
  readonly components: readonly ComponentResult[];
}

export type HorizonProbability =
  | {
      readonly sufficient: true;
      readonly up: number;
      readonly n: number;
      readonly brier: number;
      readonly brierBase: number;
    }
  | { readonly sufficient: false; readonly n: number };

export type Opinion =
  | {
      readonly status: 'ok';
      readonly signal: Signal;
      readonly confidence: number;
      readonly reasoning: string;
      readonly risks: readonly string[];
      readonly agrees: boolean;
      readonly model: string;
      readonly blended?: { readonly weight: number; readonly score: number; readonly label: Signal };
    }
  | { readonly status: 'unavailable'; readonly reason: string; readonly detail: string };

/** GET latest, `markets=`, history, the subscribe snapshot and POST analyze: the full result. */
export interface FullResult extends StreamRef {
  readonly candleTime: string;
  readonly computedAt: string;
  readonly score: number;
  readonly label: Signal;
  readonly confidence: number;
  readonly coverage: number;
  readonly stalenessMs: number;
  readonly thresholds: { readonly short: number; readonly long: number };
  readonly reasoning: string;
  readonly timeframes: readonly TimeframeResult[];
  readonly source: 'live' | 'replay' | 'client' | null;
  readonly llm?: Opinion;
  readonly probability?: Readonly<Record<string, HorizonProbability>>;
}

/** `confluence.updated`: the compact shape. */
export interface LiveUpdate extends StreamRef {
  readonly source: 'live' | 'replay';
  /** Open time of the candle scored (ms). */
  readonly candleTime: number;
  readonly computedAt: number;
  readonly score: number;
  readonly label: Signal;
  readonly confidence: number;
  readonly coverage: number;
  readonly components: ComponentScores;
  readonly reasoning: string;
  readonly probability?: Readonly<Record<string, HorizonProbability>>;
}

/** `signal.changed` and GET /v1/signals: a label change. */
export interface SignalChange extends StreamRef {
  /** Open time (ms) of the candle whose result changed the label. */
  readonly time: number;
  readonly from: Signal | null;
  readonly to: Signal;
  readonly score: number;
}

/** `llm.opinion`. */
export interface LiveOpinion extends StreamRef {
  readonly candleTime: number;
  readonly opinion: Opinion;
}

export interface Candle {
  readonly timestamp: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

export interface IcEstimate {
  readonly sufficient: boolean;
  readonly ic: number | null;
  readonly interval: { readonly low: number; readonly high: number } | null;
}

export interface LabelStats {
  readonly n: number;
  readonly hitRate: number | null;
}

/** GET /v1/performance, one horizon. */
export interface HorizonPerformance {
  readonly horizon: number;
  readonly n: number;
  readonly independent: number;
  readonly sufficient: boolean;
  readonly score: IcEstimate;
  readonly labels: { readonly byLabel: Readonly<Record<Signal, LabelStats>> } | null;
}

export interface PerformanceReport {
  readonly minIndependent: number;
  readonly horizons: readonly HorizonPerformance[];
}

/** Every error answer of the gateway. */
export interface ErrorBody {
  readonly statusCode: number;
  readonly message: string;
  readonly errors?: readonly { readonly field: string; readonly message: string }[];
}

/** The subscribe acknowledgement. */
export type SubscribeAck =
  | { readonly ok: true; readonly room: string; readonly snapshot: FullResult | null }
  | { readonly ok: false; readonly error: { readonly code: string; readonly message: string } };

export interface ServerEvents {
  'confluence.updated': (update: LiveUpdate) => void;
  'signal.changed': (change: SignalChange) => void;
  'llm.opinion': (opinion: LiveOpinion) => void;
  'server.shutdown': (notice: { readonly reason: string; readonly retryAfterMs: number }) => void;
}

export interface ClientEvents {
  subscribe: (request: StreamRef, ack: (answer: SubscribeAck) => void) => void;
}

/** `exchange:BASE/QUOTE:timeframe`, the gateway's room name: one key per stream. */
export function streamKey(stream: StreamRef): string {
  return `${stream.exchange}:${stream.symbol}:${stream.timeframe}`;
}

/** Timeframe lengths (ms) of ccxt's notation, for staleness and chart spacing. */
const TIMEFRAME_UNIT_MS: Readonly<Record<string, number>> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  M: 2_592_000_000,
};

export function timeframeMs(timeframe: string): number {
  const match = /^(\d+)([mhdwM])$/.exec(timeframe);
  if (match === null) return 0;
  return Number(match[1]) * (TIMEFRAME_UNIT_MS[match[2] ?? ''] ?? 0);
}
