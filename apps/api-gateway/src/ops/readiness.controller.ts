import { Controller, Get, Header, HttpStatus, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiResponse, ApiTags } from '@nestjs/swagger';
import { InjectConnection } from '@nestjs/mongoose';
import { HealthCheckService, type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import type { Connection } from 'mongoose';
import { MonitoringConfig } from '@app/config';
import { BusConnections } from '@app/bus';
import { EventBus, errorMessage } from '@app/contracts';
import { MarketBoard } from '@app/gateway';
import { probeStore, StoreWriter } from '@app/persistence';
import type { HttpResponse } from '../http/http-types.js';
import { GatewayRedis } from './gateway-redis.js';

type Status = 'ok' | 'degraded' | 'down';

export interface ReadinessBody {
  readonly status: Status;
  /** Each dependency: `up`, `degraded` (serving, impaired) or `down`, with its reason. */
  readonly checks: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** The readiness answer, as `/docs` shows it. */
export class ReadinessResponseDto implements ReadinessBody {
  @ApiProperty({ enum: ['ok', 'degraded', 'down'] }) readonly status!: Status;
  @ApiProperty({
    type: 'object',
    // Each dependency adds its own detail (response time, pending writes, transport…).
    additionalProperties: {
      type: 'object',
      required: ['status'],
      properties: { status: { type: 'string', enum: ['up', 'degraded', 'down'] } },
      additionalProperties: true,
    },
    description: 'by dependency (store, writes, redis, bus, market-data): its status and reason',
  })
  readonly checks!: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/**
 * Readiness (`@nestjs/terminus`): `ok`, `degraded` (reads work; live data, shared limits or
 * writes are impaired, or the store is busy: 200, stay in rotation) or `down` (the store is not
 * connected or refuses: 503). Checks: the store (a ping, slow past monitoring's `storeSlowMs`,
 * and the write buffer), Redis when configured,
 * the bus, and market-data freshness per exchange from the closed candles on the bus.
 * There is no LLM check yet: no LLM client exists in this build.
 */
@ApiTags('ops')
@Controller('health')
export class ReadinessController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @InjectConnection() private readonly connection: Connection,
    private readonly monitoring: MonitoringConfig,
    private readonly writer: StoreWriter,
    private readonly bus: EventBus,
    private readonly busConnections: BusConnections,
    private readonly redis: GatewayRedis,
    private readonly board: MarketBoard,
  ) {}

  @Get('ready')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Readiness: ok / degraded / down, with a reason per dependency' })
  @ApiResponse({ status: 200, type: ReadinessResponseDto, description: 'ok or degraded' })
  @ApiResponse({ status: 503, type: ReadinessResponseDto, description: 'down: the store does not answer' })
  async ready(@Res({ passthrough: true }) response: HttpResponse): Promise<ReadinessBody> {
    const timeout = this.monitoring.health.dependencyTimeoutMs;
    try {
      const result = await this.health.check([
        () => this.#store(timeout),
        () => this.#writes(),
        ...(this.redis.enabled ? [() => this.#redis('redis', this.redis, timeout)] : []),
        () => this.#bus(timeout),
        () => this.#marketData(),
      ]);
      return { status: result.status === 'degraded' ? 'degraded' : 'ok', checks: result.details };
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const body = error.getResponse() as { details?: Record<string, Record<string, unknown>> };
      response.status(HttpStatus.SERVICE_UNAVAILABLE);
      return { status: 'down', checks: body.details ?? {} };
    }
  }

  /** Busy is not gone: a connected store that answers slowly is `degraded`, only an unreachable one `down`. */
  async #store(timeout: number): Promise<HealthIndicatorResult> {
    const session = this.indicators.check('store');
    const { status, ...details } = await probeStore(this.connection, {
      slowMs: this.monitoring.health.storeSlowMs,
      timeoutMs: timeout,
    });
    if (status === 'up') return session.up(details);
    return status === 'degraded' ? session.degraded(details) : session.down(details);
  }

  #writes(): HealthIndicatorResult {
    const session = this.indicators.check('writes');
    const status = this.writer.status();
    const details = { pending: status.pending, dropped: status.dropped, written: status.written };
    if (status.state === 'down')
      return session.degraded({
        ...details,
        message: `store writes failing, buffered: ${status.lastError ?? 'unknown error'}`,
      });
    return session.up(details);
  }

  async #redis(key: string, connections: BusConnections, timeout: number): Promise<HealthIndicatorResult> {
    const session = this.indicators.check(key);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        connections.commands().ping(),
        new Promise((_, reject) => {
          timer = setTimeout(() => {
            reject(new Error(`no answer within ${timeout} ms`));
          }, timeout);
        }),
      ]);
      return session.up();
    } catch (error) {
      return session.degraded({
        message: `Redis unreachable: ${errorMessage(error)}`,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  async #bus(timeout: number): Promise<HealthIndicatorResult> {
    const stats = this.bus.stats();
    const sum = (counts: Readonly<Record<string, number>>): number =>
      Object.values(counts).reduce((a, b) => a + b, 0);
    const details = {
      transport: this.busConnections.enabled ? 'redis' : 'in-process',
      rejected: sum(stats.rejected),
      handlerErrors: sum(stats.handlerErrors),
    };
    if (!this.busConnections.enabled) return this.indicators.check('bus').up(details);
    const redis = await this.#redis('bus', this.busConnections, timeout);
    const bus = redis.bus ?? { status: 'up' };
    return { bus: { ...bus, ...details } };
  }

  #marketData(): HealthIndicatorResult {
    const session = this.indicators.check('marketData');
    const exchanges = this.board.freshness();
    const behind = exchanges.filter((exchange) => exchange.status !== 'ok');
    if (exchanges.length === 0) return session.degraded({ message: 'no market is tracked', exchanges });
    if (behind.length > 0)
      return session.degraded({
        message: behind.map((e) => `${e.exchange}: ${e.reason ?? 'stale'}`).join('; '),
        exchanges,
      });
    return session.up({ exchanges });
  }
}
