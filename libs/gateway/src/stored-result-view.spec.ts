import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '@app/config';
import { createConfluenceEngine, ResultFormatter } from '@app/confluence';
import { ResultFormat, storedResult } from '@app/persistence';
import { loadMarketCandles, MARKET_FILES, PROJECT_CONFIG_DIR, storedResultFactory } from '@app/testing';
import { renderStoredResult } from './stored-result-view.js';

describe('renderStoredResult', () => {
  it('renders a stored domain result with the one formatter, as it was rendered when computed', () => {
    const config = loadConfig({ env: { NODE_ENV: 'test', CONFIG_DIR: PROJECT_CONFIG_DIR } });
    const candles = loadMarketCandles(MARKET_FILES.btc1m, 300);
    const last = candles.at(-1);
    if (last === undefined) throw new Error('no candles');
    const outcome = createConfluenceEngine(config).analyzeCandles(
      { exchange: 'binance', symbol: 'BTC/USDT', candles: { '1m': candles } },
      last.timestamp + 60_000,
    );
    if (outcome.status !== 'ready') throw new Error('expected a result');
    const formatter = new ResultFormatter();
    // Through JSON, as a store hands it back: plain data, no engine objects.
    const stored = JSON.parse(JSON.stringify(storedResult(outcome.result))) as ReturnType<
      typeof storedResult
    >;

    expect(stored.format).toBe(ResultFormat.Domain);
    expect(renderStoredResult(stored, formatter)).toEqual(formatter.full(outcome.result));
    expect(renderStoredResult(stored, formatter)).not.toHaveProperty('llm');
    const llm = { status: 'unavailable', reason: 'no-key', detail: 'no OPENAI_API_KEYS configured' } as const;
    expect(renderStoredResult({ ...stored, llm }, formatter)).toEqual({
      ...formatter.full(outcome.result),
      llm,
    });
    // An answer also names, in the replay block, the model and prompt it is a function of.
    const answer = {
      status: 'ok',
      signal: 'LONG',
      confidence: 0.6,
      reasoning: 'Flow leads.',
      risks: [],
      agrees: true,
      model: 'gpt-4o-mini',
      promptVersion: 'opinion-v1',
      promptHash: 'd'.repeat(64),
      inputHash: outcome.result.inputHash,
      createdAt: 1,
      cached: false,
    } as const;
    const full = formatter.full(outcome.result);
    expect(renderStoredResult({ ...stored, llm: answer }, formatter)).toEqual({
      ...full,
      replay: {
        ...full.replay,
        llm: { model: 'gpt-4o-mini', promptVersion: 'opinion-v1', promptHash: 'd'.repeat(64) },
      },
      llm: answer,
    });
  });

  it("shows the model's opinion, once attached, beside the rendering of either format", () => {
    const llm = {
      status: 'unavailable',
      reason: 'busy',
      detail: 'more than 100 opinions are waiting',
    } as const;
    const formatter = new ResultFormatter();
    const legacy = storedResultFactory.build({ format: ResultFormat.RenderedV1, result: { score: 42.5 } });

    expect(renderStoredResult({ ...legacy, llm }, formatter)).toEqual({ score: 42.5, llm });
    expect(renderStoredResult(legacy, formatter)).not.toHaveProperty('llm');
  });

  it('serves a legacy document’s v1 rendering as it is', () => {
    const rendering = { score: 42.5, reasoning: 'rendered in v1', timeframes: [] };
    const legacy = storedResultFactory.build({ format: ResultFormat.RenderedV1, result: rendering });

    expect(renderStoredResult(legacy, new ResultFormatter())).toEqual(rendering);
  });
});
