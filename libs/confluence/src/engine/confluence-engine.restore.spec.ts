/**
 * What ConfluenceEngine.restore refuses, and what it leaves alone: a snapshot of another engine
 * version, configuration or format, or a malformed one, is refused with a reason naming what
 * differs and changes nothing; a restore replaces its own market only.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  type ConfigShape,
  type ConfluenceConfig,
  type IndicatorsConfig,
  loadConfig,
  type WeightsConfig,
} from '@app/config';
import {
  loadMarketCandles,
  MARKET_FILES,
  marketScript,
  playEvent,
  PROJECT_CONFIG_DIR,
  prng,
  seriesFactory,
} from '@app/testing';
import type { MarketId } from '../domain/market-data.types.js';
import { SnapshotUnsupportedError, toPortable } from '../snapshot/state-codec.js';
import type { ConfluenceEngine } from './confluence-engine.js';
import { ENGINE_VERSION } from './confluence-result.types.js';
import { createConfluenceEngine } from './create-engine.js';

const config: ConfluenceConfig = loadConfig({ env: { NODE_ENV: 'test', CONFIG_DIR: PROJECT_CONFIG_DIR } });
const BTC: MarketId = { exchange: 'binance', symbol: 'BTC/USDT' };
const ETH: MarketId = { exchange: 'binance', symbol: 'ETH/USDT' };
const btcEvents = marketScript(loadMarketCandles(MARKET_FILES.btc1m, 360), 5);
const ethEvents = marketScript(seriesFactory.randomWalk({ count: 120, seed: 9, start: 1800 }), 6);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function played(market: MarketId, events: typeof btcEvents, engine = createConfluenceEngine(config)) {
  for (const event of events) playEvent(engine, market, event);
  return engine;
}
const wire = (engine: ConfluenceEngine, market: MarketId): Json =>
  JSON.parse(JSON.stringify(engine.snapshot(market))) as Json;
const exactJson = (value: unknown): string => JSON.stringify(toPortable(value));
/** The market's state, exactly: a snapshot is already portable (−0, NaN and ±Infinity spelled out). */
const stateOf = (engine: ConfluenceEngine, market: MarketId): string =>
  JSON.stringify(engine.snapshot(market));

let snapshot: Json;
/** Shared by the refusals: each checks it is left exactly as it was. */
let refuser: ConfluenceEngine;
beforeAll(() => {
  snapshot = wire(played(BTC, btcEvents.slice(0, 800)), BTC);
  refuser = target();
});

/** An engine holding other state for BTC (an earlier point of the same market) and for ETH. */
function target(): ConfluenceEngine {
  return played(ETH, ethEvents, played(BTC, btcEvents.slice(0, 300)));
}

/** Refused, with a reason matching `reason`, and `engine` exactly as before. */
function expectRefused(engine: ConfluenceEngine, candidate: unknown, reason: RegExp): void {
  const before = [stateOf(engine, BTC), stateOf(engine, ETH)];
  const outcome = engine.restore(candidate);
  expect(outcome).toEqual({ restored: false, reason: expect.stringMatching(reason) });
  expect([stateOf(engine, BTC), stateOf(engine, ETH)]).toEqual(before);
}

/** Changes the object or array it is given (typed as both, so an edit may treat it as either). */
type Edit = (parent: Record<string, Json> & Json[]) => unknown;

/** A copy of the snapshot with `edit` applied to the object or array at `path`. */
function edited(path: readonly (string | number)[], edit: Edit): Json {
  const copy = structuredClone(snapshot);
  const parent = path.reduce<Json>((node, key) => (node as Record<string, Json>)[key] as Json, copy);
  edit(parent as Record<string, Json> & Json[]);
  return copy;
}

const STREAM = ['market', 'streams', 0, 'state'];

describe('ConfluenceEngine.restore refuses, naming what differs', () => {
  it('a snapshot of another engine version', () => {
    const other = edited([], (s) => (s.engineVersion = '0.9.0'));
    expectRefused(
      refuser,
      other,
      new RegExp(`^engine 0\\.9\\.0 ≠ ${ENGINE_VERSION.replaceAll('.', '\\.')}$`),
    );
  });

  it('a snapshot of another format version, or not a snapshot at all', () => {
    expectRefused(
      refuser,
      edited([], (s) => (s.version = 2)),
      /^snapshot format 2 ≠ 1$/,
    );
    expectRefused(
      refuser,
      edited([], (s) => (s.format = 'x')),
      /^not an engine snapshot/,
    );
    expectRefused(refuser, null, /^malformed snapshot: expected an object, got null$/);
    expectRefused(refuser, '{}', /^malformed snapshot: expected an object, got string$/);
  });

  it('into an engine with other weights', () => {
    const configured: ConfigShape<WeightsConfig> = structuredClone(config.weights);
    const { orderFlow, orderBook } = configured.components;
    const weights = {
      ...configured,
      components: { ...configured.components, orderFlow: orderBook, orderBook: orderFlow },
    };
    const engine = played(
      BTC,
      btcEvents.slice(0, 300),
      createConfluenceEngine({ indicators: config.indicators, weights }),
    );
    expectRefused(
      engine,
      snapshot,
      /^config hash [0-9a-f]{12}… ≠ [0-9a-f]{12}… \(weights or indicator parameters differ\)$/,
    );
  });

  it('into an engine with other indicator periods', () => {
    const configured: ConfigShape<IndicatorsConfig> = structuredClone(config.indicators);
    const indicators = { ...configured, rsi: { period: 21 } };
    const engine = played(
      BTC,
      btcEvents.slice(0, 300),
      createConfluenceEngine({ indicators, weights: config.weights }),
    );
    expectRefused(engine, snapshot, /^config hash .* ≠ /);
  });

  it('into an engine keeping another candle window', () => {
    const engine = createConfluenceEngine(config, { windowSize: 120 });
    expectRefused(engine, snapshot, /^orchestrator windowSize 200 ≠ 120$/);
  });
});

