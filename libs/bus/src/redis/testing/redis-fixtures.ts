/**
 * Shared fixtures of the Redis bus and market-log specs (`redis-event-bus.*.spec.ts`,
 * `redis-market-log.*.spec.ts`); not a spec itself. Each suite holds one RedisFixture and drives
 * it from its own hooks, so a reader sees the lifecycle in the suite.
 */
import { randomUUID } from 'node:crypto';
import { marketId } from '@app/contracts';
import { Redis } from 'ioredis';
// By path: the @app/testing barrel also loads mongoose and the fake exchange (about 1 s a suite).
import {
  busEventFactory,
  type CandleClosedData,
  type ConfluenceUpdatedData,
  type OrderBookSnapshotData,
  type SignalChangedData,
} from '../../../../testing/src/factories/index.js';

import { RedisEventBus } from '../redis-event-bus.js';
import type { RedisKeys } from '../redis-keys.js';
import { RedisMarketLog } from '../redis-market-log.js';
import type { LogSink, LogBatch, MarketRef } from '@app/contracts';

/** A minute boundary: candle `i` opens `i` minutes after it. */
export const T0 = 1_700_000_040_000;
export const MINUTE = 60_000;
export const BTC: MarketRef = { exchange: 'binance', symbol: 'BTC/USDT' };

/** Closed 1m candle `i` of `market`: prices rising by 1 a candle, so no two payloads are equal. */
export function candleEvent(market: MarketRef, i: number): CandleClosedData {
  return busEventFactory.candleClosed({
    ...market,
    candle: {
      timestamp: T0 + i * MINUTE,
      open: 100 + i,
      high: 110 + i,
      low: 90 + i,
      close: 105 + i,
      volume: 3,
    },
  });
}

/** Order-book snapshot `i` of `market`, taken `i` ms after T0. */
export function bookEvent(market: MarketRef, i: number): OrderBookSnapshotData {
  return busEventFactory.orderBookSnapshot({ ...market, timestamp: T0 + i });
}

export interface RecordingLogger extends Pick<LogSink, 'warn' | 'error'> {
  readonly warnings: string[];
  readonly errors: string[];
}

export function recordingLogger(): RecordingLogger {
  const warnings: string[] = [];
  const errors: string[] = [];
  return {
    warnings,
    errors,
    warn: (message) => warnings.push(message),
    error: (message) => errors.push(message),
  };
}

const SILENT: Pick<LogSink, 'warn' | 'error'> = { warn: () => undefined, error: () => undefined };

/** Delivery over Redis is asynchronous: the suites poll with the shared helper, by path as above. */
export { eventually } from '../../../../testing/src/eventually.js';

/** A read position per market, as MarketEventLog.read takes it. */
export function from(
  ...entries: readonly (readonly [MarketRef, string])[]
): Map<string, { market: MarketRef; after: string }> {
  return new Map(entries.map(([market, after]) => [marketId(market), { market, after }]));
}

export function batchOf(batches: readonly LogBatch[], market: MarketRef): LogBatch {
  const batch = batches.find((item) => marketId(item.market) === marketId(market));
  if (batch === undefined) throw new Error(`no batch for ${marketId(market)}`);
  return batch;
}

/**
 * The real Redis at 127.0.0.1:6379 for one suite: an admin connection, and the connections and
 * key prefixes its tests open, which `cleanup` closes and deletes after each test so suites
 * running side by side never see each other's keys.
 */
export class RedisFixture {
  #admin: Redis | null = null;
  readonly #connections: Redis[] = [];
  readonly #prefixes: string[] = [];

  /** `label` starts every key prefix, naming the suite that left a key behind. */
  constructor(private readonly label: string) {}

  /** Opens the admin connection (beforeAll) and returns it. */
  open(): Redis {
    this.#admin = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
    return this.#admin;
  }

  get admin(): Redis {
    if (this.#admin === null) throw new Error('RedisFixture.open() was not called');
    return this.#admin;
  }

  connect(): Redis {
    const connection = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
    this.#connections.push(connection);
    return connection;
  }

  /** A key prefix of its own, deleted with everything under it at cleanup. */
  newPrefix(): string {
    const prefix = `${this.label}-${randomUUID()}`;
    this.#prefixes.push(prefix);
    return prefix;
  }

  /** A bus with its own publisher and subscriber connections. */
  bus(keys: RedisKeys, logger: Pick<LogSink, 'warn' | 'error'> = SILENT): RedisEventBus {
    return new RedisEventBus({
      publisher: this.connect(),
      subscriber: this.connect(),
      keys,
      streamMaxLength: 1_000,
      logger,
    });
  }

  /** A bus whose warnings and errors are kept for assertions. */
  recordedBus(keys: RedisKeys): { bus: RedisEventBus; logger: RecordingLogger } {
    const logger = recordingLogger();
    return { bus: this.bus(keys, logger), logger };
  }

  log(keys: RedisKeys): RedisMarketLog {
    return new RedisMarketLog({ commands: this.connect(), reader: this.connect(), keys });
  }

  /** Entry ids of a stream, oldest first. */
  async streamIds(stream: string): Promise<string[]> {
    return (await this.admin.xrange(stream, '-', '+')).map(([id]) => id);
  }

  async keysUnder(pattern: string): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await this.admin.scan(cursor, 'MATCH', pattern, 'COUNT', 100);
      found.push(...keys);
      cursor = next;
    } while (cursor !== '0');
    return found;
  }

  /** Closes the test's connections and deletes its keys (afterEach). */
  async cleanup(): Promise<void> {
    await Promise.all(this.#connections.splice(0).map((connection) => connection.quit()));
    for (const prefix of this.#prefixes.splice(0)) {
      const keys = await this.keysUnder(`${prefix}:*`);
      if (keys.length > 0) await this.admin.del(...keys);
    }
  }

  /** Closes the admin connection (afterAll). */
  async close(): Promise<void> {
    await this.#admin?.quit();
    this.#admin = null;
  }
}

/**
 * Result `i` of BTC's candle at T0, published `i` ms apart: a fractional score and null
 * components, which must survive the trip through Redis and validation as they are.
 */
export function confluenceEvent(i: number): ConfluenceUpdatedData {
  return busEventFactory.confluenceUpdated({
    ...BTC,
    candleTime: T0,
    emittedAt: T0 + 61_000 + i,
    score: 64.5,
    confidence: 71,
    coverage: 0.8,
    components: {
      orderFlow: 60,
      orderBook: null,
      volume: 55,
      priceStructure: 70,
      technical: 66,
      sentiment: null,
    },
    reasoning: `update ${i}`,
  });
}

/** BTC's first label, SHORT at score 30 + i: the score tells the messages apart. */
export function signalEvent(i: number): SignalChangedData {
  return busEventFactory.signalChanged({
    ...BTC,
    time: T0,
    emittedAt: T0 + 61_000 + i,
    from: null,
    to: 'SHORT',
    score: 30 + i,
    confidence: 55,
  });
}
