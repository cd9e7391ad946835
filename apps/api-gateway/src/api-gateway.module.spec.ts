import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '@app/config';
import { RedisKeys } from '@app/bus';
import { AccessPolicy, ApiKeyRing } from '@app/gateway';
import { PROJECT_CONFIG_DIR } from '@app/testing';
import { ApiGatewayModule } from './api-gateway.module.js';
import { GatewayRedis } from './ops/gateway-redis.js';

function moduleFor(env: Record<string, string>): ApiGatewayModule {
  const config = loadConfig({ env: { CONFIG_DIR: PROJECT_CONFIG_DIR, ...env } });
  return new ApiGatewayModule(
    config.app,
    config.environment,
    new ApiKeyRing(config.environment.apiKeyHashes),
    AccessPolicy.of(config),
    new GatewayRedis(null, new RedisKeys('test'), 100),
  );
}

const PRODUCTION = {
  NODE_ENV: 'production',
  REDIS_URL: 'redis://127.0.0.1:6379',
  MONGODB_URI: 'mongodb://db:27017/confluence',
};

describe('ApiGatewayModule boot', () => {
  it('refuses to start in production without API keys (POST endpoints would refuse everyone)', () => {
    expect(() => {
      moduleFor(PRODUCTION).onModuleInit();
    }).toThrow(/API_KEY_HASHES is required when NODE_ENV=production/);
  });

  it('starts in production with keys, and in development without them', () => {
    expect(() => {
      moduleFor({ ...PRODUCTION, API_KEY_HASHES: `bot:${'a'.repeat(64)}` }).onModuleInit();
    }).not.toThrow();
    expect(() => {
      moduleFor({}).onModuleInit();
    }).not.toThrow();
  });
});
