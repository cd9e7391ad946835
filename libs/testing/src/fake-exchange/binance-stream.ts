import type { CsvCandle } from '../market-data.js';
import { prng } from '../prng.js';
import type { BookModel, BookStep } from './book-model.js';
import { timeframeMs } from './candles.js';
import { type FakeMarket, marketById } from './fixtures.js';
import { fixed, plain } from './route-kit.js';
import {
  asObject,
  type ClientRequest,
  levelRows,
  type StreamProtocol,
  stringList,
  type TimedFrame,
} from './stream-protocol.js';
import type { StreamVenue, TopicSpec } from './stream-types.js';
import { hashSeed, type SyntheticTrade } from './synth.js';
import type { JsonObject } from './types.js';

/** Hosts of ccxt's `urls.api.ws.spot` (`wss://stream.binance.com:9443/ws`) and `.future`. */
export const BINANCE_STREAM_HOST = 'stream.binance.com';
export const BINANCE_FSTREAM_HOST = 'fstream.binance.com';

type KlineSpec = Extract<TopicSpec, { kind: 'kline' }>;
type TradeSpec = Extract<TopicSpec, { kind: 'trade' }>;
type BookSpec = Extract<TopicSpec, { kind: 'book' }>;

// Stream names: https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams
// <symbol>@kline_<interval>, <symbol>@trade, <symbol>@aggTrade, <symbol>@depth[@100ms|@1000ms].
const STREAM = /^([a-z0-9]+)@(?:kline_(\w+)|(trade)|(aggTrade)|(depth)(?:@(?:100|250|500|1000)ms)?)$/;

/** Spot prices and sizes as Binance spot prints them (8 decimals); futures use the market's steps. */
function scale(venue: StreamVenue, market: FakeMarket): { price: number; qty: number } {
  if (venue === 'spot') return { price: 8, qty: 8 };
  return { price: market.priceDecimals, qty: market.qty.binancePerp };
}

/**
 * Binance's public market streams (spot `stream.binance.com/ws`, USDⓈ-M `fstream.binance.com/…/ws`),
 * raw (not combined) payloads, the live subscribe/unsubscribe protocol:
 * https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams#live-subscribingunsubscribing-to-streams
 */
export const binanceStream: StreamProtocol = {
  exchange: 'binance',
  refusesDuplicates: false,
  // A connection takes 1024 streams; one request is not limited apart from that.
  maxTopicsPerRequest: () => 1024,

  venueOf(path) {
    if (path.startsWith(`/binance/${BINANCE_STREAM_HOST}/`)) return 'spot';
    if (path.startsWith(`/binance/${BINANCE_FSTREAM_HOST}/`)) return 'swap';
    return undefined;
  },

  parse(message) {
    const body = asObject(message);
    const id = body?.id;
    const method = body?.method;
    const topics = stringList(body?.params);
    if (method === 'SUBSCRIBE') return { op: 'subscribe', topics, id };
    if (method === 'UNSUBSCRIBE') return { op: 'unsubscribe', topics, id };
    if (method === 'LIST_SUBSCRIPTIONS') return { op: 'list', topics: [], id };
    return { op: 'invalid', topics: [], id };
  },

  topic(venue, name, markets) {
    const match = STREAM.exec(name);
    const market = marketById(match?.[1]?.toUpperCase(), markets);
    if (match === null || market === undefined) return undefined;
    const base = {
      key: `binance|${venue}|${name}`,
      exchange: 'binance' as const,
      venue,
      name,
      market,
      symbol: venue === 'spot' ? market.spotSymbol : market.perpSymbol,
    };
    const interval = match[2];
    if (interval !== undefined) {
      const intervalMs = timeframeMs(interval);
      return intervalMs === undefined
        ? undefined
        : { ...base, kind: 'kline', timeframe: interval, intervalMs };
    }
    if (match[5] !== undefined) return { ...base, kind: 'book', depth: 0 };
    return { ...base, kind: 'trade', aggregated: match[4] !== undefined };
  },

  subscribed: (request) => JSON.stringify({ result: null, id: request.id ?? null }),
  unsubscribed: (request) => JSON.stringify({ result: null, id: request.id ?? null }),
  listed: (request, _connection, topics) => JSON.stringify({ result: topics, id: request.id ?? null }),
  // The error shape ccxt's binance.handleWsError reads: {"error":{"code":2,"msg":...},"id":N}.
  refused: (request) =>
    JSON.stringify({ error: { code: 2, msg: 'Invalid request: invalid stream' }, id: request.id ?? null }),
  invalid: (request: ClientRequest) =>
    JSON.stringify({
      error: {
        code: 2,
        msg: 'Invalid request: unknown variant, expected one of SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS, SET_PROPERTY, GET_PROPERTY',
      },
      id: request.id ?? null,
    }),
  // Binance has no application ping: the server sends WebSocket ping frames.
  pong: () => undefined,

  kline: (spec, candle, closed, time) => JSON.stringify(klineEvent(spec, candle, closed, time)),

  trades(spec, trades) {
    return trades.map((t): TimedFrame => ({ time: t.time, text: JSON.stringify(tradeEvent(spec, t)) }));
  },

  bookDiff(spec, step, _model, time) {
    return JSON.stringify(depthEvent(spec, step, time));
  },

  bookSnapshot: () => undefined,
};

