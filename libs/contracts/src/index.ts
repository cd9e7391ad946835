// The plain vocabulary every lib shares, the engine included: names, units, ports. No decorators
// and no validation library behind this entry point (a test loads the built engine to prove it);
// the DTO and bus-event classes are behind `@app/contracts/dto`.
export * from './component.js';
export * from './confluence.error.js';
export * from './service.js';
export * from './signal.js';
export * from './timeframe.js';
export * from './time-range.js';
export * from './candle.js';
export * from './version.js';
export * from './event-names.js';
export * from './event-bus.js';
export * from './socket-events.js';
export * from './shutdown-report.js';
export * from './clock.js';
export * from './backoff.js';
export * from './error-message.js';
export * from './log-sink.js';
export * from './llm-opinion.js';
export * from './alert-delivery.js';
export * from './validation-sample.js';
