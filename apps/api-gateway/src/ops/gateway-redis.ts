import { BusConnections } from '@app/bus';

/**
 * The gateway's own Redis connections (the rate-limit counters shared by its replicas),
 * opened whenever REDIS_URL is set, also in local mode; closed with the application.
 */
export class GatewayRedis extends BusConnections {}
