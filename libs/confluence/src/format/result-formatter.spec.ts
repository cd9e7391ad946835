import { describe, expect, it } from '@jest/globals';
import { INDICATORS_DEFAULTS, WEIGHTS_DEFAULTS } from '@app/config';
import { loadMarketCandles, MARKET_FILES } from '@app/testing';
import { createConfluenceEngine } from '../engine/create-engine.js';
import type { ConfluenceResult } from '../engine/confluence-result.types.js';
import { ResultFormatter } from './result-formatter.js';

const candles = loadMarketCandles(MARKET_FILES.btc1m, 300);
const formatter = new ResultFormatter();

function analyse(): ConfluenceResult {
  const engine = createConfluenceEngine({ indicators: INDICATORS_DEFAULTS, weights: WEIGHTS_DEFAULTS });
  const outcome = engine.analyzeCandles(
    { exchange: 'binance', symbol: 'BTC/USDT', candles: { '1m': candles } },
    1_613_700_000_000,
  );
  if (outcome.status !== 'ready') throw new Error(outcome.status);
  return outcome.result;
}

const result = analyse();

describe('ResultFormatter.full', () => {
  it('renders every level of the breakdown with the raw values and replay hashes', () => {
    const full = formatter.full(result);
    expect(full).toMatchObject({
      exchange: 'binance',
      symbol: 'BTC/USDT',
      timeframe: '1m',
      candleTime: new Date(candles.at(-1)!.timestamp).toISOString(),
      label: result.label,
      thresholds: { short: 40, long: 60 },
      replay: {
        engineVersion: result.engineVersion,
        configHash: result.configHash,
        inputHash: result.inputHash,
      },
    });
    expect(full.score).toBeCloseTo(result.score, 4);
    const [timeframe] = full.timeframes;
    expect(timeframe!.components.map((c) => c.component)).toEqual([
      'orderFlow',
      'orderBook',
      'volume',
      'priceStructure',
      'technical',
      'sentiment',
    ]);
    const technical = timeframe!.components.find((c) => c.component === 'technical')!;
    expect(technical.subScores.find((s) => s.name === 'rsi')!.inputs.rsi).toBe(
      result.indicators['1m']!.RSI_14,
    );
    expect(timeframe!.indicators.MACD_12_26_9_hist).toEqual(expect.any(Number));
    expect(full.effectiveWeights.components['1m']!.orderBook).toBe(0);
    const sum = Object.values(full.effectiveWeights.components['1m']!).reduce((s, w) => s + w, 0);
    expect(sum).toBeCloseTo(1, 3);
    expect(timeframe!.components.find((c) => c.component === 'orderBook')!.missing).toMatchObject({
      depthImbalance: expect.any(String),
    });
  });

  it('is plain JSON (survives a round trip unchanged)', () => {
    const full = formatter.full(result);
    expect(JSON.parse(JSON.stringify(full))).toEqual(full);
  });
});

describe('ResultFormatter.compact', () => {
  it('carries score, label, confidence, coverage and one score per component (null without data)', () => {
    const live = formatter.compact(result);
    expect(Object.keys(live.components).sort()).toEqual([
      'orderBook',
      'orderFlow',
      'priceStructure',
      'sentiment',
      'technical',
      'volume',
    ]);
    expect(live.components.orderBook).toBeNull();
    expect(live.components.technical).toEqual(expect.any(Number));
    expect(live).toMatchObject({
      label: result.label,
      candleTime: candles.at(-1)!.timestamp,
      inputHash: result.inputHash,
    });
    expect(JSON.stringify(live).length).toBeLessThan(600);
  });
});

describe('ResultFormatter.reasoning', () => {
  it('says market, label, score, confidence, coverage, what leads and what has no data, in one line', () => {
    const line = formatter.reasoning(result);
    expect(line).not.toContain('\n');
    expect(line).toMatch(
      new RegExp(
        `^BTC/USDT 1m ${result.label} ${result.score.toFixed(1)} \\(confidence \\d+%, coverage \\d+%\\)`,
      ),
    );
    expect(line).toContain('no data: order flow, order book');
    expect(line).toMatch(/led by [a-z ]+ \d+/);
  });
});
