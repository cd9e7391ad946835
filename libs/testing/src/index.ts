export * from './config-fixture.js';
export * from './spawned-process.js';
export * from './http.js';
export * from './market-data.js';
export * from './talib-reference.js';
export * from './prng.js';
export * from './test-store.js';
export * from './manual-clock.js';
