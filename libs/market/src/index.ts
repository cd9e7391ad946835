export * from './candle-sequencer.js';
export * from './clock.js';
export * from './faults/backoff.js';
export * from './faults/circuit-breaker.js';
export * from './faults/exchange-fault.js';
export * from './faults/exchange-gate.js';
export * from './replay-source.js';
