export * from './candle-sequencer.js';
export * from './replay-source.js';
