import { prng } from '../prng.js';
import type { BookRegistry } from './book-model.js';
import { BYBIT_INTERVALS, bybitOrderbookFromModel } from './bybit-stream.js';
import type { FakeDataset } from './candles.js';
import { bybitInstruments, type FakeMarket, marketById } from './fixtures.js';
import { clampLimit, fixed, intParam, klineWindow, periodStamps, plain, referenceFor } from './route-kit.js';
import { funding, hashSeed, longShare, openInterest, orderBook, randomFor, trades } from './synth.js';
import type { ErrorAnswer, JsonObject, JsonValue, Route, RouteContext, RouteResponse } from './types.js';

export const BYBIT_HOST = 'api.bybit.com';

type Category = 'spot' | 'linear';

// Envelope of every v5 answer: https://bybit-exchange.github.io/docs/v5/intro (retCode/retMsg/result/retExtInfo/time).
function envelope(now: number, result: JsonValue, retCode = 0, retMsg = 'OK'): RouteResponse {
  return { status: 200, body: { retCode, retMsg, result, retExtInfo: {}, time: now } };
}

function paramError(now: number, retMsg: string): RouteResponse {
  return envelope(now, {}, 10001, retMsg);
}

/** Bybit's answer to a path it does not serve: 404 + retCode 10017 (https://bybit-exchange.github.io/docs/v5/error). */
export function bybitNotFound(now: number): ErrorAnswer {
  return {
    status: 404,
    body: { retCode: 10017, retMsg: 'route not found', result: {}, retExtInfo: {}, time: now },
  };
}

/** intervalTime / period of the statistics endpoints (https://bybit-exchange.github.io/docs/v5/enum#intervaltime). */
const STAT_PERIODS: Readonly<Record<string, number>> = {
  '5min': 300_000,
  '15min': 900_000,
  '30min': 1_800_000,
  '1h': 3_600_000,
  '4h': 14_400_000,
  '1d': 86_400_000,
};

type Resolved = { market: FakeMarket; symbol: string; category: Category } | RouteResponse;

function resolve(ctx: RouteContext, categories: readonly Category[]): Resolved {
  const category = ctx.query.category;
  if (category !== 'spot' && category !== 'linear') return paramError(ctx.now, 'Illegal category');
  if (!categories.includes(category)) return paramError(ctx.now, 'Illegal category');
  const market = marketById(ctx.query.symbol, ctx.markets);
  if (market === undefined) return paramError(ctx.now, 'Not supported symbols');
  return { market, category, symbol: category === 'spot' ? market.spotSymbol : market.perpSymbol };
}

function isAnswer(r: Resolved): r is RouteResponse {
  return 'status' in r;
}

const ILLEGAL = 'params error: parameter is not a valid integer';

// https://bybit-exchange.github.io/docs/v5/market/kline: list newest first,
// [startTime, open, high, low, close, volume, turnover], all strings.
function kline(dataset: FakeDataset): Route['handle'] {
  return (ctx) => {
    const r = resolve(ctx, ['spot', 'linear']);
    if (isAnswer(r)) return r;
    const timeframe = BYBIT_INTERVALS[ctx.query.interval ?? ''];
    if (timeframe === undefined) return paramError(ctx.now, 'Invalid period!');
    const start = intParam(ctx.query, 'start');
    const end = intParam(ctx.query, 'end');
    const limit = intParam(ctx.query, 'limit');
    if (start === null || end === null || limit === null) return paramError(ctx.now, ILLEGAL);
    const window = klineWindow(dataset, ctx, r.symbol, timeframe, r.market, {
      start,
      end,
      limit: clampLimit(limit, 200, 1000),
    });
    const rows = window.candles.map((c) => [
      String(c.timestamp),
      fixed(c.open, r.market.priceDecimals),
      fixed(c.high, r.market.priceDecimals),
      fixed(c.low, r.market.priceDecimals),
      fixed(c.close, r.market.priceDecimals),
      plain(c.volume),
      plain((c.volume * (c.high + c.low + c.close)) / 3, 4),
    ]);
    // A shuffle fault already scrambled the order; otherwise newest first, as Bybit sends it.
    const list = ctx.shuffle === null ? rows.reverse() : rows;
    return envelope(ctx.now, { symbol: r.market.id, category: r.category, list });
  };
}

