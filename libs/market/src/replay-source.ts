import type { ReplayFile } from '@app/config';
import { DataSource, timeframeToMs } from '@app/contracts';
import { type CandleClosedEvent, type EventData } from '@app/contracts/dto';
import { type Candle, parseCandleCsv } from '@app/confluence';
import { isAborted } from './clock.js';

// The naming of data/ and the replay file list are configuration (libs/config).
export { parseReplayFileName, type ReplayFile } from '@app/config';

export interface ReplayOptions {
  readonly files: readonly ReplayFile[];
  /** Replay speed as a multiple of real time (60 = an hour of candles a minute), or 'max'. */
  readonly speed: number | 'max';
  readonly readFile: (path: string) => string;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly publish: (event: EventData<CandleClosedEvent>) => void | Promise<void>;
  /**
   * Candles per file published at once before pacing starts (the history a live feed fetches at
   * start), so the engine is warm within seconds instead of after hours of replayed time.
   */
  readonly warmupCandles?: number;
  /** Lets I/O run between candles published back to back; defaults to a setImmediate turn. */
  readonly yieldToIo?: () => Promise<void>;
}

/** Candles published unpaced between two turns of the event loop. */
const BURST = 64;

interface Cursor {
  readonly file: ReplayFile;
  readonly candles: readonly Candle[];
  readonly interval: number;
  /** Start of the file's market timeline: markets replay side by side, each from its own first candle. */
  readonly origin: number;
  index: number;
}

/**
 * Replays bundled real candles through the same path live data takes, labelled
 * `source: "replay"`: every candle of every file exactly once, in the order they close. Each
 * market replays from its own first candle (files recorded on different days play side by side;
 * a market's timeframes stay aligned). The first `warmupCandles` of each file go out at once;
 * the rest is paced at `speed` × real time (or as fast as possible for backtests).
 */
export class ReplaySource {
  constructor(private readonly options: ReplayOptions) {}

  /** Publishes every candle; resolves with the count. An aborted signal stops between candles. */
  async run(signal?: AbortSignal): Promise<{ published: number }> {
    const loaded = this.options.files.map((file) => this.#load(file));
    const origins = new Map<string, number>();
    for (const { file, candles } of loaded) {
      const key = `${file.exchange} ${file.symbol}`;
      origins.set(key, Math.min(origins.get(key) ?? Infinity, candles[0]?.timestamp ?? Infinity));
    }
    const cursors: Cursor[] = loaded.map((c) => ({
      ...c,
      origin: origins.get(`${c.file.exchange} ${c.file.symbol}`) ?? 0,
    }));
    // Replay time (ms since each market's origin) up to which candles go out unpaced.
    const warm = Math.max(0, ...cursors.map((c) => (this.options.warmupCandles ?? 0) * c.interval));
    let published = 0;
    let previousClose: number | null = null;
    let unpaced = 0;
    for (;;) {
      if (isAborted(signal)) break;
      const next = earliest(cursors);
      if (next === undefined) break;
      const candle = next.candles[next.index] as Candle;
      next.index++;
      const closeTime = candle.timestamp + next.interval - next.origin;
      const pacedFrom = Math.max(previousClose ?? closeTime, warm);
      if (this.options.speed !== 'max' && closeTime > pacedFrom) {
        await this.options.sleep((closeTime - pacedFrom) / this.options.speed);
        if (isAborted(signal)) break;
        unpaced = 0;
      } else if (++unpaced % BURST === 0) {
        // A burst (warm-up, speed max) would otherwise starve sockets, timers and store writes.
        await (this.options.yieldToIo ?? nextTurn)();
        if (isAborted(signal)) break;
      }
      previousClose = Math.max(previousClose ?? closeTime, closeTime);
      await this.options.publish({
        exchange: next.file.exchange,
        symbol: next.file.symbol,
        timeframe: next.file.timeframe,
        source: DataSource.Replay,
        emittedAt: this.options.now(),
        candle: { ...candle },
      });
      published++;
    }
    return { published };
  }

  #load(file: ReplayFile): Omit<Cursor, 'origin'> {
    const parsed = parseCandleCsv(this.options.readFile(file.path));
    if (!parsed.ok) throw new Error(`${file.path}: line ${parsed.line}: ${parsed.message}`);
    return { file, candles: parsed.candles, interval: timeframeToMs(file.timeframe), index: 0 };
  }
}

/** The cursor whose next candle closes first on its market's timeline (ties: the order files were given). */
function earliest(cursors: readonly Cursor[]): Cursor | undefined {
  let best: Cursor | undefined;
  let bestClose = Infinity;
  for (const cursor of cursors) {
    const candle = cursor.candles[cursor.index];
    if (candle === undefined) continue;
    const close = candle.timestamp + cursor.interval - cursor.origin;
    if (close < bestClose) {
      best = cursor;
      bestClose = close;
    }
  }
  return best;
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
