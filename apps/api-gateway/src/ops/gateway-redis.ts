import { BusConnections } from '@app/bus';

/**
 * The gateway's own Redis connections (rate-limit counters, Socket.IO adapter, update claims),
 * opened whenever REDIS_URL is set, also in local mode; closed with the application.
 */
export class GatewayRedis extends BusConnections {}