// https://bybit-exchange.github.io/docs/v5/market/orderbook: {s, b (desc), a (asc), ts, u, seq, cts}.
// With a stream book model (an orderbook topic was subscribed), the model's state, `u` and `seq`.
function orderbook(dataset: FakeDataset, books: BookRegistry | undefined): Route['handle'] {
  return (ctx) => {
    const r = resolve(ctx, ['spot', 'linear']);
    if (isAnswer(r)) return r;
    const limit = intParam(ctx.query, 'limit');
    if (limit === null) return paramError(ctx.now, ILLEGAL);
    const levels = r.category === 'spot' ? clampLimit(limit, 1, 200) : clampLimit(limit, 25, 500);
    const venue = r.category === 'spot' ? 'spot' : 'swap';
    const model = books?.get('bybit', venue, r.market.id);
    if (model !== undefined) return envelope(ctx.now, bybitOrderbookFromModel(model, venue, levels, ctx.now));
    const ref = referenceFor(dataset, 'bybit', r.symbol, ctx.now);
    const qtyDecimals = r.category === 'spot' ? r.market.qty.bybitSpot : r.market.qty.bybitPerp;
    const book =
      ref === undefined
        ? { bids: [], asks: [] }
        : orderBook(
            ref.candle,
            r.market.tick.bybit,
            qtyDecimals,
            levels,
            randomFor(r.symbol, ctx.now, 'depth'),
          );
    const side = (levelsOf: [number, number][]): JsonValue =>
      levelsOf.map(([p, q]) => [fixed(p, r.market.priceDecimals), fixed(q, qtyDecimals)]);
    const u = Math.floor(ctx.now / 100);
    return envelope(ctx.now, {
      s: r.market.id,
      b: side(book.bids),
      a: side(book.asks),
      ts: ctx.now,
      u,
      seq: u * 7,
      cts: ctx.now - 2,
    });
  };
}

// https://bybit-exchange.github.io/docs/v5/market/recent-trade: newest first.
function recentTrade(dataset: FakeDataset): Route['handle'] {
  return (ctx) => {
    const r = resolve(ctx, ['spot', 'linear']);
    if (isAnswer(r)) return r;
    const limit = intParam(ctx.query, 'limit');
    if (limit === null) return paramError(ctx.now, ILLEGAL);
    const count = r.category === 'spot' ? clampLimit(limit, 60, 60) : clampLimit(limit, 500, 1000);
    const ref = referenceFor(dataset, 'bybit', r.symbol, ctx.now);
    const qtyDecimals = r.category === 'spot' ? r.market.qty.bybitSpot : r.market.qty.bybitPerp;
    const list =
      ref === undefined
        ? []
        : trades(
            ref.candle,
            ctx.now - ref.intervalMs,
            ctx.now,
            count,
            r.market.priceDecimals,
            qtyDecimals,
            randomFor(r.symbol, ctx.now, 'trades'),
          );
    const rows = list.map((t): JsonObject => ({
      execId: String(2100000000000000000n + BigInt(t.id)),
      symbol: r.market.id,
      price: fixed(t.price, r.market.priceDecimals),
      size: fixed(t.qty, qtyDecimals),
      side: t.buyerMaker ? 'Sell' : 'Buy',
      time: String(t.time),
      isBlockTrade: false,
      isRPITrade: false,
    }));
    return envelope(ctx.now, { category: r.category, list: rows.reverse() });
  };
}

// https://bybit-exchange.github.io/docs/v5/market/tickers (linear and spot field sets).
function tickers(dataset: FakeDataset): Route['handle'] {
  const row = (market: FakeMarket, category: Category, now: number): JsonObject | undefined => {
    const symbol = category === 'spot' ? market.spotSymbol : market.perpSymbol;
    const ref = referenceFor(dataset, 'bybit', symbol, now);
    if (ref === undefined) return undefined;
    const random = randomFor(symbol, now, 'funding');
    const f = funding(ref.candle, now, random);
    const d = market.priceDecimals;
    const tick = market.tick.bybit;
    const common = {
      symbol: market.id,
      bid1Price: fixed(ref.candle.close - tick, d),
      bid1Size: fixed(1 + random() * 3, 3),
      ask1Price: fixed(ref.candle.close + tick, d),
      ask1Size: fixed(1 + random() * 3, 3),
      lastPrice: fixed(ref.candle.close, d),
      prevPrice24h: fixed(ref.candle.open, d),
      price24hPcnt: fixed((ref.candle.close - ref.candle.open) / ref.candle.open, 6),
      highPrice24h: fixed(ref.candle.high, d),
      lowPrice24h: fixed(ref.candle.low, d),
      turnover24h: plain(ref.candle.volume * ref.candle.close * 1440, 4),
      volume24h: plain(ref.candle.volume * 1440, 4),
    };
    if (category === 'spot') return { ...common, usdIndexPrice: fixed(ref.candle.close, 6) };
    const oi = openInterest(market.openInterest, randomFor(symbol, now, 'oi'));
    return {
      ...common,
      indexPrice: fixed(f.indexPrice, d),
      markPrice: fixed(f.markPrice, d),
      prevPrice1h: fixed(ref.candle.open, d),
      openInterest: fixed(oi, 3),
      openInterestValue: fixed(oi * f.markPrice, 2),
      fundingRate: fixed(f.fundingRate, 6),
      nextFundingTime: String(f.nextFundingTime),
      predictedDeliveryPrice: '',
      basisRate: '',
      deliveryFeeRate: '',
      deliveryTime: '0',
      fundingIntervalHour: '8',
      fundingCap: '0.005',
    };
  };
  return (ctx) => {
    const category = ctx.query.category;
    if (category !== 'spot' && category !== 'linear') return paramError(ctx.now, 'Illegal category');
    const markets =
      ctx.query.symbol === undefined ? ctx.markets : ctx.markets.filter((m) => m.id === ctx.query.symbol);
    if (markets.length === 0) return paramError(ctx.now, 'Not supported symbols');
    const list = markets.flatMap((m) => {
      const item = row(m, category, ctx.now);
      return item === undefined ? [] : [item];
    });
    return envelope(ctx.now, { category, list });
  };
}

