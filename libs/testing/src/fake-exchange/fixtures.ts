import type { JsonObject, JsonValue } from './types.js';

/** One base asset, listed as a spot pair and a USDT-margined perpetual on both exchanges. */
export interface FakeMarket {
  /** Exchange id on both exchanges and both market types (`BTCUSDT`). */
  readonly id: string;
  readonly base: string;
  readonly quote: 'USDT';
  readonly spotSymbol: string;
  readonly perpSymbol: string;
  /** Decimals prices are printed and rounded with (the candle data has cents). */
  readonly priceDecimals: number;
  readonly tick: { readonly binanceSpot: number; readonly binancePerp: number; readonly bybit: number };
  /** Decimals of order-book and trade sizes (each venue's lot step). */
  readonly qty: {
    readonly binanceSpot: number;
    readonly binancePerp: number;
    readonly bybitSpot: number;
    readonly bybitPerp: number;
  };
  /** Rough open interest in base units, for generated values. */
  readonly openInterest: number;
  readonly onboardDate: number;
}

export const FAKE_MARKETS: readonly FakeMarket[] = [
  {
    id: 'BTCUSDT',
    base: 'BTC',
    quote: 'USDT',
    spotSymbol: 'BTC/USDT',
    perpSymbol: 'BTC/USDT:USDT',
    priceDecimals: 2,
    tick: { binanceSpot: 0.01, binancePerp: 0.1, bybit: 0.1 },
    qty: { binanceSpot: 5, binancePerp: 3, bybitSpot: 6, bybitPerp: 3 },
    openInterest: 82_000,
    onboardDate: 1569398400000,
  },
  {
    id: 'LTCUSDT',
    base: 'LTC',
    quote: 'USDT',
    spotSymbol: 'LTC/USDT',
    perpSymbol: 'LTC/USDT:USDT',
    priceDecimals: 2,
    tick: { binanceSpot: 0.01, binancePerp: 0.01, bybit: 0.01 },
    qty: { binanceSpot: 3, binancePerp: 3, bybitSpot: 5, bybitPerp: 1 },
    openInterest: 1_450_000,
    onboardDate: 1569398400000,
  },
];

export function marketById(
  id: string | undefined,
  markets: readonly FakeMarket[] = FAKE_MARKETS,
): FakeMarket | undefined {
  return markets.find((m) => m.id === id);
}

/**
 * `count` extra markets shaped like LTC/USDT (cent prices, LTC's lot steps), ids `S001USDT`,
 * `S002USDT`, …, for load tests with many markets; their candles are the test's to provide
 * (`FakeDataset.set('*', 'S001/USDT', '1m', candles)`).
 */
export function syntheticMarkets(count: number): FakeMarket[] {
  const template = FAKE_MARKETS[1] as FakeMarket;
  return Array.from({ length: count }, (_, i) => {
    const base = `S${String(i + 1).padStart(3, '0')}`;
    return {
      ...template,
      id: `${base}USDT`,
      base,
      spotSymbol: `${base}/USDT`,
      perpSymbol: `${base}/USDT:USDT`,
    };
  });
}

