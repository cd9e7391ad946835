import { isAbsolute, resolve } from 'node:path';
import { type ConfigIssue } from './config.types.js';
import { LOG_FORMATS, type LogFormat } from './schema/app.schema.js';

export const NODE_ENVS = ['development', 'test', 'production'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];

/**
 * What the process environment may set. Secrets live here and only here: YAML holds tuning.
 * A class so it can be injected by type.
 */
export class Environment {
  readonly nodeEnv!: NodeEnv;
  /** `PORT`: overrides the listening port of whichever process starts. */
  readonly port?: number;
  /** `CONFIG_DIR`: where the YAML files are (default `./config`). */
  readonly configDir!: string;
  /** `DATA_DIR`: the candle files replay reads (default `./data`). */
  readonly dataDir!: string;
  /** `LOG_FORMAT`: `json` or `pretty`, over app.yaml's `logging.format`. */
  readonly logFormat?: LogFormat;
  /** `MONGODB_URI` (secret: may carry credentials). */
  readonly mongodbUri?: string;
  /** `REDIS_URL` (secret: may carry credentials). */
  readonly redisUrl?: string;
  /**
   * Exchange API keys by ccxt id, from `EXCHANGE_<ID>_API_KEY`, `_SECRET` and (OKX, KuCoin, ...)
   * `_PASSWORD`. Optional: public market data needs none.
   */
  readonly exchangeCredentials!: Readonly<Record<string, ExchangeCredentials>>;
  /**
   * `API_KEY_HASHES`: the gateway's API keys, hashed (`name:<sha256 hex>`, comma-separated). Only
   * hashes are configured, so neither a config leak nor a log line can reveal a key.
   */
  readonly apiKeyHashes!: readonly ApiKeyHash[];
  /**
   * `OPENAI_API_KEYS`: keys of the OpenAI-compatible endpoint (comma-separated), tried in turn;
   * none: no LLM opinions. Logs and health name a key by its last four characters only.
   */
  readonly openAiKeys!: readonly string[];
  /**
   * The alert channels' secrets (webhook signing secret, bot token, Discord and Slack webhook URLs),
   * by the variable monitoring.yaml `notifications.channels` names for each; only those set.
   */
  readonly notificationSecrets!: Readonly<Record<string, string>>;
}

export interface ApiKeyHash {
  /** Names the key in logs and per-key rate limits (never the key itself). */
  readonly name: string;
  /** SHA-256 of the key, lowercase hex. */
  readonly sha256: string;
}

const API_KEY_HASH_ENTRY = /^([A-Za-z0-9_.-]{1,64}):([0-9a-f]{64})$/;

function readApiKeyHashes(env: NodeJS.ProcessEnv, issues: ConfigIssue[]): ApiKeyHash[] {
  const raw = nonEmpty(env.API_KEY_HASHES);
  if (raw === undefined) return [];
  const hashes: ApiKeyHash[] = [];
  for (const [index, entry] of raw.split(',').entries()) {
    const match = API_KEY_HASH_ENTRY.exec(entry.trim());
    if (match === null) {
      issues.push({
        file: ENV_FILE,
        path: `API_KEY_HASHES[${index}]`,
        message: 'must be name:<64 lowercase hex digits of the SHA-256 of the key> (npm run cli -- api-key)',
      });
      continue;
    }
    const [, name = '', sha256 = ''] = match;
    if (hashes.some((known) => known.name === name))
      issues.push({
        file: ENV_FILE,
        path: `API_KEY_HASHES[${index}]`,
        message: `repeats the name "${name}"`,
      });
    else hashes.push({ name, sha256 });
  }
  return hashes;
}

function readOpenAiKeys(env: NodeJS.ProcessEnv, issues: ConfigIssue[]): string[] {
  const raw = nonEmpty(env.OPENAI_API_KEYS);
  if (raw === undefined) return [];
  const keys: string[] = [];
  for (const [index, entry] of raw.split(',').entries()) {
    const key = entry.trim();
    // Never echo the value: a typo in one key still holds the secret.
    if (!/^[\x21-\x7e]{8,512}$/.test(key))
      issues.push({
        file: ENV_FILE,
        path: `OPENAI_API_KEYS[${index}]`,
        message: 'must be 8–512 printable characters without spaces',
      });
    else if (keys.includes(key))
      issues.push({ file: ENV_FILE, path: `OPENAI_API_KEYS[${index}]`, message: 'repeats an earlier key' });
    else keys.push(key);
  }
  return keys;
}

export interface ExchangeCredentials {
  readonly apiKey: string;
  readonly secret: string;
  readonly password?: string;
}

const CREDENTIAL_VARIABLE = /^EXCHANGE_([A-Z0-9]+)_(API_KEY|SECRET|PASSWORD)$/;

