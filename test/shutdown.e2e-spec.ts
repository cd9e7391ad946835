import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoClient } from 'mongodb';
import { type ConfigFixture, createConfigFixture, eventually, freePort } from '@app/testing';
import { Processes, requireBuilt, STORE_ENTRY } from './process-kit.js';

/**
 * SIGTERM while local mode replays at full speed into a standalone store (the embedded server as
 * its own process, as MONGODB_URI points production at MongoDB): every result it computed is
 * stored, or it exits non-zero naming, stream by stream, the candle times it could not store.
 * The engine outpaces the store at speed `max`, so a backlog of writes is pending when the signal
 * comes; in the second case the store is also frozen (SIGSTOP) as the stop begins, so whatever
 * is pending cannot make it. Needs `npm run build`.
 */

const LOCAL = 'dist/local/main.js';
const processes = new Processes();
let fixture: ConfigFixture | undefined;

beforeAll(() => {
  requireBuilt([STORE_ENTRY, LOCAL]);
});

afterEach(async () => {
  await processes.killAll();
  fixture?.cleanup();
  fixture = undefined;
});

/**
 * "binance BTC/USDT 1m 2021-02-19T09:41:00Z: 66.1 LONG (…)": the results local mode computed,
 * by stream and candle time, with the score and label it logged.
 */
