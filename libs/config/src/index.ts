export * from './core.js';
export * from './config.module.js';
