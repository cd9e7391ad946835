import { afterEach, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { loadConfig } from '@app/config';
import { ServiceName } from '@app/contracts';
import { createConfigFixture } from '@app/testing';
import { ConfluenceLogger } from './confluence.logger.js';
import { createServiceApp } from './service-app.js';

/**
 * Nest answers `Logger.isLevelEnabled` (the gateway's request hook asks it for every request)
 * from levels it was told; told none, it says every level is on for a logger that is not its own
 * ConsoleLogger. createServiceApp tells it the configured ones.
 */
async function debugEnabledAt(level: string): Promise<boolean> {
  const fixture = createConfigFixture();
  try {
    fixture.patch('app.yaml', 'level: log', `level: ${level}`);
    const config = loadConfig({ env: { CONFIG_DIR: fixture.dir } });
    const sink = { write: () => true };
    const logger = new ConfluenceLogger({
      service: 'test',
      level: config.app.logging.level,
      format: 'json',
      secrets: [],
      streams: { stdout: sink, stderr: sink },
    });
    const app = await createServiceApp(
      config,
      { name: ServiceName.MarketData, hosts: [], modules: [] },
      logger,
    );
    try {
      return Logger.isLevelEnabled('debug');
    } finally {
      await app.close();
    }
  } finally {
    fixture.cleanup();
  }
}

afterEach(() => {
  Logger.overrideLogger(false);
});

describe('createServiceApp with the process logger', () => {
  it('tells Nest the configured levels: debug is off at log, on at debug', async () => {
    expect(await debugEnabledAt('log')).toBe(false);
    expect(await debugEnabledAt('debug')).toBe(true);
  });
});
