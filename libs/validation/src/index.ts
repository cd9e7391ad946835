export * from './stats/index.js';
export * from './live/forward-join.js';
export * from './live/horizon-performance.js';
export * from './live/probability-maps.js';
