/**
 * Everything of the config lib but its Nest module (`ConfluenceConfigModule`): loading,
 * validation, the schemas and the helpers a process needs before Nest is loaded. The boot path
 * (`@app/platform/boot`) imports this entry point, so a process refused for its configuration
 * never loads the framework (docs/adr/0017-refuse-before-parsing.md).
 */
export * from './config.error.js';
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
