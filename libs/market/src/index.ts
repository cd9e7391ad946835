export * from './candle-sequencer.js';
