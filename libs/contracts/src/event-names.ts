/** Bus subjects of normalised market data (published by market-data, consumed by the worker). */
export const MarketEventName = {
  CandleClosed: 'market.candle.closed',
  OrderBookSnapshot: 'market.orderbook.snapshot',
  TradesBatch: 'market.trades.batch',
  DerivativesSnapshot: 'market.derivatives.snapshot',
} as const;
export type MarketEventName = (typeof MarketEventName)[keyof typeof MarketEventName];

/** Bus subjects the analysis worker publishes (the gateway and any other consumer subscribe). */
export const AnalysisEventName = {
  ConfluenceUpdated: 'confluence.updated',
  SignalChanged: 'signal.changed',
  /** A model's opinion of a result (issue 22): never part of the exactly-once result chain. */
  LlmOpinion: 'llm.opinion',
} as const;
export type AnalysisEventName = (typeof AnalysisEventName)[keyof typeof AnalysisEventName];

/** Every subject on the bus. */
export type BusEventName = MarketEventName | AnalysisEventName;

/** Where market data came from: an exchange, or a replayed file. */
export const DataSource = { Live: 'live', Replay: 'replay' } as const;
export type DataSource = (typeof DataSource)[keyof typeof DataSource];

/** What made the worker publish: a closed candle, or fresher order book / flow between closes. */
export const UpdateTrigger = { Candle: 'candle', Refresh: 'refresh' } as const;
export type UpdateTrigger = (typeof UpdateTrigger)[keyof typeof UpdateTrigger];

const MARKET_EVENT_NAMES: readonly string[] = Object.freeze(Object.values(MarketEventName));
const BUS_EVENT_NAMES: readonly string[] = Object.freeze([
  ...MARKET_EVENT_NAMES,
  ...Object.values(AnalysisEventName),
]);

export function isMarketEventName(name: string): name is MarketEventName {
  return MARKET_EVENT_NAMES.includes(name);
}

export function isBusEventName(name: string): name is BusEventName {
  return BUS_EVENT_NAMES.includes(name);
}
