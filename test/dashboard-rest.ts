import { eventually } from '@app/testing';

/** The gateway side of test/dashboard.e2e-spec.ts: what REST holds, to compare the page with. */

/** `binance:BTC/USDT:1m` → its REST path part and query. */
export function restOf(key: string): { path: string; timeframe: string; query: string } {
  const [exchange = '', symbol = '', timeframe = ''] = key.split(':');
  const dashed = symbol.replace('/', '-');
  return {
    path: `${exchange}/${dashed}`,
    timeframe,
    query: `exchange=${exchange}&symbol=${dashed}&timeframe=${timeframe}`,
  };
}

export async function rest<T>(port: number, path: string, init: RequestInit = {}): Promise<T> {
  const answer = await fetch(`http://127.0.0.1:${port}${path}`, init);
  if (!answer.ok) throw new Error(`${path}: ${answer.status} ${await answer.text()}`);
  return (await answer.json()) as T;
}

export interface Markets {
  markets: {
    exchange: string;
    symbol: string;
    timeframe: string;
    candlesSeen: number;
    lastResult: unknown;
  }[];
}

/** The tracked markets once each has a result. */
export async function scored(
  port: number,
  headers: Record<string, string> = {},
): Promise<Markets['markets']> {
  let markets: Markets['markets'] = [];
  await eventually(async () => {
    markets = (await rest<Markets>(port, '/v1/markets', { headers })).markets;
    return markets.length > 0 && markets.every((m) => m.lastResult !== null);
  }, 'a result for every tracked market');
  return markets;
}

/** Every candle published so far analysed and stored (the replay's first burst included). */
export async function settled(port: number): Promise<void> {
  await eventually(async () => {
    const { markets } = await rest<Markets>(port, '/v1/markets');
    const worker = await rest<{ counters: { candles: number }; store: { pending: number } }>(
      port,
      '/health/analysis-worker',
    );
    const seen = markets.reduce((sum, market) => sum + market.candlesSeen, 0);
    return worker.counters.candles >= seen && worker.store.pending === 0;
  }, 'every replayed candle analysed and stored');
}

/** A stored result of a stream by its candle's open time (waiting for its write, if need be). */
export async function storedAt<T>(port: number, key: string, candleTime: number): Promise<T> {
  const { path, timeframe } = restOf(key);
  let item: T | undefined;
  await eventually(async () => {
    const page = await rest<{ items: T[] }>(
      port,
      `/v1/confluence/${path}/history?timeframe=${timeframe}&from=${candleTime}&to=${candleTime}&limit=1`,
    );
    item = page.items[0];
    return item !== undefined;
  }, `the stored result of ${key} at ${candleTime}`);
  return item as T;
}

/** A result without the times that depend on when it was computed. */
export function withoutTimes(result: Record<string, unknown>): Record<string, unknown> {
  const { computedAt: _computedAt, stalenessMs: _stalenessMs, timeframes, ...rest } = result;
  return {
    ...rest,
    timeframes: (timeframes as Record<string, unknown>[]).map(
      ({ stalenessMs: _s, ...timeframe }) => timeframe,
    ),
  };
}
