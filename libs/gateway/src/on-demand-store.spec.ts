import { beforeAll, describe, expect, it } from '@jest/globals';
import { loadConfig } from '@app/config';
import { type Candle, createConfluenceEngine, ResultFormatter } from '@app/confluence';
import { InputError, type LlmOpinion, StoreUnavailableError, type StreamRef } from '@app/contracts';
import { type StoredResult, storedResult } from '@app/persistence';
import { loadMarketCandles, ManualClock, MARKET_FILES, PROJECT_CONFIG_DIR } from '@app/testing';
import { OnDemandAnalysis, type OnDemandOpinions } from './on-demand-analysis.js';
import { renderStoredResult } from './stored-result-view.js';

let btc1m: Candle[];

beforeAll(() => {
  btc1m = loadMarketCandles(MARKET_FILES.btc1m, 300);
});

const TRACKED: StreamRef = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' };
const NOW = Date.UTC(2026, 0, 2);

/** POST analyze as the gateway wires it, over a store that records saves (or fails them). */
function posting(failWith?: Error, opinions?: OnDemandOpinions) {
  const config = loadConfig({ env: { NODE_ENV: 'test', CONFIG_DIR: PROJECT_CONFIG_DIR } });
  const saved: { result: StoredResult; at: number }[] = [];
  const warnings: string[] = [];
  const formatter = new ResultFormatter();
  const analysis = new OnDemandAnalysis(
    createConfluenceEngine(config),
    formatter,
    {
      board: {
        knows: (stream: StreamRef) =>
          stream.exchange === TRACKED.exchange &&
          stream.symbol === TRACKED.symbol &&
          stream.timeframe === TRACKED.timeframe,
      },
      results: {
        save: (result, at) => {
          if (failWith !== undefined) return Promise.reject(failWith);
          saved.push({ result, at });
          return Promise.resolve();
        },
      },
      clock: new ManualClock(NOW),
      logger: { log: () => undefined, warn: (line) => warnings.push(line), error: () => undefined },
    },
    opinions,
  );
  // The reference: the same engine path without storing, on an instance of its own.
  const reference = new OnDemandAnalysis(createConfluenceEngine(config), formatter);
  return { analysis, reference, saved, warnings };
}

describe('OnDemandAnalysis analyzeAndStore', () => {
  it('answers the full result with source client, stores nothing unless asked', async () => {
    const { analysis, reference, saved } = posting();
    const answer = await analysis.analyzeAndStore({ symbol: 'BTC-USDT', candles: { '1m': btc1m } });
    const expected = reference.analyze({ exchange: 'custom', symbol: 'BTC/USDT', candles: { '1m': btc1m } });
    if (!expected.ok) throw new Error('reference refused the candles');

    expect(answer).toEqual({ ...expected.full, source: 'client', stored: false });
    expect(saved).toEqual([]);
  });

  it('stores exactly what it answers (headline and rendering), at the clock’s time', async () => {
    const { analysis, reference, saved } = posting();
    const answer = await analysis.analyzeAndStore({
      exchange: 'mydesk',
      symbol: 'BTC/USDT',
      candles: { '1m': btc1m },
      store: true,
    });
    const expected = reference.analyze({ exchange: 'mydesk', symbol: 'BTC/USDT', candles: { '1m': btc1m } });
    if (!expected.ok) throw new Error('reference refused the candles');

    expect(answer).toEqual({ ...expected.full, source: 'client', stored: true });
    expect(saved).toEqual([{ result: storedResult(expected.result), at: NOW }]);
    // What is stored is the domain result; rendered at the edge, it is exactly what was answered.
    const kept = saved[0]?.result;
    expect(kept?.result).toEqual(expected.result);
    expect(kept === undefined ? null : renderStoredResult(kept, new ResultFormatter())).toEqual(
      expected.full,
    );
  });

  it("refuses to store into a tracked market's history, naming the store field", async () => {
    const { analysis, saved } = posting();
    const refused = await analysis
      .analyzeAndStore({ exchange: 'binance', symbol: 'BTC/USDT', candles: { '1m': btc1m }, store: true })
      .catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(InputError);
    expect((refused as InputError).message).toBe('invalid input: store');
    expect((refused as InputError).issues.map((issue) => issue.field)).toEqual(['store']);
    expect(saved).toEqual([]);
  });

  it('is a StoreUnavailableError when the store fails, and the log says which market and why', async () => {
    const cause = new Error('connection reset');
    const { analysis, warnings } = posting(cause);
    const failed = await analysis
      .analyzeAndStore({ symbol: 'ETH/USDT', candles: { '1m': btc1m }, store: true })
      .catch((error: unknown) => error);

    expect(failed).toBeInstanceOf(StoreUnavailableError);
    expect((failed as Error).message).toBe(
      'the store is unavailable: the result was computed but not stored',
    );
    expect((failed as Error).cause).toBe(cause);
    expect(warnings).toEqual(['POST analyze: storing custom ETH/USDT 1m failed: connection reset']);
  });

  it('is an InputError naming the field when the engine cannot score the candles', async () => {
    const { analysis, saved } = posting();
    const refused = await analysis
      .analyzeAndStore({ symbol: 'BTC/USDT', candles: { '1m': btc1m.slice(0, 5) }, store: true })
      .catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(InputError);
    expect((refused as InputError).issues.map((issue) => issue.field)).toEqual(['candles']);
    expect((refused as InputError).message).toBe('invalid input: candles');
    expect(saved).toEqual([]);
  });
});

