import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
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
  @ApiOkResponse({ description: '{status: ok, service, hosts, mode, version, uptimeSeconds}' })
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
