export * from './confluence.logger.js';
export * from './liveness.controller.js';
export * from './process-guards.js';
export * from './readiness.controller.js';
export * from './redaction.js';
export * from './run-service.js';
export * from './service-app.js';
export type * from './service-definition.js';
export * from './service-info.js';
