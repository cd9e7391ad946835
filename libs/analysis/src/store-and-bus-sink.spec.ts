import { describe, expect, it } from '@jest/globals';
import { InProcessEventBus } from '@app/bus';
import { loadConfig } from '@app/config';
import { createConfluenceEngine, ResultFormatter } from '@app/confluence';
import { AnalysisEventName, DataSource, MarketEventName, type ValidationSample } from '@app/contracts';
import { validateBusEvent } from '@app/contracts/dto';
import {
  type ResultRepository,
  type SignalChange,
  type SignalRepository,
  type StoredResult,
  StoreWriter,
} from '@app/persistence';
import { loadMarketCandles, MARKET_FILES, PROJECT_CONFIG_DIR } from '@app/testing';
import type { AnalysisOutput, MarketEvent } from './analysis.types.js';
import { MarketAnalyzer } from './market-analyzer.js';
import { StoreAndBusSink } from './store-and-bus-sink.js';
import { updatedEvent } from './analysis-output.js';

const config = loadConfig({ env: { CONFIG_DIR: PROJECT_CONFIG_DIR } });
const MARKET = { exchange: 'binance', symbol: 'BTC/USDT' } as const;

/** Real outputs: the analyzer over real candles, one output per candle (results from the warm-up on). */
function outputs(count: number): AnalysisOutput[] {
  const analyzer = new MarketAnalyzer(
    MARKET,
    createConfluenceEngine({ indicators: config.indicators, weights: config.weights }),
    { refreshIntervalMs: 5_000 },
  );
  return loadMarketCandles(MARKET_FILES.btc1m, count).map((candle) => {
    const validated = validateBusEvent(MarketEventName.CandleClosed, {
      ...MARKET,
      timeframe: '1m',
      source: DataSource.Replay,
      emittedAt: candle.timestamp + 60_000,
      candle,
    });
    if (!validated.ok) throw new Error(validated.errors.join('; '));
    const event: MarketEvent = { name: MarketEventName.CandleClosed, payload: validated.value };
    return analyzer.process([event], candle.timestamp + 60_000);
  });
}

/** Repositories that record what reaches them; `gate` holds a write until the test opens it. */
function recordingStore() {
  const saved: StoredResult[][] = [];
  const sampled: ValidationSample[][] = [];
  const signals: SignalChange[] = [];
  let gate: Promise<void> = Promise.resolve();
  const results = {
    saveMany: async (list: readonly StoredResult[]) => {
      await gate;
      saved.push([...list]);
    },
  } as unknown as ResultRepository;
  const samples = {
    saveMany: async (list: readonly ValidationSample[]) => {
      await Promise.resolve();
      sampled.push([...list]);
    },
  };
  const signalRepository = {
    record: async (change: SignalChange) => {
      await Promise.resolve();
      signals.push(change);
    },
  } as unknown as SignalRepository;
  return {
    saved,
    sampled,
    samples,
    signals,
    results,
    signalRepository,
    hold(): () => void {
      let open = (): void => undefined;
      gate = new Promise((resolve) => {
        open = resolve;
      });
      return () => {
        open();
      };
    },
  };
}

function newSink(store: ReturnType<typeof recordingStore>, bus = new InProcessEventBus(silent)) {
  const writer = new StoreWriter({ capacity: 10, retryBaseMs: 10, retryMaxMs: 20, logger: silent });
  const sink = new StoreAndBusSink({
    writer,
    results: store.results,
    signals: store.signalRepository,
    samples: store.samples,
    bus,
    formatter: new ResultFormatter(),
    now: () => 0,
  });
  return { sink, writer };
}

const silent = { warn: () => undefined, error: () => undefined };

