import type { Db } from 'mongodb';
import type { DistributedAnalysisStatus } from '@app/analysis';
import type { loadConfig } from '@app/config';
import { createConfluenceEngine } from '@app/confluence';
import { AnalysisEventName } from '@app/contracts';
import { loadMarketCandles, MARKET_FILES, type SpawnedProcess } from '@app/testing';
import { STORE_ENTRY } from './process-kit.js';

/** The distributed pipeline e2e's setup and readers (test/pipeline-distributed.e2e-spec.ts). */

export const ENTRIES = {
  store: STORE_ENTRY,
  tap: 'dist/tools/bus-tap/main.js',
  worker: 'dist/apps/analysis-worker/src/main.js',
  marketData: 'dist/apps/market-data/src/main.js',
} as const;
/** Candles per market: about 400 results each once the engine is warm. */
export const CANDLES = 600;
/** Candles per market in market-data's first run (the rest come in a second run). */
export const FIRST_RUN = 420;
export const MARKETS = [
  { exchange: 'binance', symbol: 'BTC/USDT', file: MARKET_FILES.btc1m },
  { exchange: 'binance', symbol: 'LTC/USDT', file: MARKET_FILES.ltc1m },
  { exchange: 'bybit', symbol: 'BTC/USDT', file: MARKET_FILES.btc1m },
  { exchange: 'bybit', symbol: 'LTC/USDT', file: MARKET_FILES.ltc1m },
] as const;

// 3000× real time: a 1m candle every 20 ms per market, so the crash and the Redis restart fall
// inside the first run (about 4 s of paced candles after the warm-up).
export const EXCHANGES_YAML = exchangesYaml(['binance', 'bybit']);

/** A replay of BTC/USDT and LTC/USDT on each exchange, 1m and 5m, at 3000× real time. */
export function exchangesYaml(ids: readonly string[]): string {
  return `
source: replay
replay: { speed: 3000, files: [] }
retry: { baseMs: 200, maxMs: 2000 }
breaker: { openMs: 15000, maxOpenMs: 300000 }
exchanges:
${ids
  .map(
    (id) => `  - id: ${id}
    enabled: true
    symbols: [BTC/USDT, LTC/USDT]
    timeframes: [1m, 5m]
    data: { candles: true, orderBook: { enabled: false, depth: 20, record: [] }, trades: false, fundingRate: false, openInterest: false, longShortRatio: false }
    polling: { candlesMs: 10000, orderBookMs: 2000, tradesMs: 5000, derivativesMs: 60000 }
    requestTimeoutMs: 10000
    sandbox: false`,
  )
  .join('\n')}
`;
}

/** What a stream's result must be: the engine's, over the same candles, in one unbroken run. */
export interface ResultFields {
  readonly candleTime: number;
  readonly score: number;
  readonly label: string;
  readonly confidence: number;
  readonly inputHash: string;
  readonly configHash: string;
}

export interface SignalFields {
  readonly time: number;
  readonly from: string | null;
  readonly to: string;
  readonly score: number;
  readonly confidence: number;
}

export interface Reference {
  readonly results: ResultFields[];
  /** A signal where the label changes (the first label counts as a change from none). */
  readonly signals: SignalFields[];
}

export function reference(
  file: string,
  config: ReturnType<typeof loadConfig>,
  market: string,
  candles: number = CANDLES,
): Reference {
  const [exchange = '', symbol = ''] = market.split(' ');
  const engine = createConfluenceEngine({ indicators: config.indicators, weights: config.weights });
  const key = { exchange, symbol, timeframe: '1m' as const };
  const results: ResultFields[] = [];
  const signals: SignalFields[] = [];
  for (const candle of loadMarketCandles(file, candles)) {
    engine.addCandle(key, candle);
    const outcome = engine.analyze(key, 0);
    if (outcome.status !== 'ready') continue;
    const { candleTime, score, label, confidence, inputHash, configHash } = outcome.result;
    const previous = results.at(-1)?.label ?? null;
    results.push({ candleTime, score, label, confidence, inputHash, configHash });
    if (previous !== label) signals.push({ time: candleTime, from: previous, to: label, score, confidence });
  }
  return { results, signals };
}

