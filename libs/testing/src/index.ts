export * from './config-fixture.js';
