import { Type } from 'class-transformer';
import type { ConfigShape } from '../config.types.js';
import {
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsIP,
  IsString,
  Matches,
  Max,
  Min,
  registerDecorator,
  ValidateIf,
  ValidateNested,
  type ValidationArguments,
} from 'class-validator';
import { HasUniqueItems, IsLessThanProperty } from '../rules.js';
import { RecordOf } from '../validate.js';

export const RUNTIME_MODES = ['local', 'distributed'] as const;
export type RuntimeMode = (typeof RUNTIME_MODES)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

/** What a log line looks like: one JSON object, or a short coloured line for a person. */
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
/** app.yaml's `logging.format`: a format, or `auto` to choose by where the output goes. */
export type LogFormatSetting = LogFormat | 'auto';

export class PortsConfig {
  @IsInt() @Min(1) @Max(65535) readonly apiGateway!: number;
  @IsInt() @Min(1) @Max(65535) readonly analysisWorker!: number;
  @IsInt() @Min(1) @Max(65535) readonly marketData!: number;
}

/** The gateway's metrics port, when set, must differ from every app's port (they may share a host). */
function IsFreeOfAppPorts(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isFreeOfAppPorts',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate(value: unknown, args: ValidationArguments): boolean {
          const ports = (args.object as Partial<HttpConfig>).ports;
          if (typeof value !== 'number' || !(ports instanceof PortsConfig)) return true;
          return ![ports.apiGateway, ports.analysisWorker, ports.marketData].includes(value);
        },
        defaultMessage: () => 'must differ from apiGateway, analysisWorker and marketData in ports',
      },
    });
  };
}

/** The three apps can run on one host, so their ports must differ. */
function HasDistinctPorts(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'hasDistinctPorts',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate(value: unknown): boolean {
          if (!(value instanceof PortsConfig)) return true;
          const ports = [value.apiGateway, value.analysisWorker, value.marketData];
          return new Set(ports).size === ports.length;
        },
        defaultMessage: () => 'apiGateway, analysisWorker and marketData must use different ports',
      },
    });
  };
}

export class HttpConfig {
  /** 127.0.0.1 keeps a developer's local mode private; containers set 0.0.0.0 in their overlay. */
  @IsIP(undefined, { message: 'must be an IP address such as 127.0.0.1 or 0.0.0.0' }) readonly host!: string;
  @ValidateNested() @Type(() => PortsConfig) @HasDistinctPorts() readonly ports!: PortsConfig;
  /** Largest accepted request body; bigger ones get 413. */
  @IsInt() @Min(1024) @Max(64 * 1024 * 1024) readonly bodyLimitBytes!: number;
  /** How long a stopping process waits for in-flight work before it exits anyway. */
  @IsInt() @Min(100) @Max(120_000) readonly shutdownTimeoutMs!: number;
  /**
   * After a stop signal, how long to keep serving (readiness already 503) before the listener
   * closes: the time a balancer needs to stop sending. Part of the shutdown timeout, not added to it.
   */
  @IsInt() @Min(0) @Max(60_000) @IsLessThanProperty('shutdownTimeoutMs') readonly drainDelayMs!: number;
  /**
   * The gateway's `/metrics` on a listener of its own, on this port of the same host, and no longer
   * on the API port: a port no balancer or published port exposes. null: on the API port.
   */
  @ValidateIf((_object, value) => value !== null)
  @IsInt({ message: 'must be a port number (1–65535) or null' })
  @Min(1)
  @Max(65535)
  @IsFreeOfAppPorts()
  readonly metricsPort!: number | null;
}

/** Origins are scheme://host[:port]; a wildcard is only allowed without credentials. */
const ORIGIN_PATTERN = /^(\*|https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?)$/;

function NoWildcardWithCredentials(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'noWildcardWithCredentials',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate(value: unknown, args: ValidationArguments): boolean {
          const credentials = (args.object as CorsConfig).credentials;
          return !(credentials && Array.isArray(value) && value.includes('*'));
        },
        defaultMessage: () =>
          'must not contain "*" when credentials is true (browsers reject it, and it would trust every site)',
      },
    });
  };
}

export class CorsConfig {
  @IsArray()
  @IsString({ each: true })
  @Matches(ORIGIN_PATTERN, {
    each: true,
    message: 'each origin must look like https://example.com[:port] or be "*"',
  })
  @HasUniqueItems()
  @NoWildcardWithCredentials()
  readonly origins!: readonly string[];
  @IsBoolean() readonly credentials!: boolean;
}

