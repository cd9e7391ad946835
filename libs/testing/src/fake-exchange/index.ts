export { alignedFakeDataset, defaultFakeDataset, FakeDataset, formingCandle } from './candles.js';
export { FAKE_MARKETS, type FakeMarket, syntheticMarkets } from './fixtures.js';
export {
  BINANCE_API_KEYS,
  type BinanceApiKey,
  BYBIT_API_KEYS,
  type BybitApiKey,
  FakeExchangeServer,
  type FakeExchangeServerOptions,
} from './server.js';
export type {
  FakeBook,
  KlineClose,
  SentClose,
  StreamConnectionInfo,
  StreamFaultKind,
  StreamFaultOptions,
  StreamFaultSpec,
  StreamLogEntry,
  StreamOptions,
  StreamVenue,
} from './stream-types.js';
export {
  FAKE_EXCHANGES,
  type FakeEndpoint,
  type FakeExchangeId,
  type FaultKind,
  type FaultOptions,
  type FaultSpec,
  type Malformation,
  type RequestLogEntry,
} from './types.js';
