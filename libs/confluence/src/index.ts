export * from './domain/market-data.types.js';
export * from './indicators/indicator.types.js';
export * from './indicators/indicator-catalog.js';
export * from './indicators/indicator-set.js';
export * from './indicators/engine-indicators.js';
