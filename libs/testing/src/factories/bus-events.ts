import type { MarketRef } from '@app/contracts';
import type { BusEventData } from '@app/contracts/dto';
// The contracts barrel would load class-validator; this leaf file imports nothing.
import { timeframeToMs } from '../../../contracts/src/timeframe.js';
import { type CandleOverrides, candleFactory } from './candles.js';
import { FACTORY_EPOCH, FACTORY_MARKET, FACTORY_TIMEFRAME, hexDigestOf, labelForScore } from './constants.js';
import { derivativesFactory, orderBookFactory, tradeFactory } from './market-data.js';

export type CandleClosedData = BusEventData<'market.candle.closed'>;
export type OrderBookSnapshotData = BusEventData<'market.orderbook.snapshot'>;
export type TradesBatchData = BusEventData<'market.trades.batch'>;
export type DerivativesSnapshotData = BusEventData<'market.derivatives.snapshot'>;
export type ConfluenceUpdatedData = BusEventData<'confluence.updated'>;
export type SignalChangedData = BusEventData<'signal.changed'>;
export type LlmOpinionData = BusEventData<'llm.opinion'>;
export type ComponentScoresData = ConfluenceUpdatedData['components'];

function market(overrides: Partial<MarketRef>): MarketRef {
  return {
    exchange: overrides.exchange ?? FACTORY_MARKET.exchange,
    symbol: overrides.symbol ?? FACTORY_MARKET.symbol,
  };
}

export type CandleClosedOverrides = Partial<Omit<CandleClosedData, 'candle'>> & {
  readonly candle?: CandleOverrides;
};

/** A closed candle as market-data publishes it: emitted when the candle closes, unless told. */
function candleClosed(overrides: CandleClosedOverrides = {}): CandleClosedData {
  const timeframe = overrides.timeframe ?? FACTORY_TIMEFRAME;
  const candle = candleFactory.build(overrides.candle);
  return {
    ...market(overrides),
    timeframe,
    source: overrides.source ?? 'live',
    emittedAt: overrides.emittedAt ?? candle.timestamp + timeframeToMs(timeframe),
    candle,
  };
}

/** An order-book snapshot event: the factory's book, emitted at its own timestamp unless told. */
function orderBookSnapshot(overrides: Partial<OrderBookSnapshotData> = {}): OrderBookSnapshotData {
  const book = orderBookFactory.build(overrides);
  return {
    ...market(overrides),
    source: overrides.source ?? 'live',
    emittedAt: overrides.emittedAt ?? book.timestamp,
    timestamp: book.timestamp,
    // Optional on the wire: absent unless given, as from an exchange without update ids.
    ...(overrides.sequence === undefined ? {} : { sequence: overrides.sequence }),
    bids: book.bids,
    asks: book.asks,
  };
}

/** A batch of trades, emitted at its newest trade; default one default trade. */
function tradesBatch(overrides: Partial<TradesBatchData> = {}): TradesBatchData {
  const trades = overrides.trades ?? [tradeFactory.build()];
  return {
    ...market(overrides),
    source: overrides.source ?? 'live',
    emittedAt: overrides.emittedAt ?? Math.max(FACTORY_EPOCH, ...trades.map((trade) => trade.timestamp)),
    trades,
  };
}

/** A derivatives snapshot event carrying every field, emitted at its own timestamp unless told. */
function derivativesSnapshot(overrides: Partial<DerivativesSnapshotData> = {}): DerivativesSnapshotData {
  const snapshot = derivativesFactory.build({
    timestamp: overrides.timestamp,
    fundingRate: overrides.fundingRate,
    openInterest: overrides.openInterest,
    longShortRatio: overrides.longShortRatio,
    liquidations: overrides.liquidations,
  });
  return {
    ...market(overrides),
    source: overrides.source ?? 'live',
    emittedAt: overrides.emittedAt ?? snapshot.timestamp,
    ...snapshot,
  };
}

/** Every component scored, neutral. */
export const DEFAULT_COMPONENTS: ComponentScoresData = Object.freeze({
  orderFlow: 50,
  orderBook: 50,
  volume: 50,
  priceStructure: 50,
  technical: 50,
  sentiment: 50,
});

