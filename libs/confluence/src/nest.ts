// The engine's Nest module, behind its own entry point: importing the engine (`@app/confluence`)
// loads no framework and no config loader; apps import this to get the engine through DI.
export * from './confluence.module.js';
