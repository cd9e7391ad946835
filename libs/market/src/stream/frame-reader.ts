import type { Candle } from '@app/confluence';
import type { Timeframe } from '@app/contracts';
import { checkOhlcv } from '../exchange/response-validation.js';
import type { FrameEvents } from './stream-types.js';

/**
 * What ccxt pro's parsed structures lose and we need: the kline "closed" flag (ccxt keeps only
 * the OHLCV numbers, so a close could otherwise be seen only when the next candle opens — up to
 * Binance's 2 s kline push later) and Bybit's book update ids (ccxt applies Bybit deltas without
 * checking them). Each reader sees every frame of its connection before ccxt handles it.
 */
export interface FrameReader {
  read(frame: unknown): void;
}

export interface FrameReaderOptions {
  /** The exchange's market id → unified symbol, for the market type the connection serves. */
  readonly symbols: ReadonlyMap<string, string>;
  /** The exchange's interval name (`1m`, Bybit `1`) → our timeframe. */
  readonly timeframes: ReadonlyMap<string, Timeframe>;
  readonly events: FrameEvents;
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Exchanges whose frames we read; any other exchange's closes are inferred from the next open. */
export function frameReaderFor(exchange: string, options: FrameReaderOptions): FrameReader | null {
  if (exchange === 'binance') return new BinanceFrames(options);
  if (exchange === 'bybit') return new BybitFrames(options);
  return null;
}

abstract class Frames implements FrameReader {
  constructor(protected readonly options: FrameReaderOptions) {}

  read(frame: unknown): void {
    // ccxt hands a frame it could not parse on as the raw text.
    if (typeof frame === 'string') {
      this.options.events.malformed(`not JSON: ${frame.slice(0, 80)}`);
      return;
    }
    if (!isRecord(frame)) return;
    this.readRecord(frame);
  }

  protected abstract readRecord(frame: Json): void;

  /** A candle from the frame's fields, checked like a REST row; null (and reported) when unusable. */
  protected candle(label: string, timeframe: Timeframe, row: readonly unknown[]): Candle | null {
    // Exchanges send decimals as strings; Number() reads them as ccxt's REST parsers do.
    const numbers = row.map((value) => (typeof value === 'string' ? Number(value) : value));
    const checked = checkOhlcv([numbers], timeframe);
    const candle = checked.items[0];
    if (candle === undefined)
      this.options.events.malformed(`${label}: ${checked.dropped.join('; ') || 'unusable candle'}`);
    return candle ?? null;
  }
}

/** Binance raw (`/ws`) and combined (`{stream, data}`) frames. */
class BinanceFrames extends Frames {
  protected readRecord(frame: Json): void {
    const message = isRecord(frame.data) ? frame.data : frame;
    const event = message.e;
    if (typeof event !== 'string') return; // acknowledgements, errors: ccxt's business
    const { events, symbols, timeframes } = this.options;
    events.data();
    if (event !== 'kline') return;
    const k = message.k;
    if (!isRecord(k)) {
      events.malformed('kline frame without k');
      return;
    }
    if (k.x !== true) return;
    const symbol = typeof message.s === 'string' ? symbols.get(message.s) : undefined;
    const timeframe = typeof k.i === 'string' ? timeframes.get(k.i) : undefined;
    if (symbol === undefined || timeframe === undefined) return; // not a stream we asked for
    const read = this.candle(`kline ${String(message.s)} ${String(k.i)}`, timeframe, [
      k.t,
      k.o,
      k.h,
      k.l,
      k.c,
      k.v,
    ]);
    if (read !== null) events.closedCandle(symbol, timeframe, read);
  }
}

/** Bybit v5 public frames: `kline.<interval>.<id>` and `orderbook.<depth>.<id>` topics. */
class BybitFrames extends Frames {
  /** Last update id applied per book topic; absent until its snapshot. */
  readonly #bookUpdate = new Map<string, number>();

  protected readRecord(frame: Json): void {
    const topic = frame.topic;
    if (typeof topic !== 'string') return; // pongs, acknowledgements
    this.options.events.data();
    if (topic.startsWith('kline.')) this.#kline(topic, frame.data);
    else if (topic.startsWith('orderbook.')) this.#book(topic, frame);
  }

  #kline(topic: string, data: unknown): void {
    const { events, symbols, timeframes } = this.options;
    const [, interval = '', id = ''] = topic.split('.');
    const symbol = symbols.get(id);
    const timeframe = timeframes.get(interval);
    if (symbol === undefined || timeframe === undefined) return;
    if (!Array.isArray(data)) {
      events.malformed(`${topic}: data is not a list`);
      return;
    }
    for (const row of data) {
      if (!isRecord(row) || row.confirm !== true) continue;
      const read = this.candle(topic, timeframe, [
        row.start,
        row.open,
        row.high,
        row.low,
        row.close,
        row.volume,
      ]);
      if (read !== null) events.closedCandle(symbol, timeframe, read);
    }
  }

  /** Bybit numbers each book message of a topic: a delta must carry the previous `u` + 1. */
  #book(topic: string, frame: Json): void {
    const { events, symbols } = this.options;
    const data = frame.data;
    const id = topic.split('.')[2] ?? '';
    const symbol = symbols.get(id);
    if (symbol === undefined) return;
    const update = isRecord(data) ? data.u : undefined;
    if (typeof update !== 'number' || !Number.isSafeInteger(update)) {
      events.malformed(`${topic}: no update id`);
      this.#bookUpdate.delete(topic);
      return;
    }
    if (frame.type === 'snapshot') {
      this.#bookUpdate.set(topic, update);
      return;
    }
    const previous = this.#bookUpdate.get(topic);
    if (previous === undefined) return; // deltas before the snapshot: ccxt has no book yet either
    if (update === previous + 1) {
      this.#bookUpdate.set(topic, update);
      return;
    }
    // The delta just applied, sent twice: its sizes are absolute, so applying it again changes nothing.
    if (update === previous) return;
    // Skipped deltas, or an older one replayed over newer sizes: only a new snapshot can say.
    this.#bookUpdate.delete(topic);
    events.bookGap(symbol, `${topic}: update ${update} after ${previous}`);
  }
}
