import { prng } from '../prng.js';
import { binanceDepthFromModel } from './binance-stream.js';
import type { BookRegistry } from './book-model.js';
import type { FakeDataset } from './candles.js';
import { binancePerpExchangeInfo, binanceSpotExchangeInfo, type FakeMarket, marketById } from './fixtures.js';
import {
  clampLimit,
  fixed,
  intParam,
  klineWindow,
  ok,
  periodStamps,
  plain,
  referenceFor,
} from './route-kit.js';
import { funding, hashSeed, longShare, openInterest, orderBook, randomFor, trades } from './synth.js';
import type { ErrorAnswer, JsonObject, JsonValue, Route, RouteContext, RouteResponse } from './types.js';

export const BINANCE_SPOT_HOST = 'api.binance.com';
export const BINANCE_USDM_HOST = 'fapi.binance.com';

type Venue = 'spot' | 'usdm';

// Error bodies: https://developers.binance.com/docs/binance-spot-api-docs/errors
function error(status: number, code: number, msg: string): RouteResponse {
  return { status, body: { code, msg } };
}

/** Binance's answer to a path it does not serve (as fapi answers it: 404 + code -5000). */
export function binanceNotFound(path: string): ErrorAnswer {
  return { status: 404, body: { code: -5000, msg: `Path ${path}, Method GET is invalid` } };
}

const MISSING_SYMBOL = error(
  400,
  -1102,
  "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.",
);
const INVALID_SYMBOL = error(400, -1121, 'Invalid symbol.');
const INVALID_INTERVAL = error(400, -1120, 'Invalid interval.');
const BINANCE_INTERVALS: readonly string[] = [
  '1s',
  '1m',
  '3m',
  '5m',
  '15m',
  '30m',
  '1h',
  '2h',
  '4h',
  '6h',
  '8h',
  '12h',
  '1d',
  '3d',
  '1w',
  '1M',
];
const STAT_PERIODS: Readonly<Record<string, number>> = {
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '1h': 3_600_000,
  '2h': 7_200_000,
  '4h': 14_400_000,
  '6h': 21_600_000,
  '12h': 43_200_000,
  '1d': 86_400_000,
};

type Resolved = { market: FakeMarket; symbol: string } | RouteResponse;

function resolve(ctx: RouteContext, venue: Venue): Resolved {
  const id = ctx.query.symbol;
  if (id === undefined || id === '') return MISSING_SYMBOL;
  const market = marketById(id, ctx.markets);
  if (market === undefined) return INVALID_SYMBOL;
  return { market, symbol: venue === 'spot' ? market.spotSymbol : market.perpSymbol };
}

function isAnswer(r: Resolved): r is RouteResponse {
  return 'status' in r;
}

// Kline rows: https://developers.binance.com/docs/binance-spot-api-docs/rest-api/market-data-endpoints#klinecandlestick-data
// [openTime, open, high, low, close, volume, closeTime, quoteVolume, trades, takerBase, takerQuote, "0"]
function klines(dataset: FakeDataset, venue: Venue): Route['handle'] {
  return (ctx) => {
    const r = resolve(ctx, venue);
    if (isAnswer(r)) return r;
    const interval = ctx.query.interval ?? '';
    if (!BINANCE_INTERVALS.includes(interval)) return INVALID_INTERVAL;
    const start = intParam(ctx.query, 'startTime');
    const end = intParam(ctx.query, 'endTime');
    const limit = intParam(ctx.query, 'limit');
    if (start === null || end === null || limit === null)
      return error(400, -1100, 'Illegal characters found in a parameter.');
    const max = venue === 'spot' ? 1000 : 1500;
    const window = klineWindow(dataset, ctx, r.symbol, interval, r.market, {
      start,
      end,
      limit: clampLimit(limit, 500, max),
    });
    const priceDecimals = venue === 'spot' ? 8 : r.market.priceDecimals;
    const volume = (v: number): string => (venue === 'spot' ? fixed(v, 8) : plain(v));
    return ok(
      window.candles.map((c) => {
        const quoteVolume = (c.volume * (c.high + c.low + c.close)) / 3;
        const takerShare = 0.35 + prng(hashSeed(r.symbol, c.timestamp / 1000))() * 0.3;
        return [
          c.timestamp,
          fixed(c.open, priceDecimals),
          fixed(c.high, priceDecimals),
          fixed(c.low, priceDecimals),
          fixed(c.close, priceDecimals),
          volume(c.volume),
          c.timestamp + window.intervalMs - 1,
          fixed(quoteVolume, venue === 'spot' ? 8 : 5),
          Math.max(1, Math.round(c.volume * 40)),
          volume(c.volume * takerShare),
          fixed(quoteVolume * takerShare, venue === 'spot' ? 8 : 5),
          '0',
        ];
      }),
    );
  };
}

