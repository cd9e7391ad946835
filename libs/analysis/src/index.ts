export * from './analysis.types.js';
export * from './analysis-output.js';
export * from './analysis-stats.js';
export * from './lag-tracker.js';
export * from './market-analyzer.js';
export * from './store-and-bus-sink.js';
export * from './local-analysis.js';
export * from './distributed-analysis.js';
