export * from './in-process-bus.js';
export * from './bus.module.js';
