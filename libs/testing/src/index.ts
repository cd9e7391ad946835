export * from './config-fixture.js';
export * from './spawned-process.js';
export * from './http.js';
