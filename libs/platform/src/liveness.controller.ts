import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty } from '@nestjs/swagger';
import { RuntimeSettings } from '@app/config';
import { ServiceInfo } from './service-info.js';

export interface LivenessResponse {
  readonly status: 'ok';
  readonly service: string;
  readonly hosts: readonly string[];
  readonly mode: string;
  readonly version: string;
  readonly uptimeSeconds: number;
}

/** The liveness answer, as `/docs` shows it. */
export class LivenessResponseDto implements LivenessResponse {
  @ApiProperty({ enum: ['ok'] }) readonly status!: 'ok';
  @ApiProperty({ example: 'api-gateway' }) readonly service!: string;
  @ApiProperty({ type: [String], description: 'the services this process hosts' }) readonly hosts!: string[];
  @ApiProperty({ example: 'local' }) readonly mode!: string;
  @ApiProperty({ example: '0.1.0' }) readonly version!: string;
  @ApiProperty({ minimum: 0 }) readonly uptimeSeconds!: number;
}

/**
 * Liveness: the process is up and its event loop answers. It checks no dependency on purpose:
 * a restart would not fix a database outage (that is readiness, `/health/ready`).
 */
@Controller('health')
export class LivenessController {
  constructor(
    private readonly service: ServiceInfo,
    private readonly runtime: RuntimeSettings,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process is up and its event loop answers (no dependency checked)' })
  @ApiOkResponse({
    type: LivenessResponseDto,
    description: 'the process is up: which service, mode and version',
  })
  @Header('Cache-Control', 'no-store')
  live(): LivenessResponse {
    return {
      status: 'ok',
      service: this.service.name,
      hosts: this.service.hosts,
      mode: this.runtime.mode,
      version: this.service.version,
      uptimeSeconds: Math.round(process.uptime()),
    };
  }
}