function readExchangeCredentials(
  env: NodeJS.ProcessEnv,
  issues: ConfigIssue[],
): Record<string, ExchangeCredentials> {
  const parts: Record<string, Partial<Record<'API_KEY' | 'SECRET' | 'PASSWORD', string>>> = {};
  for (const [name, raw] of Object.entries(env)) {
    const [, id, part] = CREDENTIAL_VARIABLE.exec(name) ?? [];
    const value = nonEmpty(raw);
    if (id === undefined || part === undefined || value === undefined) continue;
    (parts[id.toLowerCase()] ??= {})[part as 'API_KEY' | 'SECRET' | 'PASSWORD'] = value;
  }
  const credentials: Record<string, ExchangeCredentials> = {};
  for (const [id, { API_KEY: apiKey, SECRET: secret, PASSWORD: password }] of Object.entries(parts)) {
    if (apiKey === undefined || secret === undefined) {
      const missing = apiKey === undefined ? 'API_KEY' : 'SECRET';
      issues.push({
        file: ENV_FILE,
        path: `EXCHANGE_${id.toUpperCase()}_${missing}`,
        message: 'is required when the other half of the key pair is set',
      });
      continue;
    }
    credentials[id] = password === undefined ? { apiKey, secret } : { apiKey, secret, password };
  }
  return credentials;
}

const ENV_FILE = 'environment';

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

function readUrl(
  env: NodeJS.ProcessEnv,
  name: string,
  schemes: readonly string[],
  issues: ConfigIssue[],
): string | undefined {
  const value = nonEmpty(env[name]);
  if (value === undefined) return undefined;
  let protocol: string;
  try {
    protocol = new URL(value).protocol.replace(/:$/, '');
  } catch {
    // Not echoing the value: it may hold a password.
    issues.push({ file: ENV_FILE, path: name, message: 'is not a valid URL' });
    return undefined;
  }
  if (!schemes.includes(protocol)) {
    issues.push({
      file: ENV_FILE,
      path: name,
      message: `must use ${schemes.map((s) => `${s}://`).join(' or ')}`,
    });
    return undefined;
  }
  return value;
}

/** `raw` when it is one of `allowed`; otherwise an issue naming the variable, and undefined. */
function oneOf<T extends string>(
  name: string,
  raw: string,
  allowed: readonly T[],
  issues: ConfigIssue[],
): T | undefined {
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  issues.push({ file: ENV_FILE, path: name, message: `must be one of ${allowed.join(', ')} (got "${raw}")` });
  return undefined;
}

export function readEnvironment(env: NodeJS.ProcessEnv, cwd: string, issues: ConfigIssue[]): Environment {
  const nodeEnv: NodeEnv =
    oneOf('NODE_ENV', nonEmpty(env.NODE_ENV) ?? 'development', NODE_ENVS, issues) ?? 'development';

  const rawPort = nonEmpty(env.PORT);
  let port: number | undefined;
  if (rawPort !== undefined) {
    port = Number(rawPort);
    if (!/^\d+$/.test(rawPort) || port < 1 || port > 65535) {
      issues.push({
        file: ENV_FILE,
        path: 'PORT',
        message: `must be an integer from 1 to 65535 (got "${rawPort}")`,
      });
      port = undefined;
    }
  }

  const rawLogFormat = nonEmpty(env.LOG_FORMAT);
  const logFormat: LogFormat | undefined =
    rawLogFormat === undefined ? undefined : oneOf('LOG_FORMAT', rawLogFormat, LOG_FORMATS, issues);

  const rawDir = nonEmpty(env.CONFIG_DIR) ?? 'config';
  const rawDataDir = nonEmpty(env.DATA_DIR) ?? 'data';
  return Object.assign(new Environment(), {
    nodeEnv,
    port,
    configDir: isAbsolute(rawDir) ? rawDir : resolve(cwd, rawDir),
    dataDir: isAbsolute(rawDataDir) ? rawDataDir : resolve(cwd, rawDataDir),
    logFormat,
    mongodbUri: readUrl(env, 'MONGODB_URI', ['mongodb', 'mongodb+srv'], issues),
    redisUrl: readUrl(env, 'REDIS_URL', ['redis', 'rediss'], issues),
    exchangeCredentials: readExchangeCredentials(env, issues),
    apiKeyHashes: readApiKeyHashes(env, issues),
    openAiKeys: readOpenAiKeys(env, issues),
    // Filled by loadConfig once monitoring.yaml says which variables to read.
    notificationSecrets: {},
  });
}

/** Values that must never reach a log line: passwords inside URLs, keys, tokens, alert secrets. */
export function secretValuesOf(environment: Environment): string[] {
  const secrets: string[] = [];
  for (const url of [environment.mongodbUri, environment.redisUrl]) {
    if (url === undefined) continue;
    try {
      const password = decodeURIComponent(new URL(url).password);
      if (password !== '') secrets.push(password);
    } catch {
      // Invalid URLs never get this far (readUrl rejects them).
    }
  }
  secrets.push(...environment.openAiKeys, ...Object.values(environment.notificationSecrets));
  for (const { apiKey, secret, password } of Object.values(environment.exchangeCredentials)) {
    secrets.push(apiKey, secret, ...(password === undefined ? [] : [password]));
  }
  return secrets;
}
