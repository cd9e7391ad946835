// The wire classes: bus event payloads and REST DTOs with their class-validator and Swagger
// decorators, and the validation built on them. Apps and the libs at the edges import these; the
// engine may not (eslint zone), so it stays free of the validation and framework packages.
export * from './event-validation.js';
export { IsTimeMs } from './time-validation.js';
export {
  type ArrayBounds,
  arrayBoundsOf,
  type ArraySizeCheck,
  compileArraySizeCheck,
} from './array-sizes.js';
export { compileFastCheck, type FastCheck } from './fast-validation.js';
export * from './market-events.js';
export * from './analysis-events.js';
export * from './bus-events.js';
export * from './rest/candle-series.js';
export * from './rest/rest-dtos.js';
export * from './rest/alerts-query.dto.js';