describe('StoreAndBusSink', () => {
  const all = outputs(260);
  const withResults = all.filter((o) => o.updates.length > 0);

  it('writes the first output at once when the write path is idle', async () => {
    const store = recordingStore();
    const { sink, writer } = newSink(store);
    const [first] = withResults;
    expect(sink.store(first!)).toBe(true);
    await writer.flush();
    expect(store.saved.map((batch) => batch.map((r) => r.candleTime))).toEqual([
      [first!.updates[0]!.result.candleTime],
    ]);
    expect(store.signals).toHaveLength(first!.changes.length);
  });

  it('names, in a write left unwritten, the streams and candle times it holds', async () => {
    const store = recordingStore();
    const { sink, writer } = newSink(store);
    const open = store.hold();
    for (const output of withResults.slice(0, 30)) sink.store(output);
    const held = withResults.slice(1, 30).map((o) => o.updates[0]!.result.candleTime);
    const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
    const first = withResults[0]!.updates[0]!.result.candleTime;

    const {
      inFlight: running,
      waiting: [waiting],
    } = writer.unwritten();

    expect(running).toMatch(new RegExp(`^results binance BTC/USDT 1m ${iso(first)} \\(1\\)`));
    expect(waiting).toMatch(
      new RegExp(
        `^results binance BTC/USDT 1m ${iso(Math.min(...held))}\\.\\.${iso(Math.max(...held))} \\(29\\)`,
      ),
    );
    open();
    await writer.flush();
  });

  it('gathers what arrives during a write into the next bulk write, in order, then runs the after hooks', async () => {
    const store = recordingStore();
    const { sink, writer } = newSink(store);
    const open = store.hold();
    const order: string[] = [];
    for (const [i, output] of withResults.entries()) {
      expect(
        sink.store(output, async () => {
          await Promise.resolve();
          order.push(`after ${i}`);
        }),
      ).toBe(true);
    }
    open();
    await writer.flush();
    // The first write went out alone (the path was idle); everything else waited and went in one.
    expect(store.saved.map((batch) => batch.length)).toEqual([1, withResults.length - 1]);
    expect(store.saved.flat().map((r) => r.candleTime)).toEqual(
      withResults.map((o) => o.updates[0]!.result.candleTime),
    );
    expect(order).toEqual(withResults.map((_, i) => `after ${i}`));
    expect(writer.status()).toMatchObject({ accepted: 2, written: 2, dropped: 0 });
  });

  it('writes each result’s validation sample in the same batch: its close, score, label and components', async () => {
    const store = recordingStore();
    const { sink, writer } = newSink(store);
    const candles = loadMarketCandles(MARKET_FILES.btc1m, 260);
    const open = store.hold();
    for (const output of withResults) sink.store(output);
    open();
    await writer.flush();

    expect(store.sampled.map((batch) => batch.length)).toEqual(store.saved.map((batch) => batch.length));
    const samples = store.sampled.flat();
    expect(samples).toHaveLength(withResults.length);
    for (const [i, sample] of samples.entries()) {
      const result = withResults[i]!.updates[0]!.result;
      const own = result.timeframes.find((frame) => frame.timeframe === '1m');
      expect(sample).toEqual({
        ...MARKET,
        timeframe: '1m',
        candleTime: result.candleTime,
        close: candles.find((candle) => candle.timestamp === result.candleTime)?.close,
        score: result.score,
        label: result.label,
        components: Object.fromEntries(
          (own?.components ?? []).flatMap((c) => (c.score === null ? [] : [[c.component, c.score]])),
        ),
        inputHash: result.inputHash,
      });
    }
    // Candles alone: volume, price structure, technical and sentiment score; the book and flow do not.
    expect(Object.keys(samples[0]!.components).sort()).toEqual([
      'priceStructure',
      'sentiment',
      'technical',
      'volume',
    ]);
  });

  it('publishes updates and label changes as valid bus events', async () => {
    const bus = new InProcessEventBus(silent);
    const { sink } = newSink(recordingStore(), bus);
    const updated: number[] = [];
    const changed: number[] = [];
    const results: unknown[] = [];
    bus.subscribe(AnalysisEventName.ConfluenceUpdated, (event) => {
      updated.push(event.candleTime);
      results.push(event.result);
    });
    bus.subscribe(AnalysisEventName.SignalChanged, (event) => {
      changed.push(event.time);
    });
    for (const output of withResults) await sink.publish(output);
    expect(updated).toEqual(withResults.map((o) => o.updates[0]!.result.candleTime));
    expect(changed).toEqual(withResults.flatMap((o) => o.changes.map((c) => c.time)));
    // A candle update carries its domain result, as plain data (the gateways' latest projection).
    expect(withResults.every((o) => o.updates[0]?.trigger === 'candle')).toBe(true);
    expect(results).toEqual(
      withResults.map((o) => JSON.parse(JSON.stringify(o.updates[0]?.result)) as unknown),
    );
    expect(bus.stats().rejected).toEqual({});
  });

  it('leaves the domain result out of a refresh update (never stored, never latest)', () => {
    const update = withResults[0]?.updates[0];
    if (update === undefined) throw new Error('no update');
    const refresh = updatedEvent({ ...update, trigger: 'refresh' }, new ResultFormatter(), 0);

    expect(refresh.trigger).toBe('refresh');
    expect('result' in refresh).toBe(false);
    expect(validateBusEvent(AnalysisEventName.ConfluenceUpdated, refresh).ok).toBe(true);
  });
});