export class RateLimitConfig {
  @IsInt() @Min(1) @Max(1_000_000) readonly limit!: number;
  @IsInt() @Min(1) @Max(86_400) readonly ttlSeconds!: number;
}

export class RateLimitsConfig {
  @ValidateNested() @Type(() => RateLimitConfig) readonly default!: RateLimitConfig;
  /** Per-route limits by route name (`analyze`, `indicators`, ...), over the default. */
  @RecordOf({
    value: RateLimitConfig,
    key: (key) =>
      typeof key === 'string' && /^[a-z][A-Za-z0-9-]*$/.test(key) ? null : 'route names are lowerCamelCase',
  })
  readonly routes!: Readonly<Record<string, RateLimitConfig>>;
}

export class LoggingConfig {
  @IsIn(LOG_LEVELS) readonly level!: LogLevelName;
  /**
   * `json` for containers and log shippers, `pretty` for a developer's terminal; `auto` picks
   * pretty only on a terminal in local mode outside production (resolveLogFormat).
   */
  @IsIn(['auto', ...LOG_FORMATS]) readonly format!: LogFormatSetting;
}

/** Retention and the write path of the store (MongoDB, or the embedded server in local mode). */
export class StorageConfig {
  /** Confluence results are deleted by a TTL index this many days after they are stored. */
  @IsInt() @Min(1) @Max(3650) readonly resultsRetentionDays!: number;
  /** Signal changes (the signal history) are kept longer than results. */
  @IsInt() @Min(1) @Max(3650) readonly signalsRetentionDays!: number;
  /** Recorded order-book snapshots (exchanges.yaml `orderBook.record`) are kept this many days. */
  @IsInt() @Min(1) @Max(3650) readonly orderBookRetentionDays!: number;
  /** Writes waiting while the store is unreachable; beyond this, new writes are refused and counted. */
  @IsInt() @Min(10) @Max(1_000_000) readonly writeBufferSize!: number;
  /** Retry backoff of a failed write: exponential from the base to the cap, with full jitter. */
  @IsInt() @Min(10) @Max(60_000) @IsLessThanProperty('retryMaxMs') readonly retryBaseMs!: number;
  @IsInt() @Min(20) @Max(600_000) readonly retryMaxMs!: number;
  /** One store operation that takes longer than this counts as failed (and is retried). */
  @IsInt() @Min(100) @Max(120_000) readonly operationTimeoutMs!: number;
}

/** The Redis bus of distributed mode (REDIS_URL); local mode's in-process bus needs none of it. */
export class BusConfig {
  /** Prefix of every Redis key and channel, so several deployments can share one Redis. */
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'must be 1–64 letters, digits, dots, dashes or underscores' })
  readonly keyPrefix!: string;
  /** Entries kept per market log (approximate). A worker more than this far behind loses the oldest. */
  @IsInt() @Min(100) @Max(10_000_000) readonly streamMaxLength!: number;
}

/** The analysis worker: refresh cadence, log reads and market leases. */
export class AnalysisConfig {
  /** Least time between two refreshes of a market on fresher order-book / flow data (published only). */
  @IsInt() @Min(100) @Max(3_600_000) readonly refreshIntervalMs!: number;
  /** Market events taken from a market's log per read; a backlog is analysed (and coalesced) this many at a time. */
  @IsInt() @Min(1) @Max(10_000) readonly batchSize!: number;
  /** How long a read waits for new events before the worker looks at its markets again. */
  @IsInt() @Min(10) @Max(60_000) readonly blockMs!: number;
  /** A worker's hold on a market lapses this long after its last renewal; another worker then takes it over. */
  @IsInt() @Min(300) @Max(600_000) readonly leaseTtlMs!: number;
  /**
   * Candles between two saved engine snapshots of a market (also saved on a clean stop): a worker
   * taking the market over restores the newest and replays at most this many candles of the log.
   */
  @IsInt() @Min(1) @Max(100_000) readonly snapshotEveryCandles!: number;
  /** One log line per result (market, score, label, coverage): on in local mode, noisy at scale. */
  @IsBoolean() readonly logUpdates!: boolean;
}

