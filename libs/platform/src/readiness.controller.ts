import {
  Controller,
  Get,
  Header,
  HttpStatus,
  Inject,
  Optional,
  Res,
  ServiceUnavailableException,
  type Type,
} from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, type HealthIndicatorFunction } from '@nestjs/terminus';
import { HttpDrain } from './http-drain.js';

export type ReadinessStatus = 'ok' | 'degraded' | 'down';

export interface ReadinessBody {
  readonly status: ReadinessStatus;
  /** Each dependency: `up`, `degraded` (serving, impaired) or `down`, with its reason. */
  readonly checks: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** The readiness answer of every app, as `/docs` shows it. */
export class ReadinessResponseDto implements ReadinessBody {
  @ApiProperty({ enum: ['ok', 'degraded', 'down'] }) readonly status!: ReadinessStatus;
  @ApiProperty({
    type: 'object',
    // Each dependency adds its own detail (response time, pending writes, transport…).
    additionalProperties: {
      type: 'object',
      required: ['status'],
      properties: { status: { type: 'string', enum: ['up', 'degraded', 'down'] } },
      additionalProperties: true,
    },
    description:
      'by dependency, its status and reason: the gateway checks store, writes, redis, bus and marketData; ' +
      'the worker store, writes, bus and analysis; market-data exchanges, writes and bus. While the process ' +
      'drains after a stop signal, the one check is `process` (down, reason "draining: the process is stopping")',
  })
  readonly checks!: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/**
 * The checks an app's readiness runs, in order: Terminus indicator calls (`() =>
 * store.isHealthy('store')`). The app module that serves readiness provides it, built from the
 * indicators of the libs it depends on, so each app decides what it cannot serve without.
 */
export class ReadinessChecks {
  constructor(readonly checks: readonly HealthIndicatorFunction[]) {}
}

/** What an app's readiness means, for its `/docs`. */
export interface ReadinessDocs {
  /** When it answers `down` (503), e.g. "the store does not answer". */
  readonly downWhen: string;
}

/** The answer from the stop signal on: the balancer stops sending while the process drains. */
function drainingAnswer(): ReadinessBody {
  return {
    status: 'down',
    checks: { process: { status: 'down', reason: 'draining: the process is stopping' } },
  };
}

/** The one thing used of Fastify's reply. */
interface StatusSetter {
  status(code: number): unknown;
}

export interface ReadinessEndpoint {
  ready(response: StatusSetter): Promise<ReadinessBody>;
}

/**
 * The `GET /health/ready` controller every app serves, over the `ReadinessChecks` its module
 * provides: `ok`, `degraded` (a check is degraded: still serving, stay in rotation; 200) or `down`
 * (a check is down, or the process is stopping: 503), the same shape everywhere, never cached.
 * From the stop signal on (HttpDrain) it answers 503 with the one check `process` (draining),
 * without running the others: the dependencies are about to close, and nothing they say would put
 * the process back in rotation.
 *
 * A factory rather than one shared class so that each app documents its own `down` rule; an app
 * lists the class it returns in exactly one module. Local mode hosts only the gateway's (the
 * worker's and market-data's sit in modules their own service definitions add), so one process
 * never declares the route twice.
 */
export function readinessController(docs: ReadinessDocs): Type<ReadinessEndpoint> {
  @ApiTags('ops')
  @Controller('health')
  class ReadinessController implements ReadinessEndpoint {
    constructor(
      private readonly health: HealthCheckService,
      private readonly readiness: ReadinessChecks,
      // Absent only where no process runs the app (module tests without platform's process module).
      // By token: a union type gives DI no class to go by.
      @Inject(HttpDrain) @Optional() private readonly drain: HttpDrain | null = null,
    ) {}

    @Get('ready')
    @Header('Cache-Control', 'no-store')
    @ApiOperation({ summary: 'Readiness: ok / degraded / down, with a reason per dependency' })
    @ApiResponse({ status: 200, type: ReadinessResponseDto, description: 'ok or degraded' })
    @ApiResponse({ status: 503, type: ReadinessResponseDto, description: `down: ${docs.downWhen}` })
    async ready(@Res({ passthrough: true }) response: StatusSetter): Promise<ReadinessBody> {
      if (this.drain?.draining === true) {
        response.status(HttpStatus.SERVICE_UNAVAILABLE);
        return drainingAnswer();
      }
      try {
        const result = await this.health.check([...this.readiness.checks]);
        return { status: result.status === 'degraded' ? 'degraded' : 'ok', checks: result.details };
      } catch (error) {
        // Terminus throws 503 with every check's details when one is down (or it is shutting down).
        if (!(error instanceof ServiceUnavailableException)) throw error;
        const body = error.getResponse() as { details?: Record<string, Record<string, unknown>> };
        response.status(HttpStatus.SERVICE_UNAVAILABLE);
        return { status: 'down', checks: body.details ?? {} };
      }
    }
  }
  return ReadinessController;
}
