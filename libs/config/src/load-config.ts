import { readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { type ClassConstructor } from 'class-transformer';
import { ConfigValidationError } from './config.error.js';
import { type ConfigIssue, type ConfigShape, formatPath } from './config.types.js';
import { ConfluenceConfig, RuntimeSettings } from './confluence-config.js';
import { deepFreeze, deepMerge, isPlainObject } from './deep.js';
import { Environment, readEnvironment } from './environment.js';
import { APP_DEFAULTS, AppConfig } from './schema/app.schema.js';
import { EXCHANGE_ITEM_DEFAULTS, EXCHANGES_DEFAULTS, ExchangesConfig } from './schema/exchanges.schema.js';
import { INDICATORS_DEFAULTS, IndicatorsConfig } from './schema/indicators.schema.js';
import { LLM_DEFAULTS, LLM_REPLACE_PATHS, LlmConfig } from './schema/llm.schema.js';
import { loadPrompt } from './llm-prompt.js';
import { MONITORING_DEFAULTS, MonitoringConfig } from './schema/monitoring.schema.js';
import { notificationReferenceIssues, withNotificationDefaults } from './schema/notifications.schema.js';
import { readNotificationSecrets } from './notification-secrets.js';
import { VALIDATION_DEFAULTS, ValidationConfig } from './schema/validation.schema.js';
import { WEIGHTS_DEFAULTS, WEIGHTS_REPLACE_PATHS, WeightsConfig } from './schema/weights.schema.js';
import { extractSecrets } from './secrets.js';
import { type RawIssue, validateConfigSection } from './validate.js';
import { locateIssue, positionOf, readYamlSource, type YamlSource } from './yaml-source.js';

interface SectionSpec<T extends object> {
  readonly file: string;
  readonly schema: ClassConstructor<T>;
  readonly defaults: ConfigShape<T>;
  readonly replace?: readonly string[];
  /** Fills per-item defaults in lists, which a plain merge cannot reach. */
  readonly prepare?: (merged: unknown) => unknown;
  /** Rules across fields of the validated section (paths from its root); run only when the rest passed. */
  check?(value: T): RawIssue[];
}

/** An exchange entry may omit `enabled`, `data`, `polling`, ...; each omitted part takes the default. */
function withExchangeDefaults(merged: unknown): unknown {
  const list = (merged as { exchanges?: unknown } | null)?.exchanges;
  if (!Array.isArray(list)) return merged;
  return { ...(merged as object), exchanges: list.map((item) => deepMerge(EXCHANGE_ITEM_DEFAULTS, item)) };
}

/** Channels and rules of `notifications` take their per-item defaults. */
function withMonitoringDefaults(merged: unknown): unknown {
  if (!isPlainObject(merged)) return merged;
  return { ...merged, notifications: withNotificationDefaults(merged.notifications, deepMerge) };
}

const SECTIONS = {
  app: { file: 'app.yaml', schema: AppConfig, defaults: APP_DEFAULTS },
  exchanges: {
    file: 'exchanges.yaml',
    schema: ExchangesConfig,
    defaults: EXCHANGES_DEFAULTS,
    prepare: withExchangeDefaults,
  },
  indicators: { file: 'indicators.yaml', schema: IndicatorsConfig, defaults: INDICATORS_DEFAULTS },
  weights: {
    file: 'weights.yaml',
    schema: WeightsConfig,
    defaults: WEIGHTS_DEFAULTS,
    replace: WEIGHTS_REPLACE_PATHS,
  },
  monitoring: {
    file: 'monitoring.yaml',
    schema: MonitoringConfig,
    defaults: MONITORING_DEFAULTS,
    prepare: withMonitoringDefaults,
    check(monitoring: MonitoringConfig): RawIssue[] {
      return notificationReferenceIssues(monitoring.notifications).map((issue) => ({
        ...issue,
        path: ['notifications', ...issue.path],
      }));
    },
  },
  llm: { file: 'llm.yaml', schema: LlmConfig, defaults: LLM_DEFAULTS, replace: LLM_REPLACE_PATHS },
  validation: { file: 'validation.yaml', schema: ValidationConfig, defaults: VALIDATION_DEFAULTS },
} as const satisfies Record<string, SectionSpec<object>>;

export const CONFIG_FILES: readonly string[] = Object.values(SECTIONS).map((section) => section.file);

/**
 * Where `cli calibrate` proposes weights, beside the live weights.yaml. Never loaded: a candidate
 * goes live only when someone copies it over weights.yaml.
 */
export const CANDIDATE_WEIGHTS_FILE = 'weights.candidate.yaml';

interface LoadedSection<T> {
  readonly value: T;
  readonly sources: readonly YamlSource[];
  /** False when any issue was found in this section; cross-file rules then wait for a fix. */
  readonly valid: boolean;
}

function loadSection<T extends object>(
  spec: SectionSpec<T>,
  environment: Environment,
  issues: ConfigIssue[],
  files: string[],
  /** A file that replaces the section's file and its overlay (an absolute path). */
  replacement?: string,
): LoadedSection<T> {
  const issuesBefore = issues.length;
  const base =
    replacement === undefined
      ? readYamlSource(environment.configDir, spec.file, true)
      : readYamlSource(dirname(replacement), basename(replacement), true);
  const overlay =
    replacement === undefined
      ? readYamlSource(environment.configDir, `${environment.nodeEnv}/${spec.file}`, false)
      : null;
  const sources: YamlSource[] = [];
  for (const result of [base, overlay]) {
    if (result === null) continue;
    issues.push(...result.issues);
    if (result.source === null) continue;
    const source = result.source;
    for (const secret of extractSecrets(source.data)) {
      issues.push({
        file: source.file,
        path: formatPath(secret.path),
        message: secret.message,
        ...positionOf(source, secret.path),
      });
    }
    sources.push(source);
    files.push(source.file);
  }
  let merged: unknown = spec.defaults;
  for (const source of sources) merged = deepMerge(merged, source.data, spec.replace);
  if (spec.prepare !== undefined) merged = spec.prepare(merged);
  const raw: RawIssue[] = [];
  const value = validateConfigSection(spec.schema, merged, [], raw);
  if (raw.length === 0 && spec.check !== undefined) raw.push(...spec.check(value));
  issues.push(...raw.map((issue) => locateIssue(sources, spec.file, issue.path, issue.message)));
  return { value, sources, valid: issues.length === issuesBefore };
}

/** A stray `wieghts.yaml` or `app.yml` would otherwise be ignored in silence. */
function checkUnexpectedFiles(dir: string, prefix: string, issues: ConfigIssue[]): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return; // A missing directory is reported once per required file.
  }
  for (const entry of entries) {
    if (/\.ya?ml$/i.test(entry) && !CONFIG_FILES.includes(entry) && entry !== CANDIDATE_WEIGHTS_FILE) {
      issues.push({
        file: `${prefix}${entry}`,
        path: '',
        message: `unexpected config file (expected one of ${CONFIG_FILES.join(', ')})`,
      });
    }
  }
}