// Spot symbol shape: https://developers.binance.com/docs/binance-spot-api-docs/rest-api/general-endpoints#exchange-information
// and ccxt ts/src/test/static/markets/binance.json (BTC/USDT, LTC/USDT `info`), numbers as the API sends them.
function binanceSpotSymbol(m: FakeMarket): JsonObject {
  const isBtc = m.base === 'BTC';
  return {
    symbol: m.id,
    status: 'TRADING',
    baseAsset: m.base,
    baseAssetPrecision: 8,
    quoteAsset: m.quote,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT_LIMIT'],
    icebergAllowed: true,
    ocoAllowed: true,
    otoAllowed: true,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: true,
    cancelReplaceAllowed: true,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: true,
    filters: [
      {
        filterType: 'PRICE_FILTER',
        minPrice: '0.01000000',
        maxPrice: isBtc ? '1000000.00000000' : '100000.00000000',
        tickSize: '0.01000000',
      },
      {
        filterType: 'LOT_SIZE',
        minQty: isBtc ? '0.00001000' : '0.00100000',
        maxQty: isBtc ? '9000.00000000' : '90000.00000000',
        stepSize: isBtc ? '0.00001000' : '0.00100000',
      },
      { filterType: 'ICEBERG_PARTS', limit: 10 },
      {
        filterType: 'MARKET_LOT_SIZE',
        minQty: '0.00000000',
        maxQty: isBtc ? '128.52621715' : '20716.23115062',
        stepSize: '0.00000000',
      },
      {
        filterType: 'TRAILING_DELTA',
        minTrailingAboveDelta: 10,
        maxTrailingAboveDelta: 2000,
        minTrailingBelowDelta: 10,
        maxTrailingBelowDelta: 2000,
      },
      {
        filterType: 'PERCENT_PRICE_BY_SIDE',
        bidMultiplierUp: '5',
        bidMultiplierDown: '0.2',
        askMultiplierUp: '5',
        askMultiplierDown: '0.2',
        avgPriceMins: 5,
      },
      {
        filterType: 'NOTIONAL',
        minNotional: '5.00000000',
        applyMinToMarket: true,
        maxNotional: '9000000.00000000',
        applyMaxToMarket: false,
        avgPriceMins: 5,
      },
      { filterType: 'MAX_NUM_ORDERS', maxNumOrders: 200 },
      { filterType: 'MAX_NUM_ALGO_ORDERS', maxNumAlgoOrders: 5 },
    ],
    permissions: [],
    permissionSets: [['SPOT', 'MARGIN']],
    defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
    allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
  };
}

/** GET /api/v3/exchangeInfo, only the markets the fake serves. */
export function binanceSpotExchangeInfo(
  now: number,
  markets: readonly FakeMarket[] = FAKE_MARKETS,
): JsonValue {
  return {
    timezone: 'UTC',
    serverTime: now,
    rateLimits: [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
      { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 200000 },
      { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 },
    ],
    exchangeFilters: [],
    symbols: markets.map(binanceSpotSymbol),
  };
}

// USDⓈ-M symbol shape: https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Exchange-Information
// and ccxt ts/src/test/static/markets/binance.json (BTC/USDT:USDT, LTC/USDT:USDT `info`).
function binancePerpSymbol(m: FakeMarket): JsonObject {
  const isBtc = m.base === 'BTC';
  return {
    symbol: m.id,
    pair: m.id,
    contractType: 'PERPETUAL',
    deliveryDate: 4133404800000,
    onboardDate: m.onboardDate,
    status: 'TRADING',
    maintMarginPercent: '2.5000',
    requiredMarginPercent: '5.0000',
    baseAsset: m.base,
    quoteAsset: m.quote,
    marginAsset: m.quote,
    pricePrecision: 2,
    quantityPrecision: 3,
    baseAssetPrecision: 8,
    quotePrecision: 8,
    underlyingType: 'COIN',
    underlyingSubType: ['PoW'],
    settlePlan: 0,
    triggerProtect: '0.0500',
    liquidationFee: isBtc ? '0.012500' : '0.015000',
    marketTakeBound: '0.05',
    maxMoveOrderLimit: 10000,
    filters: [
      {
        filterType: 'PRICE_FILTER',
        minPrice: isBtc ? '556.80' : '3.61',
        maxPrice: isBtc ? '4529764' : '100000',
        tickSize: isBtc ? '0.10' : '0.01',
      },
      { filterType: 'LOT_SIZE', stepSize: '0.001', minQty: '0.001', maxQty: isBtc ? '1000' : '10000' },
      { filterType: 'MARKET_LOT_SIZE', stepSize: '0.001', minQty: '0.001', maxQty: isBtc ? '120' : '5000' },
      { filterType: 'MAX_NUM_ORDERS', limit: 200 },
      { filterType: 'MAX_NUM_ALGO_ORDERS', limit: 10 },
      { filterType: 'MIN_NOTIONAL', notional: isBtc ? '100' : '20' },
      {
        filterType: 'PERCENT_PRICE',
        multiplierUp: '1.0500',
        multiplierDown: '0.9500',
        multiplierDecimal: '4',
      },
    ],
    orderTypes: [
      'LIMIT',
      'MARKET',
      'STOP',
      'STOP_MARKET',
      'TAKE_PROFIT',
      'TAKE_PROFIT_MARKET',
      'TRAILING_STOP_MARKET',
    ],
    timeInForce: ['GTC', 'IOC', 'FOK', 'GTX', 'GTD'],
  };
}

