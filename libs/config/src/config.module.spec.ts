import { describe, expect, it } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { PROJECT_CONFIG_DIR } from '@app/testing';
import { ConfigService } from '@nestjs/config';
import { configToken, ConfluenceConfigModule } from './config.module.js';
import { ConfluenceConfig, RuntimeSettings } from './confluence-config.js';
import { Environment } from './environment.js';
import { loadConfig } from './load-config.js';
import { AppConfig } from './schema/app.schema.js';
import { ExchangesConfig } from './schema/exchanges.schema.js';
import { IndicatorsConfig } from './schema/indicators.schema.js';
import { MonitoringConfig } from './schema/monitoring.schema.js';
import { ValidationConfig } from './schema/validation.schema.js';
import { WeightsConfig } from './schema/weights.schema.js';

@Injectable()
class NeedsWeights {
  constructor(readonly weights: WeightsConfig) {}
}

/** A feature module that does not import the config module itself: it is global. */
@Module({ providers: [NeedsWeights] })
class FeatureModule {}

describe('ConfluenceConfigModule', () => {
  it('provides each part of the loaded config, by class, to any module', async () => {
    const config = loadConfig({ env: { CONFIG_DIR: PROJECT_CONFIG_DIR } });
    const moduleRef = await Test.createTestingModule({
      imports: [ConfluenceConfigModule.forRoot(config), FeatureModule],
    }).compile();

    expect(moduleRef.get(ConfluenceConfig)).toBe(config);
    expect(moduleRef.get(Environment)).toBe(config.environment);
    expect(moduleRef.get(RuntimeSettings)).toBe(config.runtime);
    expect(moduleRef.get(AppConfig)).toBe(config.app);
    expect(moduleRef.get(ExchangesConfig)).toBe(config.exchanges);
    expect(moduleRef.get(IndicatorsConfig)).toBe(config.indicators);
    expect(moduleRef.get(WeightsConfig)).toBe(config.weights);
    expect(moduleRef.get(MonitoringConfig)).toBe(config.monitoring);
    expect(moduleRef.get(ValidationConfig)).toBe(config.validation);

    const consumer = moduleRef.get(NeedsWeights);
    expect(consumer.weights).toBe(config.weights);
    expect(Object.isFrozen(consumer.weights.thresholds)).toBe(true);
  });

  it('hands the same tree to @nestjs/config: ConfigService paths and namespace injection', async () => {
    const config = loadConfig({ env: { CONFIG_DIR: PROJECT_CONFIG_DIR } });
    const moduleRef = await Test.createTestingModule({
      imports: [ConfluenceConfigModule.forRoot(config), FeatureModule],
    }).compile();
    const service = moduleRef.get(ConfigService);
    expect(service.get<AppConfig>('app')).toBe(config.app);
    expect(service.get<number>('app.http.ports.apiGateway')).toBe(config.app.http.ports.apiGateway);
    expect(service.get<WeightsConfig>('weights')).toBe(config.weights);
    expect(moduleRef.get(configToken('monitoring'))).toBe(config.monitoring);
    // Only the loaded tree: never process.env (read once, by loadConfig).
    expect(service.get('PATH')).toBeUndefined();
  });
});
