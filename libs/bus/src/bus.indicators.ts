import { Injectable } from '@nestjs/common';
import { type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { MonitoringConfig } from '@app/config';
import { EventBus, errorMessage } from '@app/contracts';
import { BusConnections } from './bus-connections.js';

/**
 * Why `connections`' Redis did not answer a PING within `timeoutMs`, or null when it did. Bounded
 * by our own timer: ioredis holds a command through up to five reconnect attempts (seconds), far
 * longer than a readiness probe may wait.
 */
async function pingFailure(connections: BusConnections, timeoutMs: number): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      connections.commands().ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => {
          reject(new Error(`no answer within ${timeoutMs} ms`));
        }, timeoutMs);
      }),
    ]);
    return null;
  } catch (error) {
    return `Redis unreachable: ${errorMessage(error)}`;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A Redis for readiness (Terminus indicator): `up` when it answers a PING within monitoring's
 * `dependencyTimeoutMs`, else `degraded` with the reason. Never `down`: every process keeps
 * working without Redis (shared rate limits fall back per replica, publishes retry, leases are
 * taken back), so an outage must not take an instance out of rotation.
 */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly monitoring: MonitoringConfig,
  ) {}

  /** `connections`: which Redis (the bus's, or another set such as the gateway's own). */
  async isHealthy<const Key extends string>(
    key: Key,
    connections: BusConnections,
  ): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.health.check(key);
    const failure = await pingFailure(connections, this.monitoring.health.dependencyTimeoutMs);
    return failure === null ? indicator.up() : indicator.degraded({ message: failure });
  }
}

/**
 * The event bus for readiness (Terminus indicator): its transport and the messages it refused on
 * receipt or whose handlers threw; in distributed mode also its Redis, `degraded` (not `down`)
 * when that does not answer, for the reasons `RedisHealthIndicator` gives.
 */
@Injectable()
export class BusHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly bus: EventBus,
    private readonly connections: BusConnections,
    private readonly monitoring: MonitoringConfig,
  ) {}

  async isHealthy<const Key extends string>(key: Key): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.health.check(key);
    const stats = this.bus.stats();
    const sum = (counts: Readonly<Record<string, number>>): number =>
      Object.values(counts).reduce((a, b) => a + b, 0);
    const details = {
      transport: this.connections.enabled ? 'redis' : 'in-process',
      rejected: sum(stats.rejected),
      handlerErrors: sum(stats.handlerErrors),
    };
    if (!this.connections.enabled) return indicator.up(details);
    const failure = await pingFailure(this.connections, this.monitoring.health.dependencyTimeoutMs);
    return failure === null ? indicator.up(details) : indicator.degraded({ message: failure, ...details });
  }
}
