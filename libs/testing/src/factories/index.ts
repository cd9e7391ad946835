export * from './constants.js';
export * from './candles.js';
export * from './market-data.js';
export * from './bus-events.js';
export * from './stored.js';
export * from './market-script.js';