/** Which requests need an `X-API-Key` (POST always does; keys come from API_KEY_HASHES). */
export class AccessConfig {
  /** GET endpoints under /v1 need a key too. */
  @IsBoolean() readonly readsRequireKey!: boolean;
  /** Socket.IO connections to /signals need a key (handshake `auth.apiKey` or the X-API-Key header). */
  @IsBoolean() readonly socketsRequireKey!: boolean;
  /** `GET /metrics` on the API port needs a key too (a metrics port of its own never does). */
  @IsBoolean() readonly metricsRequireKey!: boolean;
  /** The API documents: /docs (Swagger UI), /docs-json, /docs/asyncapi.json, and `GET /` → /docs. */
  @IsBoolean() readonly docs!: boolean;
}

/** Socket.IO `/signals`: per-socket and per-IP limits, heartbeats. */
export class SocketConfig {
  @IsInt() @Min(1) @Max(10_000) readonly maxSubscriptionsPerSocket!: number;
  /**
   * Per client address: Engine.IO connections (from the handshake, whether or not they join a
   * namespace; the next handshake is refused) and, apart, sockets in /signals.
   */
  @IsInt() @Min(1) @Max(1_000_000) readonly maxConnectionsPerIp!: number;
  /** A connection that has not joined a namespace this long after its handshake is closed. */
  @IsInt() @Min(100) @Max(300_000) readonly connectTimeoutMs!: number;
  /** Sustained subscribe/unsubscribe messages a socket may send per second (bursts of twice this). */
  @IsInt() @Min(1) @Max(10_000) readonly messagesPerSecond!: number;
  /** A client that does not answer a ping within pingInterval + pingTimeout is dropped and cleaned up. */
  @IsInt() @Min(100) @Max(300_000) readonly pingIntervalMs!: number;
  @IsInt() @Min(100) @Max(300_000) readonly pingTimeoutMs!: number;
  /** Largest message a client may send; bigger ones close the connection (Socket.IO's maxHttpBufferSize). */
  @IsInt() @Min(256) @Max(1_048_576) readonly maxMessageBytes!: number;
}

export class AppConfig {
  @IsIn(RUNTIME_MODES) readonly mode!: RuntimeMode;
  @ValidateNested() @Type(() => HttpConfig) readonly http!: HttpConfig;
  @ValidateNested() @Type(() => CorsConfig) readonly cors!: CorsConfig;
  @ValidateNested() @Type(() => RateLimitsConfig) readonly rateLimits!: RateLimitsConfig;
  @ValidateNested() @Type(() => AccessConfig) readonly access!: AccessConfig;
  @ValidateNested() @Type(() => SocketConfig) readonly socket!: SocketConfig;
  @ValidateNested() @Type(() => LoggingConfig) readonly logging!: LoggingConfig;
  @ValidateNested() @Type(() => StorageConfig) readonly storage!: StorageConfig;
  @ValidateNested() @Type(() => BusConfig) readonly bus!: BusConfig;
  @ValidateNested() @Type(() => AnalysisConfig) readonly analysis!: AnalysisConfig;
}

export const APP_DEFAULTS: ConfigShape<AppConfig> = {
  mode: 'local',
  http: {
    host: '127.0.0.1',
    ports: { apiGateway: 3000, analysisWorker: 3001, marketData: 3002 },
    bodyLimitBytes: 2 * 1024 * 1024,
    shutdownTimeoutMs: 10_000,
    drainDelayMs: 0,
    metricsPort: null,
  },
  cors: { origins: ['http://localhost:3000'], credentials: false },
  rateLimits: { default: { limit: 120, ttlSeconds: 60 }, routes: {} },
  access: { readsRequireKey: false, socketsRequireKey: false, metricsRequireKey: false, docs: true },
  socket: {
    maxSubscriptionsPerSocket: 50,
    maxConnectionsPerIp: 100,
    connectTimeoutMs: 10_000,
    messagesPerSecond: 10,
    pingIntervalMs: 25_000,
    pingTimeoutMs: 20_000,
    maxMessageBytes: 16_384,
  },
  logging: { level: 'log', format: 'auto' },
  storage: {
    resultsRetentionDays: 30,
    signalsRetentionDays: 365,
    orderBookRetentionDays: 90,
    writeBufferSize: 10_000,
    retryBaseMs: 200,
    retryMaxMs: 10_000,
    operationTimeoutMs: 5_000,
  },
  bus: { keyPrefix: 'confluence', streamMaxLength: 100_000 },
  analysis: {
    refreshIntervalMs: 5_000,
    batchSize: 500,
    blockMs: 1_000,
    leaseTtlMs: 5_000,
    snapshotEveryCandles: 100,
    logUpdates: true,
  },
};