// https://bybit-exchange.github.io/docs/v5/market/open-interest: list newest first, cursor pagination.
function openInterestRoute(ctx: RouteContext): RouteResponse {
  const r = resolve(ctx, ['linear']);
  if (isAnswer(r)) return r;
  const periodMs = STAT_PERIODS[ctx.query.intervalTime ?? ''];
  if (periodMs === undefined) return paramError(ctx.now, 'Illegal intervalTime');
  const start = intParam(ctx.query, 'startTime');
  const end = intParam(ctx.query, 'endTime');
  const limit = intParam(ctx.query, 'limit');
  if (start === null || end === null || limit === null) return paramError(ctx.now, ILLEGAL);
  const stamps = periodStamps(periodMs, ctx.now, start, end, clampLimit(limit, 50, 200));
  const list = stamps.reverse().map((t) => ({
    openInterest: fixed(
      openInterest(r.market.openInterest, prng(hashSeed(`${r.market.id}|oi`, t / 1000))),
      8,
    ),
    timestamp: String(t),
  }));
  return envelope(ctx.now, { symbol: r.market.id, category: 'linear', list, nextPageCursor: '' });
}

// https://bybit-exchange.github.io/docs/v5/market/long-short-ratio: {list: [{symbol, buyRatio, sellRatio, timestamp}]}.
function accountRatio(ctx: RouteContext): RouteResponse {
  const r = resolve(ctx, ['linear']);
  if (isAnswer(r)) return r;
  const periodMs = STAT_PERIODS[ctx.query.period ?? ''];
  if (periodMs === undefined) return paramError(ctx.now, 'Illegal period');
  const start = intParam(ctx.query, 'startTime');
  const end = intParam(ctx.query, 'endTime');
  const limit = intParam(ctx.query, 'limit');
  if (start === null || end === null || limit === null) return paramError(ctx.now, ILLEGAL);
  const stamps = periodStamps(periodMs, ctx.now, start, end, clampLimit(limit, 50, 500));
  const list = stamps.reverse().map((t) => {
    const buy = Number(longShare(prng(hashSeed(`${r.market.id}|lsr`, t / 1000))).toFixed(4));
    return {
      symbol: r.market.id,
      buyRatio: buy.toFixed(4),
      sellRatio: (1 - buy).toFixed(4),
      timestamp: String(t),
    };
  });
  return envelope(ctx.now, { list, nextPageCursor: '' });
}

// https://bybit-exchange.github.io/docs/v5/market/instrument (category spot / linear; PreLaunch: none).
function instrumentsInfo(ctx: RouteContext): RouteResponse {
  const category = ctx.query.category;
  if (category === 'spot' || category === 'linear') {
    return envelope(ctx.now, bybitInstruments(category, ctx.query.status === 'PreLaunch', ctx.markets));
  }
  if (category === 'inverse' || category === 'option') {
    return envelope(ctx.now, { category, list: [], nextPageCursor: '' });
  }
  return paramError(ctx.now, 'Illegal category');
}

/** Every route the fake serves for Bybit v5 (public market endpoints). */
export function bybitRoutes(dataset: FakeDataset, books?: BookRegistry): Route[] {
  const H = BYBIT_HOST;
  return [
    {
      host: H,
      path: '/v5/market/time',
      endpoint: 'serverTime',
      // https://bybit-exchange.github.io/docs/v5/market/time
      handle: (ctx) =>
        envelope(ctx.now, { timeSecond: String(Math.floor(ctx.now / 1000)), timeNano: `${ctx.now}000000` }),
    },
    { host: H, path: '/v5/market/instruments-info', endpoint: 'markets', handle: instrumentsInfo },
    { host: H, path: '/v5/market/kline', endpoint: 'klines', handle: kline(dataset) },
    { host: H, path: '/v5/market/orderbook', endpoint: 'orderBook', handle: orderbook(dataset, books) },
    { host: H, path: '/v5/market/recent-trade', endpoint: 'trades', handle: recentTrade(dataset) },
    { host: H, path: '/v5/market/tickers', endpoint: 'ticker', handle: tickers(dataset) },
    { host: H, path: '/v5/market/open-interest', endpoint: 'openInterest', handle: openInterestRoute },
    { host: H, path: '/v5/market/account-ratio', endpoint: 'longShortRatio', handle: accountRatio },
  ];
}