// Spot: {lastUpdateId, bids, asks}; USDⓈ-M adds E (message time) and T (transaction time).
// https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Order-Book
// With a stream book model (a depth stream was subscribed), the model's state and update id.
function depth(dataset: FakeDataset, venue: Venue, books: BookRegistry | undefined): Route['handle'] {
  return (ctx) => {
    const r = resolve(ctx, venue);
    if (isAnswer(r)) return r;
    const limit = intParam(ctx.query, 'limit');
    if (limit === null) return error(400, -1100, 'Illegal characters found in a parameter.');
    const model = books?.get('binance', venue === 'spot' ? 'spot' : 'swap', r.market.id);
    if (model !== undefined) {
      const levels = clampLimit(limit, venue === 'spot' ? 100 : 500, venue === 'spot' ? 5000 : 1000);
      return ok(binanceDepthFromModel(model, venue === 'spot' ? 'spot' : 'swap', levels, ctx.now));
    }
    const ref = referenceFor(dataset, ctx.exchange, r.symbol, ctx.now);
    if (ref === undefined) return ok({ lastUpdateId: 0, bids: [], asks: [] });
    const tick = venue === 'spot' ? r.market.tick.binanceSpot : r.market.tick.binancePerp;
    const qtyDecimals = venue === 'spot' ? r.market.qty.binanceSpot : r.market.qty.binancePerp;
    const levels = clampLimit(limit, venue === 'spot' ? 100 : 500, 1000);
    const book = orderBook(ref.candle, tick, qtyDecimals, levels, randomFor(r.symbol, ctx.now, 'depth'));
    const size = (q: number): string => (venue === 'spot' ? fixed(q, 8) : fixed(q, qtyDecimals));
    const priceText = (p: number): string =>
      venue === 'spot' ? fixed(p, 8) : fixed(p, r.market.priceDecimals);
    const side = (levelsOf: [number, number][]): JsonValue =>
      levelsOf.map(([p, q]) => [priceText(p), size(q)]);
    const lastUpdateId = Math.floor(ctx.now / 100);
    return ok(
      venue === 'spot'
        ? { lastUpdateId, bids: side(book.bids), asks: side(book.asks) }
        : { lastUpdateId, E: ctx.now, T: ctx.now - 3, bids: side(book.bids), asks: side(book.asks) },
    );
  };
}

// aggTrades: {a, p, q, f, l, T, m, M} (spot) / without M (USDⓈ-M); trades: {id, price, qty, quoteQty, time, isBuyerMaker, isBestMatch}.
// https://developers.binance.com/docs/binance-spot-api-docs/rest-api/market-data-endpoints#compressedaggregate-trades-list
function tape(dataset: FakeDataset, venue: Venue, aggregated: boolean): Route['handle'] {
  return (ctx) => {
    const r = resolve(ctx, venue);
    if (isAnswer(r)) return r;
    const start = intParam(ctx.query, 'startTime');
    const end = intParam(ctx.query, 'endTime');
    const limit = intParam(ctx.query, 'limit');
    if (start === null || end === null || limit === null)
      return error(400, -1100, 'Illegal characters found in a parameter.');
    const ref = referenceFor(dataset, ctx.exchange, r.symbol, ctx.now);
    const to = Math.min(ctx.now, end ?? ctx.now);
    const from = start ?? to - (ref?.intervalMs ?? 60_000);
    if (ref === undefined || from >= to) return ok([]);
    const qtyDecimals = venue === 'spot' ? r.market.qty.binanceSpot : r.market.qty.binancePerp;
    const count = clampLimit(limit, 500, 1000);
    const list = trades(
      ref.candle,
      from,
      to,
      count,
      r.market.priceDecimals,
      qtyDecimals,
      randomFor(r.symbol, ctx.now, 'trades'),
    );
    const price = (p: number): string => (venue === 'spot' ? fixed(p, 8) : fixed(p, r.market.priceDecimals));
    const qty = (q: number): string => (venue === 'spot' ? fixed(q, 8) : fixed(q, qtyDecimals));
    return ok(
      list.map((t): JsonObject => {
        if (aggregated) {
          const row: JsonObject = {
            a: t.id,
            p: price(t.price),
            q: qty(t.qty),
            f: t.id * 2,
            l: t.id * 2,
            T: t.time,
            m: t.buyerMaker,
          };
          return venue === 'spot' ? { ...row, M: true } : row;
        }
        const row: JsonObject = {
          id: t.id,
          price: price(t.price),
          qty: qty(t.qty),
          quoteQty: fixed(t.price * t.qty, venue === 'spot' ? 8 : 5),
          time: t.time,
          isBuyerMaker: t.buyerMaker,
        };
        return venue === 'spot' ? { ...row, isBestMatch: true } : row;
      }),
    );
  };
}