/** Rules that span two files: weights may only name timeframes and symbols that are collected. */
function checkCrossFile(
  weights: LoadedSection<WeightsConfig>,
  exchanges: ExchangesConfig,
  issues: ConfigIssue[],
): void {
  const enabled = exchanges.exchanges.filter((exchange) => exchange.enabled);
  const timeframes = new Set<string>(enabled.flatMap((exchange) => exchange.timeframes));
  const symbols = new Set(enabled.flatMap((exchange) => exchange.symbols));
  const report = (path: (string | number)[], message: string): void => {
    issues.push(locateIssue(weights.sources, 'weights.yaml', path, message));
  };
  const checkTimeframes = (record: object | undefined, path: string[]): void => {
    for (const timeframe of Object.keys(record ?? {})) {
      if (!timeframes.has(timeframe)) {
        report(
          [...path, timeframe],
          `timeframe is not collected by any enabled exchange in exchanges.yaml (collected: ${[...timeframes].join(', ') || 'none'})`,
        );
      }
    }
  };
  checkTimeframes(weights.value.timeframes, ['timeframes']);
  for (const [symbol, override] of Object.entries(weights.value.overrides)) {
    if (!symbols.has(symbol))
      report(['overrides', symbol], 'symbol is not configured on any enabled exchange in exchanges.yaml');
    checkTimeframes(override.timeframes, ['overrides', symbol, 'timeframes']);
  }
}

/** Order books can only be recorded for symbols the exchange collects, with the book enabled. */
function checkRecordedBooks(exchanges: LoadedSection<ExchangesConfig>, issues: ConfigIssue[]): void {
  exchanges.value.exchanges.forEach((exchange, index) => {
    const book = exchange.data.orderBook;
    book.record.forEach((symbol, at) => {
      const path = ['exchanges', index, 'data', 'orderBook', 'record', at];
      if (!exchange.symbols.includes(symbol))
        issues.push(locateIssue(exchanges.sources, 'exchanges.yaml', path, `${symbol} is not in symbols`));
      else if (!book.enabled)
        issues.push(locateIssue(exchanges.sources, 'exchanges.yaml', path, 'orderBook.enabled is false'));
    });
  });
}

