export * from './config.error.js';
export * from './config.module.js';
export * from './config.types.js';
export * from './confluence-config.js';
export {
  type ApiKeyHash,
  Environment,
  type ExchangeCredentials,
  NODE_ENVS,
  type NodeEnv,
  secretValuesOf,
} from './environment.js';
export { CANDIDATE_WEIGHTS_FILE, CONFIG_FILES, loadConfig, type LoadConfigOptions } from './load-config.js';
export * from './log-format.js';
export * from './replay-files.js';
export * from './schema/app.schema.js';
export * from './schema/exchanges.schema.js';
export * from './schema/indicators.schema.js';
export * from './schema/monitoring.schema.js';
export * from './schema/notifications.schema.js';
export * from './notification-secrets.js';
export * from './schema/llm.schema.js';
export * from './schema/validation.schema.js';
export * from './schema/weights.schema.js';
export { SECRET_KEY_PATTERN, URL_CREDENTIALS_PATTERN } from './secrets.js';