// https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Mark-Price
function premiumIndex(dataset: FakeDataset): Route['handle'] {
  const one = (market: FakeMarket, now: number): JsonObject | undefined => {
    const ref = referenceFor(dataset, 'binance', market.perpSymbol, now);
    if (ref === undefined) return undefined;
    const f = funding(ref.candle, now, randomFor(market.perpSymbol, now, 'funding'));
    return {
      symbol: market.id,
      markPrice: fixed(f.markPrice, 8),
      indexPrice: fixed(f.indexPrice, 8),
      estimatedSettlePrice: fixed((f.markPrice + f.indexPrice) / 2, 8),
      lastFundingRate: fixed(f.fundingRate, 8),
      interestRate: '0.00010000',
      nextFundingTime: f.nextFundingTime,
      time: now,
    };
  };
  return (ctx) => {
    if (ctx.query.symbol === undefined) {
      return ok(
        ctx.markets.flatMap((market) => {
          const row = one(market, ctx.now);
          return row === undefined ? [] : [row];
        }),
      );
    }
    const r = resolve(ctx, 'usdm');
    if (isAnswer(r)) return r;
    const row = one(r.market, ctx.now);
    return row === undefined ? INVALID_SYMBOL : ok(row);
  };
}

// https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Open-Interest
function openInterestRoute(ctx: RouteContext): RouteResponse {
  const r = resolve(ctx, 'usdm');
  if (isAnswer(r)) return r;
  const oi = openInterest(r.market.openInterest, randomFor(r.symbol, ctx.now, 'oi'));
  return ok({ openInterest: fixed(oi, 3), symbol: r.market.id, time: ctx.now });
}

// https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Long-Short-Ratio
// [{symbol, longShortRatio, longAccount, shortAccount, timestamp}], ascending.
function globalLongShortAccountRatio(ctx: RouteContext): RouteResponse {
  const r = resolve(ctx, 'usdm');
  if (isAnswer(r)) return r;
  const periodMs = STAT_PERIODS[ctx.query.period ?? ''];
  if (periodMs === undefined)
    return error(400, -1102, "Mandatory parameter 'period' was not sent, was empty/null, or malformed.");
  const start = intParam(ctx.query, 'startTime');
  const end = intParam(ctx.query, 'endTime');
  const limit = intParam(ctx.query, 'limit');
  if (start === null || end === null || limit === null)
    return error(400, -1100, 'Illegal characters found in a parameter.');
  const stamps = periodStamps(periodMs, ctx.now, start, end, clampLimit(limit, 30, 500));
  return ok(
    stamps.map((timestamp) => {
      const long = Number(longShare(prng(hashSeed(`${r.market.id}|lsr`, timestamp / 1000))).toFixed(4));
      const short = Number((1 - long).toFixed(4));
      return {
        symbol: r.market.id,
        longShortRatio: (long / short).toFixed(4),
        longAccount: long.toFixed(4),
        shortAccount: short.toFixed(4),
        timestamp,
      };
    }),
  );
}

/** Every route the fake serves for Binance (spot api/v3 and USDⓈ-M fapi + futures/data). */
export function binanceRoutes(dataset: FakeDataset, books?: BookRegistry): Route[] {
  const S = BINANCE_SPOT_HOST;
  const F = BINANCE_USDM_HOST;
  return [
    { host: S, path: '/api/v3/ping', endpoint: 'ping', handle: () => ok({}) },
    { host: S, path: '/api/v3/time', endpoint: 'serverTime', handle: (ctx) => ok({ serverTime: ctx.now }) },
    {
      host: S,
      path: '/api/v3/exchangeInfo',
      endpoint: 'markets',
      handle: (ctx) => ok(binanceSpotExchangeInfo(ctx.now, ctx.markets)),
    },
    { host: S, path: '/api/v3/klines', endpoint: 'klines', handle: klines(dataset, 'spot') },
    { host: S, path: '/api/v3/depth', endpoint: 'orderBook', handle: depth(dataset, 'spot', books) },
    { host: S, path: '/api/v3/aggTrades', endpoint: 'trades', handle: tape(dataset, 'spot', true) },
    { host: S, path: '/api/v3/trades', endpoint: 'trades', handle: tape(dataset, 'spot', false) },
    { host: F, path: '/fapi/v1/ping', endpoint: 'ping', handle: () => ok({}) },
    { host: F, path: '/fapi/v1/time', endpoint: 'serverTime', handle: (ctx) => ok({ serverTime: ctx.now }) },
    {
      host: F,
      path: '/fapi/v1/exchangeInfo',
      endpoint: 'markets',
      handle: (ctx) => ok(binancePerpExchangeInfo(ctx.now, ctx.markets)),
    },
    { host: F, path: '/fapi/v1/klines', endpoint: 'klines', handle: klines(dataset, 'usdm') },
    { host: F, path: '/fapi/v1/depth', endpoint: 'orderBook', handle: depth(dataset, 'usdm', books) },
    { host: F, path: '/fapi/v1/aggTrades', endpoint: 'trades', handle: tape(dataset, 'usdm', true) },
    { host: F, path: '/fapi/v1/trades', endpoint: 'trades', handle: tape(dataset, 'usdm', false) },
    { host: F, path: '/fapi/v1/premiumIndex', endpoint: 'fundingRate', handle: premiumIndex(dataset) },
    { host: F, path: '/fapi/v1/openInterest', endpoint: 'openInterest', handle: openInterestRoute },
    {
      host: F,
      path: '/futures/data/globalLongShortAccountRatio',
      endpoint: 'longShortRatio',
      handle: globalLongShortAccountRatio,
    },
  ];
}
