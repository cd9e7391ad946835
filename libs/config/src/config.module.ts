import { type DynamicModule, Global, Module, type Provider } from '@nestjs/common';
import { ConfigModule, getConfigToken, registerAs } from '@nestjs/config';
import { ConfluenceConfig, RuntimeSettings } from './confluence-config.js';
import { Environment } from './environment.js';
import { AppConfig } from './schema/app.schema.js';
import { ExchangesConfig } from './schema/exchanges.schema.js';
import { IndicatorsConfig } from './schema/indicators.schema.js';
import { LlmConfig, LlmPrompt } from './schema/llm.schema.js';
import { MonitoringConfig } from './schema/monitoring.schema.js';
import { ValidationConfig } from './schema/validation.schema.js';
import { WeightsConfig } from './schema/weights.schema.js';

/**
 * The `@nestjs/config` namespace of each part of the configuration:
 * `config.get<AppConfig>('app')`, `config.get<number>('app.http.ports.apiGateway')`, or
 * `@Inject(configToken('weights'))`.
 */
export const CONFIG_NAMESPACES = [
  'environment',
  'runtime',
  'app',
  'exchanges',
  'indicators',
  'weights',
  'monitoring',
  'llm',
  'llmPrompt',
  'validation',
] as const;
export type ConfigNamespace = (typeof CONFIG_NAMESPACES)[number];

/** The injection token of a namespace (what `registerAs(name, …).KEY` is). */
export const configToken = (namespace: ConfigNamespace): string => getConfigToken(namespace);

/**
 * Hands the configuration loaded at boot to DI. Loading and validation happen before Nest starts
 * (see `loadConfig`), so a bad config never gets as far as creating a module; the frozen tree then
 * goes to `@nestjs/config` (`ConfigModule.forRoot`, one `registerAs` namespace per part, no .env
 * file: secrets come from the environment, read once by `loadConfig`), so `ConfigService` and
 * namespace injection work as in any Nest project. Each part is also injectable by its class —
 * `constructor(private readonly weights: WeightsConfig)` — the typed way the services use.
 */
@Global()
@Module({})
export class ConfluenceConfigModule {
  static forRoot(config: ConfluenceConfig): DynamicModule {
    const parts: Readonly<Record<ConfigNamespace, object>> = {
      environment: config.environment,
      runtime: config.runtime,
      app: config.app,
      exchanges: config.exchanges,
      indicators: config.indicators,
      weights: config.weights,
      monitoring: config.monitoring,
      llm: config.llm,
      llmPrompt: config.llmPrompt,
      validation: config.validation,
    };
    const namespaces = CONFIG_NAMESPACES.map((name) => registerAs(name, () => parts[name]));
    const byClass: readonly [abstract new () => object, ConfigNamespace][] = [
      [Environment, 'environment'],
      [RuntimeSettings, 'runtime'],
      [AppConfig, 'app'],
      [ExchangesConfig, 'exchanges'],
      [IndicatorsConfig, 'indicators'],
      [WeightsConfig, 'weights'],
      [MonitoringConfig, 'monitoring'],
      [LlmConfig, 'llm'],
      [LlmPrompt, 'llmPrompt'],
      [ValidationConfig, 'validation'],
    ];
    const providers: Provider[] = [
      { provide: ConfluenceConfig, useValue: config },
      // The class tokens resolve through the namespaces, so both ways give the same frozen object.
      ...byClass.map(([token, name]) => ({
        provide: token,
        inject: [configToken(name)],
        useFactory: (part: object) => part,
      })),
    ];
    // No .env file and no process.env fallback: the environment was read, once, by loadConfig.
    const configModule = ConfigModule.forRoot({
      ignoreEnvFile: true,
      skipProcessEnv: true,
      load: namespaces,
      isGlobal: true,
    });
    return {
      module: ConfluenceConfigModule,
      imports: [configModule],
      providers,
      exports: [...providers, ConfigModule],
    };
  }
}