describe('ConfluenceEngine.restore refuses a malformed snapshot and changes nothing', () => {
  const truncate = (p: Json[]) => void p.pop();
  it.each([
    [
      'a missing field',
      ['market'],
      (p: Record<string, Json>) => delete p.trades,
      /^malformed snapshot\.market\.trades: missing$/,
    ],
    [
      'the latest scores missing',
      [],
      (p: Record<string, Json>) => delete p.latest,
      /snapshot\.latest: expected an array/,
    ],
    ['an unknown field', [], (p: Record<string, Json>) => (p.extra = 1), /snapshot\.extra: unexpected field/],
    [
      'indicator values cut short',
      [...STREAM, 'indicators', 'values'],
      truncate,
      /indicators\.values: expected \d+ items/,
    ],
    [
      'an indicator left out',
      [...STREAM, 'indicators', 'indicators'],
      truncate,
      /indicators\.indicators: expected \d+ items/,
    ],
    [
      'a rolling window cut short',
      [...STREAM, 'indicators', 'indicators', 2, 'closes', 'values'],
      truncate,
      /closes\.(next|values)/,
    ],
    [
      'the candle window cut short',
      [...STREAM, 'window'],
      truncate,
      /window: \d+ candles, expected the last 200/,
    ],
    ['a candle cut short', [...STREAM, 'window', 0], truncate, /window\[0\]: expected 6 items, got 5/],
    [
      'fingerprint lanes cut short',
      [...STREAM, 'chain', 'lanes'],
      truncate,
      /chain\.lanes: expected 4 items/,
    ],
    [
      'a number as a string',
      [...STREAM, 'indicators'],
      (p: Record<string, Json>) => (p.count = '12'),
      /indicators\.count: expected a whole number/,
    ],
    [
      'an impossible candle',
      [...STREAM, 'window', 3],
      (p: Json[]) => (p[3] = 1e9),
      /window\[3\]: low must be ≤ min\(open, close\)/,
    ],
    [
      'an unknown timeframe',
      ['market', 'streams', 0],
      (p: Record<string, Json>) => (p.timeframe = '7m'),
      /streams\[0\]\.timeframe: expected one of/,
    ],
    [
      'a timeframe twice',
      ['market', 'streams'],
      (p: Json[]) => p.push(p[0] as Json),
      /streams\[2\]\.timeframe: 1m appears twice/,
    ],
    [
      'a trade of no side',
      ['market', 'trades', 'items', 0],
      (p: Json[]) => (p[3] = 'hold'),
      /items\[0\]\[3\]: expected one of buy, sell/,
    ],
    [
      'trades out of order',
      ['market', 'trades', 'items'],
      (p: Json[]) => p.reverse(),
      /trades\.items\[1\]: timestamp .* out of order/,
    ],
    [
      'an unsorted book',
      ['market', 'orderBook', 'book', 'bids'],
      (p: Json[]) => p.reverse(),
      /bids must be sorted best first/,
    ],
    [
      'a digest that is not one',
      ['market', 'trades'],
      (p: Record<string, Json>) => (p.digest = 42),
      /trades\.digest: expected 64 hex digits/,
    ],
    [
      'a label no engine gives',
      ['latest', 0, 'score'],
      (p: Record<string, Json>) => (p.label = 'UP'),
      /latest\[0\]\.score\.label: expected one of/,
    ],
    [
      'components that are not a list',
      ['latest', 0, 'score'],
      (p: Record<string, Json>) => (p.components = 'x'),
      /score\.components: expected an array/,
    ],
    [
      'a score filed under another timeframe',
      ['latest', 0],
      (p: Record<string, Json>) => (p.timeframe = '5m'),
      /latest\[0\]\.score\.timeframe: 1m ≠ 5m/,
    ],
  ] satisfies [string, (string | number)[], Edit, RegExp][])('%s', (_what, path, edit, reason) => {
    expectRefused(refuser, edited(path, edit), reason);
  });

  it('whatever part is broken: never throws, never restores half, names the place', () => {
    const random = prng(2024);
    const paths: (string | number)[][] = [];
    const walk = (node: Json, path: (string | number)[]) => {
      if (node === null || typeof node !== 'object') return;
      paths.push(path);
      const entries: [string | number, Json][] = Array.isArray(node)
        ? node.slice(0, 3).map((v, i) => [i, v])
        : Object.entries(node);
      for (const [key, child] of entries) walk(child, [...path, key]);
    };
    walk(snapshot, []);
    const engine = target();
    const wrong: Json[] = [null, 'x', -1, 1.5, true, {}, []];
    for (let i = 0; i < 200; i++) {
      const path = paths[Math.floor(random() * paths.length)] ?? [];
      const candidate = edited(path, (parent) => {
        const keys = Array.isArray(parent) ? parent.map((_, k) => k) : Object.keys(parent);
        const key = keys[Math.floor(random() * keys.length)];
        if (key === undefined || random() < 0.2) {
          if (Array.isArray(parent)) parent.pop();
          return;
        }
        const replacement = wrong[Math.floor(random() * wrong.length)] ?? null;
        if (!Array.isArray(parent) && random() < 0.3) Reflect.deleteProperty(parent, key);
        else (parent as Record<string | number, Json>)[key] = replacement;
      });
      const before = stateOf(engine, ETH);
      const outcome = engine.restore(candidate);
      if (!outcome.restored) expect(outcome.reason).not.toMatch(/^unreadable/);
      expect(stateOf(engine, ETH)).toBe(before);
      // Whatever was accepted must still be analysable.
      if (outcome.restored)
        for (const timeframe of ['1m', '5m'] as const) engine.analyze({ ...BTC, timeframe }, 0);
    }
  });
});

