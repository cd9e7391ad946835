import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createConfigFixture, eventually, freePort, PROJECT_CONFIG_DIR } from '@app/testing';
import { apiKeyHashes, testApiKey } from './gateway-kit.js';
import { Processes, requireBuilt } from './process-kit.js';

/**
 * A production gateway without API keys (issue 27, item 6): it used to print the fatal line, keep
 * its Redis clients reconnecting and die 5 s later of an unhandled rejection with a Mongo stack.
 * Now it is refused as soon as its configuration is loaded: one fatal line, exit 1, and not one
 * connection to Redis or MongoDB. Both stand-ins are plain TCP listeners that count who connects;
 * the control case (with a key) shows they would have seen the gateway. The refusal is decided
 * before the framework is loaded (`bootService`, `@app/platform/boot`): a module-hook recorder
 * lists what the refused process imported. How long the refusal takes is measured by
 * `npm run bench:refusal`, not here. Needs `npm run build`.
 */

const ENTRIES = { 'api-gateway': 'dist/apps/api-gateway/src/main.js', local: 'dist/local/main.js' } as const;
/** Runs an entry point under module hooks and prints every URL it resolved (test/support). */
const LIST_IMPORTS = 'test/support/list-imports.js';
/**
 * All a refusal needs: the config loader (YAML, class-validator schemas) and the logger (pino).
 * Nest, Fastify, mongoose, the MongoDB driver, ioredis, Socket.IO and ccxt come after it.
 */
const BOOT_PACKAGES = [
  'class-transformer',
  'class-validator',
  'pino',
  'pino-pretty',
  'reflect-metadata',
  'yaml',
];

/** A TCP listener standing in for Redis or MongoDB: it accepts and counts, and never answers. */
class CountingListener {
  accepted = 0;
  readonly #sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {
    server.on('connection', (socket) => {
      this.accepted += 1;
      this.#sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  static async open(): Promise<CountingListener> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    return new CountingListener(server, typeof address === 'object' && address !== null ? address.port : 0);
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const processes = new Processes();
const listeners: CountingListener[] = [];

beforeAll(() => {
  requireBuilt(Object.values(ENTRIES));
});

afterEach(async () => {
  await processes.killAll();
  await Promise.all(listeners.splice(0).map((listener) => listener.close()));
});

/** Redis and MongoDB stand-ins, and a production environment pointing at them. */
async function productionEnvironment(): Promise<{
  redis: CountingListener;
  mongo: CountingListener;
  env: NodeJS.ProcessEnv;
}> {
  const [redis, mongo] = await Promise.all([CountingListener.open(), CountingListener.open()]);
  listeners.push(redis, mongo);
  return {
    redis,
    mongo,
    env: {
      NODE_ENV: 'production',
      CONFIG_DIR: PROJECT_CONFIG_DIR,
      PORT: String(await freePort()),
      REDIS_URL: `redis://127.0.0.1:${redis.port}`,
      MONGODB_URI: `mongodb://127.0.0.1:${mongo.port}/confluence`,
      LOG_FORMAT: 'json',
    },
  };
}

interface LogLine {
  readonly level: string;
  readonly service: string;
  readonly message: string;
  readonly context: string;
}

describe('a production gateway without API_KEY_HASHES', () => {
  it.each(Object.entries(ENTRIES))(
    '%s: one fatal line, exit 1, no connection opened to Redis or MongoDB',
    async (service, entry) => {
      const { redis, mongo, env } = await productionEnvironment();
      const child = processes.node(entry, env);

      expect(await child.exited).toEqual({ code: 1, signal: null });
      // Every line it printed, stdout and stderr: a raw Node crash report would not even parse.
      const lines = child.output
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as LogLine);
      expect(lines).toEqual([
        expect.objectContaining({
          level: 'fatal',
          service,
          context: 'Boot',
          message: `${service} refuses to start: API_KEY_HASHES is required when NODE_ENV=production (POST endpoints accept only configured keys)`,
        }),
      ]);
      expect({ redis: redis.accepted, mongo: mongo.accepted }).toEqual({ redis: 0, mongo: 0 });
    },
  );

  it.each(Object.entries(ENTRIES))(
    '%s: refuses having loaded only the config loader and the logger, no framework or client',
    async (_service, entry) => {
      const { env } = await productionEnvironment();
      const child = processes.node(LIST_IMPORTS, env, [entry]);

      expect(await child.exited).toEqual({ code: 1, signal: null });
      expect(child.stderr).toContain('refuses to start: API_KEY_HASHES is required');
      const urls = JSON.parse(child.stdout) as string[];
      const packages = new Set(
        urls.flatMap((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1] ?? []),
      );
      expect([...packages].sort()).toEqual(BOOT_PACKAGES);
      // Of the apps and the local host, only the entry point itself: no module, no definition.
      const appFiles = urls.flatMap((url) => /\/dist\/((?:apps|local)\/.*)$/.exec(url)?.[1] ?? []);
      expect(appFiles).toEqual([entry.replace(/^dist\//, '')]);
    },
  );

  it('control: with a key the same gateway does connect to both, so the listeners would have seen it', async () => {
    const { redis, mongo, env } = await productionEnvironment();
    const child = processes.node(ENTRIES['api-gateway'], {
      ...env,
      API_KEY_HASHES: apiKeyHashes([testApiKey('ops')]),
    });

    await eventually(
      () => redis.accepted > 0 && mongo.accepted > 0,
      'the gateway to connect to Redis and MongoDB',
    );
    expect(child.output).not.toContain('refuses to start');
  });
});

describe('a gateway with an enabled alert channel whose secret is not set', () => {
  const fixture = createConfigFixture();
  // monitoring.yaml's first channel (ops-webhook) on; ALERT_WEBHOOK_SECRET left out.
  fixture.patch('monitoring.yaml', 'enabled: false', 'enabled: true');
  afterAll(() => {
    fixture.cleanup();
  });

  it.each(Object.entries(ENTRIES))(
    '%s: refuses to start naming the variable, with no connection opened',
    async (service, entry) => {
      const { redis, mongo, env } = await productionEnvironment();
      const child = processes.node(entry, {
        ...env,
        CONFIG_DIR: fixture.dir,
        API_KEY_HASHES: apiKeyHashes([testApiKey('ops')]),
      });

      expect(await child.exited).toEqual({ code: 1, signal: null });
      const lines = child.output
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as LogLine);
      expect(lines).toEqual([
        expect.objectContaining({
          level: 'fatal',
          message:
            `${service} refuses to start: ALERT_WEBHOOK_SECRET is required: the signing secret of the enabled ` +
            'webhook channel "ops-webhook" (monitoring.yaml notifications)',
        }),
      ]);
      expect({ redis: redis.accepted, mongo: mongo.accepted }).toEqual({ redis: 0, mongo: 0 });
    },
  );

  it('control: the analysis worker, which sends no alert, starts on the same configuration', async () => {
    const { redis, mongo, env } = await productionEnvironment();
    const child = processes.node('dist/apps/analysis-worker/src/main.js', {
      ...env,
      CONFIG_DIR: fixture.dir,
    });

    await eventually(
      () => redis.accepted > 0 && mongo.accepted > 0,
      'the worker to connect to Redis and MongoDB',
    );
    expect(child.output).not.toContain('refuses to start');
  });
});