const OPINION: LlmOpinion = { status: 'unavailable', reason: 'budget-exhausted', detail: 'spent' };

/** Opinions that answer OPINION and record what they were asked; attaching records (or fails). */
function opinionsOf(attach: (candleTime: number) => Promise<boolean> = () => Promise.resolve(true)) {
  const asked: unknown[] = [];
  const attached: { stream: StreamRef; candleTime: number; opinion: LlmOpinion }[] = [];
  const opinions: OnDemandOpinions = {
    opinions: {
      opinionOf: (result) => {
        asked.push(result);
        return Promise.resolve(OPINION);
      },
    },
    results: {
      attachOpinion: async (stream, candleTime, opinion) => {
        const done = await attach(candleTime);
        attached.push({ stream, candleTime, opinion });
        return done;
      },
    },
  };
  return { opinions, asked, attached };
}

describe('OnDemandAnalysis analyzeAndStore with llm', () => {
  it('answers the opinion of the very result it answers; without llm it asks nothing', async () => {
    const { opinions, asked, attached } = opinionsOf();
    const { analysis, reference, saved } = posting(undefined, opinions);
    const body = { symbol: 'BTC-USDT', candles: { '1m': btc1m } };

    const withOpinion = await analysis.analyzeAndStore({ ...body, llm: true });
    const without = await analysis.analyzeAndStore({ ...body, llm: false });
    const expected = reference.analyze({ exchange: 'custom', symbol: 'BTC/USDT', candles: { '1m': btc1m } });
    if (!expected.ok) throw new Error('reference refused the candles');

    expect(withOpinion).toEqual({ ...expected.full, source: 'client', stored: false, llm: OPINION });
    expect(without).toEqual({ ...expected.full, source: 'client', stored: false });
    expect(asked).toEqual([expected.result]);
    expect(saved).toEqual([]);
    expect(attached).toEqual([]);
  });

  it('attaches the opinion to the stored result, after storing it', async () => {
    const { opinions, attached } = opinionsOf();
    const { analysis, saved } = posting(undefined, opinions);

    const answer = await analysis.analyzeAndStore({
      exchange: 'mydesk',
      symbol: 'BTC/USDT',
      candles: { '1m': btc1m },
      store: true,
      llm: true,
    });

    expect(answer).toMatchObject({ stored: true, llm: OPINION });
    const kept = saved[0]?.result;
    expect(attached).toEqual([
      {
        stream: { exchange: 'mydesk', symbol: 'BTC/USDT', timeframe: '1m' },
        candleTime: kept?.candleTime,
        opinion: OPINION,
      },
    ]);
  });

  it('is a StoreUnavailableError when the opinion cannot be attached, and the log says which market', async () => {
    const cause = new Error('write concern timeout');
    const { opinions } = opinionsOf(() => Promise.reject(cause));
    const { analysis, saved, warnings } = posting(undefined, opinions);

    const failed = await analysis
      .analyzeAndStore({ symbol: 'ETH/USDT', candles: { '1m': btc1m }, store: true, llm: true })
      .catch((error: unknown) => error);

    expect(failed).toBeInstanceOf(StoreUnavailableError);
    expect((failed as Error).cause).toBe(cause);
    expect(saved).toHaveLength(1);
    expect(warnings).toEqual([
      'POST analyze: attaching the LLM opinion of custom ETH/USDT 1m failed: write concern timeout',
    ]);
  });

  it('asks nothing when the candles cannot be scored', async () => {
    const { opinions, asked } = opinionsOf();
    const { analysis } = posting(undefined, opinions);
    const refused = await analysis
      .analyzeAndStore({ symbol: 'BTC/USDT', candles: { '1m': btc1m.slice(0, 5) }, llm: true })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(InputError);
    expect(asked).toEqual([]);
  });
});
