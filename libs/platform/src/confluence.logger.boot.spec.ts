import { describe, expect, it } from '@jest/globals';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { LogLevelName } from '@app/config';
import { ConfluenceLogger } from './confluence.logger.js';

@Controller('probe')
class ProbeController {
  @Get()
  probe(): string {
    return 'ok';
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

/** Boots a real Nest app on Fastify with the logger, and returns every JSON record it wrote. */
async function bootRecords(level: LogLevelName): Promise<Record<string, unknown>[]> {
  const chunks: string[] = [];
  const stream = { write: (chunk: string) => chunks.push(chunk) };
  const logger = new ConfluenceLogger({
    service: 'test',
    level,
    format: 'json',
    secrets: [],
    streams: { stdout: stream, stderr: stream },
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    ProbeModule,
    new FastifyAdapter(),
    // Nest declares its options as a class; a literal is how its own docs pass them.
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
    { logger, abortOnError: false },
  );
  await app.init();
  await app.close();
  return chunks.map((chunk) => JSON.parse(chunk) as Record<string, unknown>);
}

describe('ConfluenceLogger under a real Nest boot', () => {
  it('prints none of Nest’s wiring lines at the default level', async () => {
    expect(await bootRecords('log')).toEqual([]);
  });

  it('prints them at debug, from every wiring context a boot uses', async () => {
    const records = await bootRecords('debug');

    expect(new Set(records.map((record) => record.level))).toEqual(new Set(['debug']));
    expect(new Set(records.map((record) => record.context))).toEqual(
      new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']),
    );
    expect(records).toContainEqual(
      expect.objectContaining({ context: 'RouterExplorer', message: 'Mapped {/probe, GET} route' }),
    );
    expect(records).toContainEqual(
      expect.objectContaining({
        context: 'NestApplication',
        message: 'Nest application successfully started',
      }),
    );
  });
});
