import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { MonitoringConfig } from '@app/config';
import { type ProbedConnection, probeStore } from './store-health.js';
import { StoreWriter } from './write-path/store-writer.js';

/**
 * The store for readiness (Terminus indicator): a ping of the process's connection, telling busy
 * from gone as `probeStore` does. A connected store answering slower than monitoring's
 * `storeSlowMs`, or not within `dependencyTimeoutMs`, is `degraded` (reads still work, stay in
 * rotation); only one the driver is not connected to, or that refuses the ping, is `down`.
 */
@Injectable()
export class StoreHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    // The mongoose Connection; typed by what the probe reads, so a spec can hand it a stand-in.
    @InjectConnection() private readonly connection: ProbedConnection,
    private readonly monitoring: MonitoringConfig,
  ) {}

  async isHealthy<const Key extends string>(key: Key): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.health.check(key);
    const { status, ...details } = await probeStore(this.connection, {
      slowMs: this.monitoring.health.storeSlowMs,
      timeoutMs: this.monitoring.health.dependencyTimeoutMs,
    });
    if (status === 'up') return indicator.up(details);
    return status === 'degraded' ? indicator.degraded(details) : indicator.down(details);
  }
}

/**
 * The store's write path for readiness (Terminus indicator): writes that fail are held and retried
 * in the bounded buffer (ADR 0008), so a failing write path is `degraded`, never `down`: the
 * process keeps serving while the buffer holds, and a full buffer is counted in `dropped`.
 */
@Injectable()
export class StoreWritesHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly writer: StoreWriter,
  ) {}

  isHealthy<const Key extends string>(key: Key): HealthIndicatorResult<Key> {
    const indicator = this.health.check(key);
    const status = this.writer.status();
    const details = { pending: status.pending, dropped: status.dropped, written: status.written };
    if (status.state === 'down')
      return indicator.degraded({
        ...details,
        message: `store writes failing, buffered: ${status.lastError ?? 'unknown error'}`,
      });
    return indicator.up(details);
  }
}