/** GET /fapi/v1/exchangeInfo, only the perpetuals the fake serves. */
export function binancePerpExchangeInfo(
  now: number,
  markets: readonly FakeMarket[] = FAKE_MARKETS,
): JsonValue {
  return {
    timezone: 'UTC',
    serverTime: now,
    futuresType: 'U_MARGINED',
    rateLimits: [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 2400 },
      { rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: 1200 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 300 },
    ],
    exchangeFilters: [],
    assets: [{ asset: 'USDT', marginAvailable: true, autoAssetExchange: '-10000' }],
    symbols: markets.map(binancePerpSymbol),
  };
}

// Spot instrument shape: https://bybit-exchange.github.io/docs/v5/market/instrument and
// ccxt ts/src/test/static/markets/bybit.json (BTC/USDT, LTC/USDT `info`).
function bybitSpotInstrument(m: FakeMarket): JsonObject {
  const isBtc = m.base === 'BTC';
  return {
    symbol: m.id,
    baseCoin: m.base,
    quoteCoin: m.quote,
    innovation: '0',
    status: 'Trading',
    marginTrading: 'utaOnly',
    stTag: '0',
    lotSizeFilter: {
      basePrecision: isBtc ? '0.000001' : '0.00001',
      quotePrecision: '0.0000001',
      minOrderQty: isBtc ? '0.000011' : '0.00923',
      maxOrderQty: isBtc ? '83' : '22975.3015508',
      minOrderAmt: '5',
      maxOrderAmt: isBtc ? '8000000' : '600000',
    },
    priceFilter: { tickSize: isBtc ? '0.1' : '0.01' },
    riskParameters: { priceLimitRatioX: isBtc ? '0.01' : '0.05', priceLimitRatioY: isBtc ? '0.02' : '0.1' },
  };
}

// Linear instrument shape: https://bybit-exchange.github.io/docs/v5/market/instrument and
// ccxt ts/src/test/static/markets/bybit.json (BTC/USDT:USDT, LTC/USDT:USDT `info`).
function bybitLinearInstrument(m: FakeMarket): JsonObject {
  const isBtc = m.base === 'BTC';
  return {
    symbol: m.id,
    contractType: 'LinearPerpetual',
    status: 'Trading',
    baseCoin: m.base,
    quoteCoin: m.quote,
    launchTime: isBtc ? '1584230400000' : '1514764800000',
    deliveryTime: '0',
    deliveryFeeRate: '',
    priceScale: '2',
    leverageFilter: { minLeverage: '1', maxLeverage: isBtc ? '100.00' : '50.00', leverageStep: '0.01' },
    priceFilter: {
      minPrice: isBtc ? '0.10' : '0.01',
      maxPrice: isBtc ? '1999999.80' : '199999.98',
      tickSize: isBtc ? '0.10' : '0.01',
    },
    lotSizeFilter: {
      maxOrderQty: isBtc ? '1190.000' : '28740.0',
      minOrderQty: isBtc ? '0.001' : '0.1',
      qtyStep: isBtc ? '0.001' : '0.1',
      postOnlyMaxOrderQty: isBtc ? '1190.000' : '28740.0',
      maxMktOrderQty: isBtc ? '119.000' : '6160.0',
      minNotionalValue: '5',
    },
    unifiedMarginTrade: true,
    fundingInterval: 480,
    settleCoin: 'USDT',
    copyTrading: 'both',
    upperFundingRate: isBtc ? '0.005' : '0.01',
    lowerFundingRate: isBtc ? '-0.005' : '-0.01',
    isPreListing: false,
    preListingInfo: null,
    riskParameters: { priceLimitRatioX: isBtc ? '0.01' : '0.05', priceLimitRatioY: isBtc ? '0.02' : '0.1' },
    displayName: '',
  };
}

/** `result` of GET /v5/market/instruments-info for one category (PreLaunch: none listed). */
export function bybitInstruments(
  category: 'spot' | 'linear',
  preLaunch: boolean,
  markets: readonly FakeMarket[] = FAKE_MARKETS,
): JsonObject {
  const list = preLaunch
    ? []
    : markets.map(category === 'spot' ? bybitSpotInstrument : bybitLinearInstrument);
  return category === 'spot' ? { category, list } : { category, list, nextPageCursor: '' };
}