export type ConfluenceUpdatedOverrides = Partial<Omit<ConfluenceUpdatedData, 'components'>> & {
  readonly components?: Partial<ComponentScoresData>;
};

/**
 * A result as the worker publishes it: the input emitted at the candle's close, computed 500 ms
 * later and published at once; the label follows the score at the shipped thresholds; the input
 * hash is unique to the candle time. A candle update carries a `result` with the domain result's
 * headline (what the gateway's projection checks); a test that renders it passes a real one.
 */
function confluenceUpdated(overrides: ConfluenceUpdatedOverrides = {}): ConfluenceUpdatedData {
  const timeframe = overrides.timeframe ?? FACTORY_TIMEFRAME;
  const candleTime = overrides.candleTime ?? FACTORY_EPOCH;
  const inputEmittedAt = overrides.inputEmittedAt ?? candleTime + timeframeToMs(timeframe);
  const computedAt = overrides.computedAt ?? inputEmittedAt + 500;
  const score = overrides.score ?? 50;
  const trigger = overrides.trigger ?? 'candle';
  const headline = {
    ...market(overrides),
    timeframe,
    candleTime,
    computedAt,
    score,
    label: overrides.label ?? labelForScore(score),
    confidence: overrides.confidence ?? 40,
    coverage: overrides.coverage ?? 1,
    engineVersion: overrides.engineVersion ?? '1.0.0',
    configHash: overrides.configHash ?? 'c'.repeat(64),
    inputHash: overrides.inputHash ?? hexDigestOf(candleTime),
  };
  const result =
    'result' in overrides
      ? overrides.result
      : trigger === 'candle'
        ? { ...headline, staleness: 0 }
        : undefined;
  return {
    ...headline,
    source: overrides.source ?? 'live',
    emittedAt: overrides.emittedAt ?? computedAt,
    trigger,
    inputEmittedAt,
    components: { ...DEFAULT_COMPONENTS, ...overrides.components },
    reasoning: overrides.reasoning ?? 'test result',
    ...(result === undefined ? {} : { result }),
  };
}

/** A stream's first label (from null) following its score, published as its candle's result. */
function signalChanged(overrides: Partial<SignalChangedData> = {}): SignalChangedData {
  const timeframe = overrides.timeframe ?? FACTORY_TIMEFRAME;
  const time = overrides.time ?? FACTORY_EPOCH;
  const score = overrides.score ?? 50;
  return {
    ...market(overrides),
    source: overrides.source ?? 'live',
    emittedAt: overrides.emittedAt ?? time + timeframeToMs(timeframe) + 500,
    timeframe,
    time,
    from: overrides.from ?? null,
    to: overrides.to ?? labelForScore(score),
    score,
    confidence: overrides.confidence ?? 40,
  };
}

/** `llm.opinion` about the factory's default result: an available opinion unless one is given. */
function llmOpinion(overrides: Partial<LlmOpinionData> = {}): LlmOpinionData {
  const timeframe = overrides.timeframe ?? FACTORY_TIMEFRAME;
  const candleTime = overrides.candleTime ?? FACTORY_EPOCH;
  const inputHash = overrides.inputHash ?? 'a'.repeat(64);
  return {
    ...market(overrides),
    source: overrides.source ?? 'live',
    emittedAt: overrides.emittedAt ?? candleTime + timeframeToMs(timeframe) + 2_000,
    timeframe,
    candleTime,
    inputHash,
    score: overrides.score ?? 64,
    label: overrides.label ?? 'LONG',
    opinion: overrides.opinion ?? {
      status: 'ok',
      signal: 'LONG',
      confidence: 0.62,
      reasoning: 'Order flow and technical agree; the book is thin above.',
      risks: ['a close back below the session VWAP'],
      agrees: true,
      model: 'gpt-4o-mini',
      promptVersion: 'opinion-v1',
      promptHash: 'b'.repeat(64),
      inputHash,
      createdAt: candleTime + timeframeToMs(timeframe) + 1_500,
      cached: false,
    },
  };
}

export const busEventFactory = {
  candleClosed,
  orderBookSnapshot,
  tradesBatch,
  derivativesSnapshot,
  confluenceUpdated,
  signalChanged,
  llmOpinion,
} as const;