describe('ConfluenceEngine.restore replaces its market only', () => {
  it('leaves another market as it was, and replaces every stream of its own', () => {
    const engine = target();
    engine.addCandle(
      { ...BTC, timeframe: '15m' },
      { ...loadMarketCandles(MARKET_FILES.btc1m, 1)[0]!, volume: 1 },
    );
    const eth = stateOf(engine, ETH);
    expect(engine.restore(snapshot)).toEqual({ restored: true });
    expect(stateOf(engine, ETH)).toBe(eth);
    expect(wire(engine, BTC)).toEqual(snapshot);
    expect(
      engine
        .streams()
        .filter((key) => key.symbol === BTC.symbol)
        .map((k) => k.timeframe),
    ).toEqual(['1m', '5m']);
    // ETH goes on exactly as in an engine that only ever had ETH.
    const alone = played(ETH, ethEvents);
    const next = marketScript(
      seriesFactory.randomWalk({ count: 10, seed: 9, start: 1800, startTime: ethEvents.at(-1)!.now }),
      7,
    );
    for (const event of next)
      expect(exactJson(playEvent(engine, ETH, event))).toBe(exactJson(playEvent(alone, ETH, event)));
  });

  it('keeps −0 where the source had it (a funding rate of −0 read after the restore)', () => {
    const engine = played(BTC, btcEvents.slice(0, 300));
    expect(engine.updateDerivatives(BTC, { timestamp: btcEvents[299]!.now, fundingRate: -0 })).toEqual({
      accepted: true,
    });
    const copy = createConfluenceEngine(config);
    expect(copy.restore(wire(engine, BTC))).toEqual({ restored: true });
    const key = { ...BTC, timeframe: '1m' as const };
    const [original, restored] = [engine.analyze(key, 1), copy.analyze(key, 1)];
    expect(restored).toEqual(original);
    const funding = (outcome: typeof original) =>
      outcome.status === 'ready'
        ? outcome.result.timeframes[0]?.components
            .find((c) => c.component === 'sentiment')
            ?.subScores.find((s) => s.name === 'fundingRate')?.inputs.fundingRate
        : undefined;
    expect(Object.is(funding(restored), -0)).toBe(true);
  });
});

describe('ConfluenceEngine.snapshot', () => {
  it('refuses a market loaded frozen for a one-off analysis: it has no streaming state', () => {
    const engine = createConfluenceEngine(config);
    const candles = loadMarketCandles(MARKET_FILES.btc1m, 100);
    expect(engine.rebuild({ ...BTC, timeframe: '1m' }, candles, { frozen: true })).toEqual({
      accepted: true,
    });
    expect(() => engine.snapshot(BTC)).toThrow(SnapshotUnsupportedError);
    expect(() => engine.snapshot(BTC)).toThrow(/1m stream was loaded frozen/);
  });

  it('of a market the engine never saw restores as an empty one', () => {
    const engine = target();
    expect(engine.restore(wire(createConfluenceEngine(config), BTC))).toEqual({ restored: true });
    expect(engine.readiness({ ...BTC, timeframe: '1m' }).candles).toBe(0);
    expect(engine.analyze({ ...BTC, timeframe: '1m' }, 0).status).toBe('warming-up');
  });
});