function resolveRuntime(
  app: AppConfig,
  exchanges: ExchangesConfig,
  environment: Environment,
  issues: ConfigIssue[],
): RuntimeSettings {
  const distributed = app.mode === 'distributed';
  if (distributed && environment.redisUrl === undefined) {
    issues.push({
      file: 'environment',
      path: 'REDIS_URL',
      message: 'is required in distributed mode (the bus and rate limits run on Redis)',
    });
  }
  if ((distributed || environment.nodeEnv === 'production') && environment.mongodbUri === undefined) {
    issues.push({
      file: 'environment',
      path: 'MONGODB_URI',
      message: `is required ${distributed ? 'in distributed mode' : 'when NODE_ENV=production'} (the embedded store keeps data in memory only)`,
    });
  }
  return Object.assign(new RuntimeSettings(), {
    mode: app.mode,
    bus: distributed ? 'redis' : 'in-process',
    store: environment.mongodbUri === undefined ? 'embedded' : 'mongodb',
    marketData: exchanges.source === 'auto' ? (distributed ? 'live' : 'replay') : exchanges.source,
    // Any REDIS_URL (always set when distributed) shares rate limits and Socket.IO rooms across replicas.
    throttlerStorage: environment.redisUrl === undefined ? 'memory' : 'redis',
  } as const);
}

export interface LoadConfigOptions {
  /** Defaults to `process.env`; tests pass their own. */
  readonly env?: NodeJS.ProcessEnv;
  /** Base for a relative `CONFIG_DIR`; defaults to the working directory. */
  readonly cwd?: string;
  /**
   * A weights file to validate and use instead of the config directory's weights.yaml and its
   * NODE_ENV overlay (`cli backtest --weights`); relative to `cwd`. Issues name it by its file name.
   */
  readonly weightsFile?: string;
}

/**
 * Reads `config/*.yaml` (and the `config/<NODE_ENV>/` overlay) over the code defaults, validates
 * everything once, and returns one frozen object. Throws `ConfigValidationError` listing every
 * problem found, never just the first.
 */
export function loadConfig(options: LoadConfigOptions = {}): ConfluenceConfig {
  const issues: ConfigIssue[] = [];
  const environment = readEnvironment(options.env ?? process.env, options.cwd ?? process.cwd(), issues);
  const files: string[] = [];
  checkUnexpectedFiles(environment.configDir, '', issues);
  checkUnexpectedFiles(join(environment.configDir, environment.nodeEnv), `${environment.nodeEnv}/`, issues);

  const app = loadSection(SECTIONS.app, environment, issues, files);
  const exchanges = loadSection(SECTIONS.exchanges, environment, issues, files);
  const indicators = loadSection(SECTIONS.indicators, environment, issues, files);
  const weightsFile =
    options.weightsFile === undefined
      ? undefined
      : resolve(options.cwd ?? process.cwd(), options.weightsFile);
  const weights = loadSection(SECTIONS.weights, environment, issues, files, weightsFile);
  const monitoring = loadSection(SECTIONS.monitoring, environment, issues, files);
  const llm = loadSection(SECTIONS.llm, environment, issues, files);
  const llmPrompt = llm.valid ? loadPrompt(environment.configDir, llm.value.prompt, issues, files) : null;
  const validation = loadSection(SECTIONS.validation, environment, issues, files);
  if (weights.valid && exchanges.valid) checkCrossFile(weights, exchanges.value, issues);
  if (exchanges.valid) checkRecordedBooks(exchanges, issues);
  const runtime = resolveRuntime(app.value, exchanges.value, environment, issues);

  if (issues.length > 0 || llmPrompt === null) throw new ConfigValidationError(issues);

  const notices: string[] = [];
  if (runtime.store === 'embedded') {
    notices.push(
      'MONGODB_URI is not set: results are kept by the embedded in-memory store and vanish on exit (not for production)',
    );
  }
  if (environment.openAiKeys.length === 0)
    notices.push("OPENAI_API_KEYS is not set: no LLM opinions, results carry the engine's label alone");
  else if (!llm.value.enabled)
    notices.push("llm.yaml enabled is false: no LLM opinions, results carry the engine's label alone");
  return deepFreeze(
    Object.assign(new ConfluenceConfig(), {
      // Only the variables monitoring.yaml names; whether each is required is the gateway's refusal.
      environment: Object.assign(new Environment(), environment, {
        notificationSecrets: readNotificationSecrets(
          options.env ?? process.env,
          monitoring.value.notifications,
        ),
      }),
      runtime,
      app: app.value,
      exchanges: exchanges.value,
      indicators: indicators.value,
      weights: weights.value,
      monitoring: monitoring.value,
      llm: llm.value,
      llmPrompt,
      validation: validation.value,
      files,
      notices,
    }),
  );
}