// https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams#klinecandlestick-streams
function klineEvent(spec: KlineSpec, c: CsvCandle, closed: boolean, time: number): JsonObject {
  const d = scale(spec.venue, spec.market);
  const volume = (v: number): string => (spec.venue === 'spot' ? fixed(v, 8) : plain(v));
  const quoteVolume = (c.volume * (c.high + c.low + c.close)) / 3;
  const takerShare = 0.35 + prng(hashSeed(spec.symbol, c.timestamp / 1000))() * 0.3;
  const trades = Math.max(1, Math.round(c.volume * 40));
  const firstTrade = Math.floor(c.timestamp / 10);
  return {
    e: 'kline',
    E: time,
    s: spec.market.id,
    k: {
      t: c.timestamp,
      T: c.timestamp + spec.intervalMs - 1,
      s: spec.market.id,
      i: spec.timeframe,
      f: firstTrade,
      L: firstTrade + trades - 1,
      o: fixed(c.open, d.price),
      c: fixed(c.close, d.price),
      h: fixed(c.high, d.price),
      l: fixed(c.low, d.price),
      v: volume(c.volume),
      n: trades,
      x: closed,
      q: fixed(quoteVolume, spec.venue === 'spot' ? 8 : 5),
      V: volume(c.volume * takerShare),
      Q: fixed(quoteVolume * takerShare, spec.venue === 'spot' ? 8 : 5),
      B: '0',
    },
  };
}

// Spot: https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams#trade-streams
// and #aggregate-trade-streams; USDⓈ-M aggTrade has no `M`, its trade stream adds `X`.
function tradeEvent(spec: TradeSpec, t: SyntheticTrade): JsonObject {
  const d = scale(spec.venue, spec.market);
  const common = { E: t.time, s: spec.market.id, p: fixed(t.price, d.price), q: fixed(t.qty, d.qty) };
  if (spec.aggregated) {
    const row = { e: 'aggTrade', ...common, a: t.id, f: t.id, l: t.id, T: t.time, m: t.buyerMaker };
    return spec.venue === 'spot' ? { ...row, M: true } : row;
  }
  const row = { e: 'trade', ...common, t: t.id, T: t.time, m: t.buyerMaker };
  return spec.venue === 'spot' ? { ...row, M: true } : { ...row, X: 'MARKET' };
}

// Spot: https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams#diff-depth-stream
// USDⓈ-M adds T (transaction time) and pu (the previous event's u).
function depthEvent(spec: BookSpec, step: BookStep, time: number): JsonObject {
  const d = scale(spec.venue, spec.market);
  const bids = levelRows(step.bids, d.price, d.qty);
  const asks = levelRows(step.asks, d.price, d.qty);
  const head = { e: 'depthUpdate', E: time };
  if (spec.venue === 'spot') {
    return { ...head, s: spec.market.id, U: step.firstId, u: step.lastId, b: bids, a: asks };
  }
  return {
    ...head,
    T: time - 2,
    s: spec.market.id,
    U: step.firstId,
    u: step.lastId,
    pu: step.prevId,
    b: bids,
    a: asks,
  };
}

/** The REST depth answer of a book model (`lastUpdateId` = the model's update id). */
export function binanceDepthFromModel(
  model: BookModel,
  venue: StreamVenue,
  limit: number,
  now: number,
): JsonObject {
  const d = scale(venue, model.market);
  const book = model.snapshot(limit);
  const bids = levelRows(book.bids, d.price, d.qty);
  const asks = levelRows(book.asks, d.price, d.qty);
  return venue === 'spot'
    ? { lastUpdateId: book.updateId, bids, asks }
    : { lastUpdateId: book.updateId, E: now, T: now - 3, bids, asks };
}
