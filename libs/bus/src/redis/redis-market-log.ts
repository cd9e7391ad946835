import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import {
  type AnalysisMessage,
  isMarketEventName,
  type LogBatch,
  type LoggedMarketEvent,
  MarketEventLog,
  MarketEventName,
  type MarketRef,
  type RejectedLogEntry,
  StoredCheckpointSave,
} from '@app/contracts';
import { type CandleClosedEvent, validateBusEvent } from '@app/contracts/dto';
import { parseJson } from './redis-event-bus.js';
import type { RedisKeys } from './redis-keys.js';

export interface RedisMarketLogOptions {
  /** Commands connection (checkpoints, commits, ranges); may be shared with the bus. */
  readonly commands: Redis;
  /** A connection of its own: XREAD BLOCK holds it while it waits. */
  readonly reader: Redis;
  readonly keys: RedisKeys;
}

/** Publishes a commit's messages and sets the published checkpoint, only while ARGV[1] holds the lease. */
const COMMIT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
for i = 3, #ARGV, 2 do redis.call('PUBLISH', ARGV[i], ARGV[i + 1]) end
redis.call('SET', KEYS[2], ARGV[2])
return 1`;

/**
 * Sets the stored checkpoint while ARGV[1] holds the lease, and only forward (ARGV[2] = offset).
 * Replies which way it went, the lease checked first: a StoredCheckpointSave value.
 */
const SAVE_STORED = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return '${StoredCheckpointSave.LeaseLost}' end
local current = redis.call('GET', KEYS[2])
if current then
  local c = cjson.decode(current).offset
  local cm, cs = string.match(c, '^(%d+)-(%d+)$')
  local nm, ns = string.match(ARGV[2], '^(%d+)-(%d+)$')
  cm, cs, nm, ns = tonumber(cm), tonumber(cs), tonumber(nm), tonumber(ns)
  if nm < cm or (nm == cm and ns <= cs) then return '${StoredCheckpointSave.NotNewer}' end
end
redis.call('SET', KEYS[2], ARGV[3])
return '${StoredCheckpointSave.Saved}'`;

type StreamEntry = [id: string, fields: string[]];

/** Market logs on Redis streams: one stream per market, read with XREAD from each market's checkpoint. */
export class RedisMarketLog extends MarketEventLog {
  constructor(private readonly options: RedisMarketLogOptions) {
    super();
  }

  override async read(
    from: ReadonlyMap<string, { readonly market: MarketRef; readonly after: string }>,
    count: number,
    blockMs: number,
  ): Promise<LogBatch[]> {
    if (from.size === 0) {
      await delay(blockMs);
      return [];
    }
    const { keys, reader } = this.options;
    const streams = [...from.values()];
    const byKey = new Map(streams.map((entry) => [keys.stream(entry.market), entry.market]));
    const reply = await reader.xread(
      'COUNT',
      count,
      'BLOCK',
      blockMs,
      'STREAMS',
      ...streams.map((entry) => keys.stream(entry.market)),
      ...streams.map((entry) => entry.after),
    );
    const batches: LogBatch[] = [];
    for (const [key, entries] of reply ?? []) {
      const market = byKey.get(key);
      const last = entries.at(-1);
      if (market === undefined || last === undefined) continue;
      batches.push({ market, ...parseEntries(entries), lastOffset: last[0] });
    }
    return batches;
  }

  override async range(market: MarketRef, after: string, until: string): Promise<LogBatch | null> {
    // XRANGE is inclusive: the first entry must be `after` itself, proving nothing was trimmed.
    const entries = await this.options.commands.xrange(this.options.keys.stream(market), after, until);
    if (entries[0]?.[0] !== after) return null;
    const rest = entries.slice(1);
    return { market, ...parseEntries(rest), lastOffset: rest.at(-1)?.[0] ?? after };
  }

  override async candlesUntil(market: MarketRef, until: string): Promise<readonly CandleClosedEvent[]> {
    const entries = await this.options.commands.xrange(this.options.keys.stream(market), '-', until);
    return parseEntries(entries)
      .events.filter((event) => event.name === MarketEventName.CandleClosed)
      .map((event) => event.payload);
  }

  override async checkpoints(
    market: MarketRef,
  ): Promise<{ published: string | null; stored: string | null }> {
    const { keys, commands } = this.options;
    const [published = null, stored = null] = await commands.mget(
      keys.publishedCheckpoint(market),
      keys.storedCheckpoint(market),
    );
    return { published, stored };
  }

  override async commit(
    market: MarketRef,
    owner: string,
    checkpoint: string,
    events: readonly AnalysisMessage[],
  ): Promise<boolean> {
    const { keys, commands } = this.options;
    const messages = events.flatMap((event) => [keys.channel(event.name), JSON.stringify(event.payload)]);
    const done = await runScript(
      commands,
      COMMIT_SCRIPT,
      keys.lease(market),
      keys.publishedCheckpoint(market),
      owner,
      checkpoint,
      ...messages,
    );
    return done === 1;
  }

  override async saveStored(
    market: MarketRef,
    owner: string,
    offset: string,
    checkpoint: string,
  ): Promise<StoredCheckpointSave> {
    const { keys, commands } = this.options;
    const reply = await runScript(
      commands,
      SAVE_STORED_SCRIPT,
      keys.lease(market),
      keys.storedCheckpoint(market),
      owner,
      offset,
      checkpoint,
    );
    const outcome = Object.values(StoredCheckpointSave).find((value) => value === reply);
    if (outcome === undefined) throw new Error(`saveStored: unexpected reply ${String(reply)}`);
    return outcome;
  }
}

interface LuaScript {
  readonly text: string;
  readonly sha: string;
}

const lua = (text: string): LuaScript => ({ text, sha: createHash('sha1').update(text).digest('hex') });
const COMMIT_SCRIPT = lua(COMMIT);
const SAVE_STORED_SCRIPT = lua(SAVE_STORED);

/**
 * Runs a two-key script by its SHA-1 (EVALSHA), sending the text (EVAL) only when Redis does not
 * have it cached yet (after a restart or SCRIPT FLUSH): every commit would otherwise resend it.
 */
async function runScript(redis: Redis, script: LuaScript, ...keysAndArgs: string[]): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, 2, ...keysAndArgs);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return await redis.eval(script.text, 2, ...keysAndArgs);
  }
}

/** Validates each entry: a malformed one is returned as rejected with its reasons, never as an event. */
function parseEntries(entries: readonly StreamEntry[]): {
  events: LoggedMarketEvent[];
  rejected: RejectedLogEntry[];
} {
  const events: LoggedMarketEvent[] = [];
  const rejected: RejectedLogEntry[] = [];
  for (const [offset, fields] of entries) {
    const name = field(fields, 'name') ?? '';
    if (!isMarketEventName(name)) {
      rejected.push({ offset, name, errors: [`name: "${name}" is not a market event`] });
      continue;
    }
    const parsed = parseJson(field(fields, 'payload') ?? '');
    const validated = parsed.ok ? validateBusEvent(name, parsed.value) : parsed;
    if (validated.ok) events.push({ offset, name, payload: validated.value } as LoggedMarketEvent);
    else rejected.push({ offset, name, errors: validated.errors });
  }
  return { events, rejected };
}

function field(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}
