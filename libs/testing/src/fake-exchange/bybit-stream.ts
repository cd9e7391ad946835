import type { BookModel } from './book-model.js';
import { timeframeMs } from './candles.js';
import { type FakeMarket, marketById } from './fixtures.js';
import { fixed, plain } from './route-kit.js';
import { asObject, levelRows, type StreamProtocol, stringList, type TimedFrame } from './stream-protocol.js';
import type { StreamVenue, TopicSpec } from './stream-types.js';
import type { JsonObject, JsonValue } from './types.js';

/** v5 kline `interval` → ccxt timeframe (https://bybit-exchange.github.io/docs/v5/enum#interval). */
export const BYBIT_INTERVALS: Readonly<Record<string, string>> = {
  '1': '1m',
  '3': '3m',
  '5': '5m',
  '15': '15m',
  '30': '30m',
  '60': '1h',
  '120': '2h',
  '240': '4h',
  '360': '6h',
  '720': '12h',
  D: '1d',
  W: '1w',
  M: '1M',
};

// Depths the public orderbook topic accepts (https://bybit-exchange.github.io/docs/v5/websocket/public/orderbook);
// anything else is answered "error:handler not found".
const DEPTHS: Readonly<Record<StreamVenue, readonly number[]>> = {
  spot: [1, 50, 200, 1000],
  swap: [1, 50, 200, 500, 1000],
};

const TOPIC = /^(?:kline\.(\w+)|(publicTrade)|orderbook\.(\d+))\.([A-Z0-9]+)$/;

function decimals(venue: StreamVenue, market: FakeMarket): { price: number; qty: number } {
  return {
    price: market.priceDecimals,
    qty: venue === 'spot' ? market.qty.bybitSpot : market.qty.bybitPerp,
  };
}

function reqId(id: JsonValue | undefined): JsonObject {
  return id === undefined ? {} : { req_id: id };
}

/**
 * Bybit v5 public streams (`/v5/public/spot`, `/v5/public/linear`):
 * https://bybit-exchange.github.io/docs/v5/ws/connect. Answers as the live service does: one
 * unknown or already-subscribed topic fails the whole subscribe request
 * (`error:handler not found,topic:…` / `error:already subscribed,topic:…`).
 */
