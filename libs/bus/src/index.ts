export * from './in-process-bus.js';
export * from './bus-connections.js';
export * from './bus.module.js';
export * from './redis/redis-keys.js';
export * from './redis/redis-event-bus.js';
export * from './redis/redis-market-log.js';
export * from './redis/market-leases.js';
export * from './redis/rendezvous.js';
