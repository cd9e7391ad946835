export * from './component.js';
export * from './confluence.error.js';
export * from './service.js';
export * from './signal.js';
export * from './timeframe.js';
export * from './version.js';
export * from './market-events.js';
export * from './event-bus.js';