function computed(output: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of output.matchAll(/"message":"(\w+ \S+ \w+ \S+Z): ([\d.]+ [A-Z]+) \(/g))
    if (match[1] !== undefined && match[2] !== undefined) found.set(match[1], match[2]);
  return found;
}

/** The stored results, keyed and rendered as `computed` reads them from the log. */
async function storedResults(uri: string): Promise<Map<string, string>> {
  const client = await MongoClient.connect(uri);
  try {
    const docs = await client
      .db()
      .collection('confluence_results')
      .find({}, { projection: { exchange: 1, symbol: 1, timeframe: 1, candleTime: 1, score: 1, label: 1 } })
      .toArray();
    return new Map(
      docs.map((d) => [
        `${String(d.exchange)} ${String(d.symbol)} ${String(d.timeframe)} ${(d.candleTime as Date).toISOString().replace('.000Z', 'Z')}`,
        `${(d.score as number).toFixed(1)} ${String(d.label)}`,
      ]),
    );
  } finally {
    await client.close();
  }
}

interface NamedRange {
  readonly exchange: string;
  readonly symbol: string;
  readonly timeframe: string;
  readonly from: string;
  readonly to: string;
}

/** The result ranges the stop's error line named (`results <exchange> <symbol> <timeframe> <from>..<to> (<count>)`). */
function namedRanges(output: string): NamedRange[] {
  const line = output.split('\n').find((l) => l.includes('shutting down with')) ?? '';
  return [...line.matchAll(/results (\w+) (\S+) (\w+) (\S+Z)\.\.(\S+Z) \(\d+\)/g)].map((match) => ({
    exchange: match[1] ?? '',
    symbol: match[2] ?? '',
    timeframe: match[3] ?? '',
    from: match[4] ?? '',
    to: match[5] ?? '',
  }));
}

/** What the unwritten writes named (`results <stream> <from>..<to> (<count>)`), summed: waiting, and in flight. */
function unwrittenResults(output: string): { waiting: number; inFlight: number } {
  const line = output.split('\n').find((l) => l.includes('shutting down with'));
  const sum = (text: string): number => {
    let total = 0;
    for (const match of text.matchAll(/results \w+ \S+ \w+ \S+ \((\d+)\)/g)) total += Number(match[1]);
    return total;
  };
  if (line === undefined) return { waiting: 0, inFlight: 0 };
  const [waiting = '', inFlight = ''] = line.split('[in flight, may have landed:');
  return { waiting: sum(waiting), inFlight: sum(inFlight) };
}

async function stopMidReplay(
  shutdownTimeoutMs: number,
  { freezeStore }: { freezeStore: boolean },
): Promise<{
  exit: { code: number | null };
  output: string;
  stored: Map<string, string>;
  uri: string;
  env: NodeJS.ProcessEnv;
}> {
  const { store, uri: storeUri } = await processes.embeddedStore();
  const uri = `${storeUri}/confluence`;
  fixture = createConfigFixture();
  fixture.patch('exchanges.yaml', 'speed: 60', 'speed: max');
  fixture.patch('app.yaml', 'shutdownTimeoutMs: 10000', `shutdownTimeoutMs: ${shutdownTimeoutMs}`);
  const env = {
    NODE_ENV: 'development',
    CONFIG_DIR: fixture.dir,
    MONGODB_URI: uri,
    PORT: String(await freePort()),
  };
  const local = processes.node(LOCAL, env);
  await local.waitFor(/local listening on/);
  // Mid-replay, with results still being computed faster than they are stored.
  await eventually(() => computed(local.stdout).size > 600, 'results to be computed', {
    timeoutMs: 60_000,
    intervalMs: 50,
  });
  // A store that stops answering (SIGSTOP) as the stop begins: nothing pending can be written.
  if (freezeStore) store.signal('SIGSTOP');
  local.signal('SIGTERM');
  const exit = await local.exited;
  if (freezeStore) store.signal('SIGCONT');
  // Errors go to stderr, the rest to stdout.
  return { exit, output: local.output, stored: await storedResults(uri), uri, env };
}

describe('SIGTERM during a replay at speed max (local mode, standalone store)', () => {
  it('stores every result it computed and exits 0 when the stop has time to write them', async () => {
    const { exit, output, stored } = await stopMidReplay(60_000, { freezeStore: false });

    const results = computed(output);
    expect(exit.code).toBe(0);
    expect([...results.keys()].filter((r) => !stored.has(r))).toEqual([]);
    expect(stored.size).toBe(results.size);
    expect(output).not.toContain('store rejected a write');
  }, 120_000);

  it('exits non-zero when the store cannot take the writes by the deadline, naming every result it could not store', async () => {
    // 3 s for the whole stop (2 s for the hooks), and a store that does not answer in them.
    const { exit, output, stored, uri, env } = await stopMidReplay(3_000, { freezeStore: true });

    const results = computed(output);
    const missing = [...results.keys()].filter((r) => !stored.has(r));
    expect(exit.code).toBe(1);
    // The log accounts for every result not stored, and names where they are.
    // (A write in flight at the deadline may still have landed: it is named apart.)
    const unwritten = unwrittenResults(output);
    expect(missing.length).toBeGreaterThan(0);
    expect(missing.length).toBeGreaterThanOrEqual(unwritten.waiting);
    expect(missing.length).toBeLessThanOrEqual(unwritten.waiting + unwritten.inFlight);
    expect(output).toMatch(
      /"level":"error".*shutting down with \d+ store write\(s\) not written by the stop's deadline(, and 1 in flight)?: .*results binance/,
    );
    expect(output).toMatch(/"level":"error".*stopped, having lost: \d+ store write\(s\) not written/);
    // Given up at the deadline: not tried again (and refused) on the closing connection.
    expect(output).not.toContain('store rejected a write');

    // The operator's way back: start again (the replay stores its candles again, the worker goes
    // on from its snapshot, which is never ahead of what was stored), stop cleanly, and check the
    // ranges the log named with \`cli repair\`, which recomputes them from the first stored candle:
    // every result the first run computed is stored, with the score and label it logged, and the
    // repair's own computation gives the stored input hashes.
    // (With time for the stop to store what it computed: at speed max it runs ahead of the store.)
    fixture?.patch('app.yaml', 'shutdownTimeoutMs: 3000', 'shutdownTimeoutMs: 60000');
    const again = processes.node(LOCAL, env);
    await eventually(
      async () => {
        const now = await storedResults(uri);
        return [...results.keys()].every((r) => now.has(r));
      },
      'the results of the first run to be stored',
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    again.signal('SIGTERM');
    const exited = await again.exited;
    expect({
      code: exited.code,
      errors: again.output.split('\n').filter((l) => l.includes('"level":"error"')),
    }).toEqual({ code: 0, errors: [] });
    // One repair per market, over every range the log named for it (a process start each).
    const markets = new Map<string, { exchange: string; symbol: string; from: string; to: string }>();
    for (const range of namedRanges(output)) {
      const key = `${range.exchange} ${range.symbol}`;
      const seen = markets.get(key);
      markets.set(key, {
        ...range,
        from: seen !== undefined && seen.from < range.from ? seen.from : range.from,
        to: seen !== undefined && seen.to > range.to ? seen.to : range.to,
      });
    }
    expect(markets.size).toBeGreaterThan(0);
    for (const range of markets.values()) {
      const cli = processes.node('dist/tools/cli/main.js', { MONGODB_URI: uri }, [
        'repair',
        ...['--exchange', range.exchange, '--symbol', range.symbol, '--from', range.from, '--to', range.to],
      ]);
      expect(await cli.exited).toMatchObject({ code: 0 });
      const lines = cli.stdout.split('\n').filter((line) => line.includes(' recomputed, '));
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines)
        expect(line).toMatch(
          /: (\d+) recomputed, \1 stored and equal, 0 missing and stored, 0 stored and different$/,
        );
    }
    const after = await storedResults(uri);
    for (const [key, logged] of results)
      expect(`${key}: ${after.get(key) ?? 'missing'}`).toBe(`${key}: ${logged}`);
  }, 240_000);
});
