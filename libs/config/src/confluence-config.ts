import type { ServiceName } from '@app/contracts';
import { type Environment } from './environment.js';
import { type AppConfig, type RuntimeMode } from './schema/app.schema.js';
import { type ExchangesConfig } from './schema/exchanges.schema.js';
import { type IndicatorsConfig } from './schema/indicators.schema.js';
import { type LlmConfig, type LlmPrompt } from './schema/llm.schema.js';
import { type MonitoringConfig } from './schema/monitoring.schema.js';
import { type ValidationConfig } from './schema/validation.schema.js';
import { type WeightsConfig } from './schema/weights.schema.js';

/**
 * How this process runs, decided once at boot from app.yaml and the environment (DESIGN.md,
 * "Runtime modes"). Nothing outside the config lib chooses a mode.
 */
export class RuntimeSettings {
  readonly mode!: RuntimeMode;
  readonly bus!: 'in-process' | 'redis';
  readonly store!: 'embedded' | 'mongodb';
  readonly marketData!: 'replay' | 'live';
  readonly throttlerStorage!: 'memory' | 'redis';
}

/** The whole validated, frozen configuration. Each part is also injectable on its own by class. */
export class ConfluenceConfig {
  readonly environment!: Environment;
  readonly runtime!: RuntimeSettings;
  readonly app!: AppConfig;
  readonly exchanges!: ExchangesConfig;
  readonly indicators!: IndicatorsConfig;
  readonly weights!: WeightsConfig;
  readonly monitoring!: MonitoringConfig;
  readonly llm!: LlmConfig;
  /** The prompt template llm.yaml names, loaded from config/prompts. */
  readonly llmPrompt!: LlmPrompt;
  /** Forward validation of the live score: horizons, sufficiency, gauges, probability maps. */
  readonly validation!: ValidationConfig;
  /** The files that were read, relative to the config directory, for the boot log. */
  readonly files!: readonly string[];
  /** Facts an operator should see at boot (an in-memory store, say); not errors. */
  readonly notices!: readonly string[];
}

/** Where a process listens: `PORT` wins, else its port from app.yaml (local mode uses the gateway's). */
export function listenAddressOf(
  config: ConfluenceConfig,
  service: ServiceName,
): { host: string; port: number } {
  const ports = config.app.http.ports;
  const configured = {
    'api-gateway': ports.apiGateway,
    local: ports.apiGateway,
    'analysis-worker': ports.analysisWorker,
    'market-data': ports.marketData,
  }[service];
  return { host: config.app.http.host, port: config.environment.port ?? configured };
}
