import { MarketAnalyzer, repairResults, repairStoreOf, type RepairReport } from '@app/analysis';
import type { ConfluenceConfig } from '@app/config';
import { createConfluenceEngine, ResultFormatter } from '@app/confluence';
import { errorMessage, isTimeframe, type Timeframe } from '@app/contracts';
import type { StoreRepositories } from '@app/persistence';
import { parseFlags, required, UsageError } from './flags.js';

/** What `cli repair` touches: the store to repair is opened by the caller (main.ts) from the URI. */
export interface RepairIo {
  stdout(text: string): void;
  stderr(text: string): void;
  loadConfig(): ConfluenceConfig;
  openStore(
    uri: string,
    config: ConfluenceConfig,
  ): Promise<{ repos: StoreRepositories; close(): Promise<void> }>;
  now(): number;
}

export const REPAIR_USAGE = `usage:
  cli repair --exchange <id> --symbol <BASE/QUOTE> --from <time> --to <time> [--timeframe 1m] [--dry-run]
Recomputes the market's results with candle times in [from, to] from its stored candles and stores
the missing ones with their label changes; stored results are never replaced. Times: ISO 8601
(2021-02-19T08:00Z) or epoch milliseconds. The store is MONGODB_URI.`;

function parseTime(flags: ReadonlyMap<string, string>, flag: string): number {
  const value = required(flags, flag);
  const time = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  // The range of a JavaScript Date, so every time prints.
  if (!Number.isSafeInteger(time) || time < 0 || time > 8.64e15)
    throw new UsageError(`--${flag} "${value}" is not a time (ISO 8601 or epoch milliseconds)`);
  return time;
}

/**
 * `cli repair`: exit 0 once the range is whole (or would be, in a dry run); 1 when candles it
 * needs are not stored, so some results could not be recomputed (named), or the store cannot be
 * opened; 2 on bad input.
 */
export async function runRepair(args: readonly string[], io: RepairIo): Promise<number> {
  let request: Parameters<typeof repairResults>[0];
  let config: ConfluenceConfig;
  try {
    const flags = parseFlags(args, ['dry-run']);
    const known = new Set(['exchange', 'symbol', 'from', 'to', 'timeframe', 'dry-run']);
    const unknown = [...flags.keys()].filter((flag) => !known.has(flag));
    if (unknown.length > 0) throw new UsageError(`unknown flag --${unknown[0] ?? ''}`);
    const exchange = required(flags, 'exchange');
    const symbol = required(flags, 'symbol');
    const from = parseTime(flags, 'from');
    const to = parseTime(flags, 'to');
    if (from > to) throw new UsageError('--from is after --to');
    const timeframe = flags.get('timeframe');
    if (timeframe !== undefined && !isTimeframe(timeframe))
      throw new UsageError(`--timeframe "${timeframe}" is not a known timeframe`);
    const timeframes: Timeframe[] | undefined = timeframe === undefined ? undefined : [timeframe];
    request = {
      market: { exchange, symbol },
      from,
      to,
      dryRun: flags.has('dry-run'),
      ...(timeframes === undefined ? {} : { timeframes }),
    };
    config = io.loadConfig();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`${error.message}\n${REPAIR_USAGE}\n`);
    return 2;
  }
  const uri = config.environment.mongodbUri;
  if (uri === undefined) {
    io.stderr('repair needs the store to repair: set MONGODB_URI\n');
    return 2;
  }
  let store: Awaited<ReturnType<RepairIo['openStore']>>;
  try {
    store = await io.openStore(uri, config);
  } catch (error) {
    // The driver's message names the host, never the credentials in the URI.
    io.stderr(`cannot open the store: ${errorMessage(error)}\n`);
    return 1;
  }
  try {
    const { indicators, weights } = config;
    const report = await repairResults(request, {
      store: repairStoreOf(store.repos, () => io.now()),
      createAnalyzer: (market) =>
        new MarketAnalyzer(market, createConfluenceEngine({ indicators, weights }), {
          refreshIntervalMs: config.app.analysis.refreshIntervalMs,
          // As the worker analyses them, so a recomputed result equals the one it would have stored.
          clock: config.runtime.marketData === 'replay' ? 'data' : 'wall',
        }),
      formatter: new ResultFormatter(),
      now: () => io.now(),
    });
    io.stdout(describeReport(request.market, report));
    const whole = report.hole === null && report.streams.every((stream) => stream.missingCandles === 0);
    return whole ? 0 : 1;
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    io.stderr(`${error.message}\n`);
    return 2;
  } finally {
    await store.close();
  }
}

const iso = (time: number): string => new Date(time).toISOString().replace(':00.000Z', 'Z');

function describeReport(market: { exchange: string; symbol: string }, report: RepairReport): string {
  const lines = report.streams.map(
    (s) =>
      `${market.exchange} ${market.symbol} ${s.timeframe}: ${s.recomputed} recomputed, ${s.matching} stored and equal, ` +
      `${s.missing} missing${report.dryRun ? ' (dry run: not written)' : ' and stored'}` +
      `${s.changes > 0 ? ` with ${s.changes} label change(s)` : ''}, ${s.differing} stored and different`,
  );
  lines.push(`${report.candlesFed} stored candle(s) replayed from the first of each stream`);
  if (report.streams.some((s) => s.differing > 0))
    lines.push(
      'results stored with another input hash were computed with order-book, trade or derivatives ' +
        'data the store does not keep, or another configuration: they are left as they are, and the ' +
        'missing ones, recomputed from candles alone, lack those components (lower coverage)',
    );
  if (report.hole !== null) {
    const after = report.streams.reduce((sum, s) => sum + s.afterHole, 0);
    lines.push(
      `NOT WHOLE: the ${report.hole.timeframe} candle opened ${iso(report.hole.time)} is not stored; ` +
        `the ${after} result(s) of the range computed after it would differ from the worker's and were neither compared nor written`,
    );
  }
  for (const s of report.streams.filter((stream) => stream.missingCandles > 0))
    lines.push(
      `NOT WHOLE: ${s.missingCandles} ${s.timeframe} candle time(s) of the range have no stored candle ` +
        `(${s.holes.map((h) => `${iso(h.from)}..${iso(h.to)} (${h.count})`).join(', ')}${s.holes.length < s.missingCandles && s.holes.length === 5 ? ', …' : ''}); ` +
        'store those candles first (market-data stores what it fetches or replays after the last stored candle when it starts)',
    );
  return `${lines.join('\n')}\n`;
}