/** A market's stored 1m results ("binance BTC/USDT"), oldest first, as the reference has them. */
export async function storedResults(db: Db, market: string): Promise<ResultFields[]> {
  const [exchange, symbol] = market.split(' ');
  const docs = await db
    .collection('confluence_results')
    .find({ exchange, symbol, timeframe: '1m' })
    .sort({ candleTime: 1 })
    .toArray();
  return docs.map((d) => ({
    candleTime: (d.candleTime as Date).getTime(),
    score: d.score as number,
    label: d.label as string,
    confidence: d.confidence as number,
    inputHash: d.inputHash as string,
    configHash: d.configHash as string,
  }));
}

/** A market's stored 1m signals ("binance BTC/USDT"), oldest first, as the reference has them. */
export async function storedSignals(db: Db, market: string): Promise<SignalFields[]> {
  const [exchange, symbol] = market.split(' ');
  const docs = await db
    .collection('signals')
    .find({ exchange, symbol, timeframe: '1m' })
    .sort({ time: 1 })
    .toArray();
  return docs.map((d) => ({
    time: (d.time as Date).getTime(),
    from: d.from as string | null,
    to: d.to as string,
    score: d.score as number,
    confidence: d.confidence as number,
  }));
}

export interface Published {
  readonly subject: string;
  readonly payload: {
    exchange: string;
    symbol: string;
    timeframe: string;
    candleTime?: number;
    time?: number;
    score?: number;
    label?: string;
    inputHash?: string;
    configHash?: string;
    /** A candle update's domain result (what the gateways project into GET latest). */
    result?: { score?: number; label?: string; confidence?: number; inputHash?: string };
  };
}

/**
 * What the tap printed so far, parsed once: the test polls it every 100 ms while thousands of
 * lines accumulate, and re-parsing all of them each time cost seconds of CPU.
 */
export class TapLog {
  #chars = 0;
  readonly #events: Published[] = [];

  constructor(private readonly tap: SpawnedProcess) {}

  /** Every event printed so far. */
  events(): readonly Published[] {
    const text = this.tap.stdout;
    const end = text.lastIndexOf('\n') + 1;
    for (const line of text.slice(this.#chars, end).split('\n'))
      if (line.startsWith('{')) this.#events.push(JSON.parse(line) as Published);
    this.#chars = Math.max(this.#chars, end);
    return this.#events;
  }

  /** The confluence.updated events printed so far. */
  updates(): Published[] {
    return this.events().filter((e) => e.subject === AnalysisEventName.ConfluenceUpdated);
  }
}

/**
 * Waits on the pipeline's progress: four markets through worker processes, which a loaded
 * machine slows down; the deadline only ends a run that is stuck.
 */
export const PROGRESS = { timeoutMs: 120_000, intervalMs: 100 } as const;

export async function workerStatus(port: number): Promise<DistributedAnalysisStatus> {
  const response = await fetch(`http://127.0.0.1:${port}/health/analysis-worker`);
  return (await response.json()) as DistributedAnalysisStatus;
}

/** The id a worker logs at boot (`worker <id>: 4 market(s) to share ...`). */
export function workerIdOf(worker: SpawnedProcess | undefined): string {
  const match = /"worker (\S+): \d+ market\(s\) to share/.exec(worker?.stdout ?? '');
  if (match?.[1] === undefined) throw new Error(`no worker id in its output:\n${worker?.stdout ?? ''}`);
  return match[1];
}

/** Rendered as the compact (Socket.IO) shape renders it: four decimals. */
export const rendered = (value: number): number => Number(value.toFixed(4));