export const bybitStream: StreamProtocol = {
  exchange: 'bybit',
  refusesDuplicates: true,
  // "For spot, you can input up to 10 args for each subscription request sent to one connection"
  // (https://bybit-exchange.github.io/docs/v5/ws/connect); the service answers "args size >10".
  maxTopicsPerRequest: (venue) => (venue === 'spot' ? 10 : Infinity),

  venueOf(path) {
    if (path === '/bybit/v5/public/spot') return 'spot';
    if (path === '/bybit/v5/public/linear') return 'swap';
    return undefined;
  },

  parse(message) {
    const body = asObject(message);
    const id = body?.req_id;
    const op = body?.op;
    const topics = stringList(body?.args);
    if (op === 'subscribe') return { op: 'subscribe', topics, id };
    if (op === 'unsubscribe') return { op: 'unsubscribe', topics, id };
    if (op === 'ping') return { op: 'ping', topics: [], id };
    return { op: 'invalid', topics: [], id };
  },

  topic(venue, name, markets) {
    const match = TOPIC.exec(name);
    const market = marketById(match?.[4], markets);
    if (match === null || market === undefined) return undefined;
    const base = {
      key: `bybit|${venue}|${name}`,
      exchange: 'bybit' as const,
      venue,
      name,
      market,
      symbol: venue === 'spot' ? market.spotSymbol : market.perpSymbol,
    };
    if (match[1] !== undefined) {
      const timeframe = BYBIT_INTERVALS[match[1]];
      const intervalMs = timeframe === undefined ? undefined : timeframeMs(timeframe);
      if (timeframe === undefined || intervalMs === undefined) return undefined;
      return { ...base, kind: 'kline', timeframe, intervalMs };
    }
    if (match[2] !== undefined) return { ...base, kind: 'trade', aggregated: false };
    const depth = Number(match[3]);
    return DEPTHS[venue].includes(depth) ? { ...base, kind: 'book', depth } : undefined;
  },

  // Spot acknowledges with ret_msg "subscribe", linear with "".
  subscribed: (request, connection) =>
    JSON.stringify({
      success: true,
      ret_msg: connection.venue === 'spot' ? 'subscribe' : '',
      conn_id: connection.id,
      ...reqId(request.id),
      op: 'subscribe',
    }),
  unsubscribed: (request, connection) =>
    JSON.stringify({
      success: true,
      ret_msg: '',
      conn_id: connection.id,
      ...reqId(request.id),
      op: 'unsubscribe',
    }),
  refused: (request, connection, why, topic) =>
    JSON.stringify({
      success: false,
      ret_msg:
        why === 'tooMany'
          ? 'args size >10'
          : `error:${why === 'duplicate' ? 'already subscribed' : 'handler not found'},topic:${topic}`,
      conn_id: connection.id,
      ...reqId(request.id),
      op: 'subscribe',
    }),
  listed: (request, connection) => bybitStream.invalid(request, connection),
  invalid: (request, connection) =>
    JSON.stringify({
      success: false,
      ret_msg: 'error:invalid op',
      conn_id: connection.id,
      ...reqId(request.id),
      op: '',
    }),

  // Spot: {"success":true,"ret_msg":"pong","conn_id":…,"op":"ping"};
  // linear: {"req_id":…,"op":"pong","args":["<ms>"],"conn_id":…} (https://bybit-exchange.github.io/docs/v5/ws/connect#how-to-send-the-heartbeat-packet).
  pong: (request, connection, now) =>
    connection.venue === 'spot'
      ? JSON.stringify({
          success: true,
          ret_msg: 'pong',
          conn_id: connection.id,
          ...reqId(request.id),
          op: 'ping',
        })
      : JSON.stringify({ ...reqId(request.id), op: 'pong', args: [String(now)], conn_id: connection.id }),

  // https://bybit-exchange.github.io/docs/v5/websocket/public/kline
  kline(spec, c, closed, time) {
    const d = decimals(spec.venue, spec.market);
    const interval = spec.name.split('.')[1] as string;
    return JSON.stringify({
      topic: spec.name,
      data: [
        {
          start: c.timestamp,
          end: c.timestamp + spec.intervalMs - 1,
          interval,
          open: fixed(c.open, d.price),
          close: fixed(c.close, d.price),
          high: fixed(c.high, d.price),
          low: fixed(c.low, d.price),
          volume: plain(c.volume),
          turnover: plain((c.volume * (c.high + c.low + c.close)) / 3, 4),
          confirm: closed,
          timestamp: time,
        },
      ],
      ts: time,
      type: 'snapshot',
    });
  },

  // https://bybit-exchange.github.io/docs/v5/websocket/public/trade: `L` (tick direction) is perpetuals only.
  trades(spec, trades) {
    const d = decimals(spec.venue, spec.market);
    let previous: number | undefined;
    return trades.map((t): TimedFrame => {
      const row: JsonObject = {
        T: t.time,
        s: spec.market.id,
        S: t.buyerMaker ? 'Sell' : 'Buy',
        v: fixed(t.qty, d.qty),
        p: fixed(t.price, d.price),
        i: bybitTradeId(t.id),
        BT: false,
      };
      if (spec.venue === 'swap') {
        row.L = previous === undefined || t.price >= previous ? 'PlusTick' : 'MinusTick';
      }
      previous = t.price;
      return {
        time: t.time,
        text: JSON.stringify({ topic: spec.name, type: 'snapshot', ts: t.time, data: [row] }),
      };
    });
  },

  // https://bybit-exchange.github.io/docs/v5/websocket/public/orderbook: a delta per change set;
  // level 1 is pushed as snapshots only, and so is a depth shallower than the model (a delta
  // would carry levels outside the topic's view).
  bookDiff(spec, step, model, time) {
    if (spec.depth === 1 || spec.depth < model.levels) return orderbookFrame(spec, model, time, 'snapshot');
    const d = decimals(spec.venue, spec.market);
    return JSON.stringify({
      topic: spec.name,
      type: 'delta',
      ts: time,
      data: {
        s: spec.market.id,
        b: levelRows(step.bids, d.price, d.qty),
        a: levelRows(step.asks, d.price, d.qty),
        u: step.lastId,
        seq: step.seq,
      },
      cts: time - 2,
    });
  },

  bookSnapshot: (spec, model, time) => orderbookFrame(spec, model, time, 'snapshot'),
};

function orderbookFrame(
  spec: Extract<TopicSpec, { kind: 'book' }>,
  model: BookModel,
  time: number,
  type: 'snapshot',
): string {
  const d = decimals(spec.venue, spec.market);
  const book = model.snapshot(spec.depth);
  return JSON.stringify({
    topic: spec.name,
    type,
    ts: time,
    data: {
      s: spec.market.id,
      b: levelRows(book.bids, d.price, d.qty),
      a: levelRows(book.asks, d.price, d.qty),
      u: book.updateId,
      seq: book.seq,
    },
    cts: time - 2,
  });
}

/** Execution ids as the REST recent-trade route prints them (19-digit numeric strings). */
export function bybitTradeId(id: number): string {
  return String(2100000000000000000n + BigInt(id));
}

/** The REST `/v5/market/orderbook` result of a book model (`u`, `seq` = the model's). */
export function bybitOrderbookFromModel(
  model: BookModel,
  venue: StreamVenue,
  limit: number,
  now: number,
): JsonObject {
  const d = decimals(venue, model.market);
  const book = model.snapshot(limit);
  return {
    s: model.market.id,
    b: levelRows(book.bids, d.price, d.qty),
    a: levelRows(book.asks, d.price, d.qty),
    ts: now,
    u: book.updateId,
    seq: book.seq,
    cts: now - 2,
  };
}
