export * from './domain/market-data.types.js';
export * from './domain/candle-validation.js';
export * from './indicators/indicator.types.js';
export * from './indicators/indicator-catalog.js';
export * from './indicators/indicator-set.js';
export * from './indicators/engine-indicators.js';
export * from './components/component.types.js';
export * from './components/score-mapping.js';
export * from './components/technical.component.js';
export * from './components/volume.component.js';
export * from './components/price-structure.component.js';
export * from './components/order-flow.component.js';
export * from './components/order-book.component.js';
export * from './components/sentiment.component.js';
export * from './weights/weight-manager.js';
export * from './scoring/score.types.js';
export * from './scoring/score-calculator.js';
export * from './orchestrator/feed-result.js';
export * from './orchestrator/indicator-orchestrator.js';
export * from './engine/confluence-result.types.js';
export * from './engine/confluence-engine.js';
export * from './engine/create-engine.js';
export * from './engine/engine-factory.js';
export * from './format/result-formatter.js';
export * from './hashing/sha256.js';
export type { CandleChainState } from './hashing/candle-chain.js';
export * from './snapshot/engine-snapshot.types.js';
export {
  type PlainData,
  type Portable,
  type PortableNumber,
  type Snapshotable,
  SnapshotError,
  SnapshotUnsupportedError,
  toPortable,
} from './snapshot/state-codec.js';
export type { SavedMarketState } from './orchestrator/market-state.js';
export type { MarketStreamState } from './orchestrator/market-stream.js';
export * from './domain/candle-csv.js';
