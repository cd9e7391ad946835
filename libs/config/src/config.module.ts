import { type DynamicModule, Global, Module, type Provider } from '@nestjs/common';
import { ConfluenceConfig, RuntimeSettings } from './confluence-config.js';
import { Environment } from './environment.js';
import { AppConfig } from './schema/app.schema.js';
import { ExchangesConfig } from './schema/exchanges.schema.js';
import { IndicatorsConfig } from './schema/indicators.schema.js';
import { MonitoringConfig } from './schema/monitoring.schema.js';
import { WeightsConfig } from './schema/weights.schema.js';

/**
 * Hands the configuration loaded at boot to DI as frozen typed providers, injected by class:
 * `constructor(private readonly weights: WeightsConfig)`. Loading happens before Nest starts
 * (see `loadConfig`), so a bad config never gets as far as creating a module.
 */
@Global()
@Module({})
export class ConfluenceConfigModule {
  static forRoot(config: ConfluenceConfig): DynamicModule {
    const providers: Provider[] = [
      { provide: ConfluenceConfig, useValue: config },
      { provide: Environment, useValue: config.environment },
      { provide: RuntimeSettings, useValue: config.runtime },
      { provide: AppConfig, useValue: config.app },
      { provide: ExchangesConfig, useValue: config.exchanges },
      { provide: IndicatorsConfig, useValue: config.indicators },
      { provide: WeightsConfig, useValue: config.weights },
      { provide: MonitoringConfig, useValue: config.monitoring },
    ];
    return { module: ConfluenceConfigModule, providers, exports: providers };
  }
}
