import { describe, expect, it } from '@jest/globals';
import type { ConfluenceResult } from '@app/confluence';
import type { DataSource, LlmOpinion } from '@app/contracts';
import { ManualClock } from '@app/testing';
import { LlmOpinions } from './llm-opinions.js';
import { SignalOpinions, type SignalChangeTriggers } from './signal-opinions.js';
import {
  answered,
  MemoryCache,
  MemoryLedger,
  opinionSettings,
  resultOf,
  rising,
  ScriptedModel,
  silentLog,
  T0,
  validAnswer,
} from './testing/opinion-kit.js';

class RecordingPublisher {
  readonly published: { result: ConfluenceResult; source: DataSource; opinion: LlmOpinion }[] = [];
  publish(result: ConfluenceResult, source: DataSource, opinion: LlmOpinion): Promise<void> {
    this.published.push({ result, source, opinion });
    return Promise.resolve();
  }
}

function opinionsWith(model: ScriptedModel | null, off: string | null = null): LlmOpinions {
  return new LlmOpinions(
    opinionSettings({ off }),
    model,
    { cache: new MemoryCache(), costs: new MemoryLedger() },
    new ManualClock(T0),
    silentLog,
  );
}

function setup(
  triggers: Partial<SignalChangeTriggers>,
  model = new ScriptedModel(...Array.from({ length: 5 }, () => answered(validAnswer()))),
) {
  const publisher = new RecordingPublisher();
  const signals = new SignalOpinions(
    opinionsWith(model),
    publisher,
    { enabled: true, markets: [], timeframes: [], ...triggers },
    silentLog,
  );
  return { signals, publisher, model };
}

describe('SignalOpinions', () => {
  const btc = resultOf(rising());
  const eth = resultOf(rising(), 'ETH/USDT');

  it('asks for each change of a configured stream, returns before the answer, and publishes it', async () => {
    const { signals, publisher } = setup({ markets: ['binance:BTC/USDT'], timeframes: ['1m'] });

    signals.changed([
      { result: btc, source: 'live' },
      { result: eth, source: 'live' },
    ]);
    expect(publisher.published).toHaveLength(0);
    expect(signals.pending).toBe(1);
    await signals.drain();

    expect(publisher.published.map((p) => [p.result.symbol, p.source, p.opinion.status])).toEqual([
      ['BTC/USDT', 'live', 'ok'],
    ]);
    expect(signals.pending).toBe(0);
  });

  it.each([
    ['switched off', { enabled: false }],
    ['another timeframe', { timeframes: ['1h'] }],
    ['another market', { markets: ['bybit:BTC/USDT'] }],
  ])('asks nothing when the trigger is %s', async (_, triggers) => {
    const { signals, publisher, model } = setup(triggers);

    signals.changed([{ result: btc, source: 'replay' }]);
    await signals.drain();

    expect(publisher.published).toEqual([]);
    expect(model.requests).toEqual([]);
  });

  it('asks nothing when opinions are off (no key), and says nothing on the bus either', async () => {
    const opinions = opinionsWith(null, 'no OPENAI_API_KEYS configured');
    const publisher = new RecordingPublisher();
    const signals = new SignalOpinions(
      opinions,
      publisher,
      { enabled: true, markets: [], timeframes: [] },
      silentLog,
    );

    signals.changed([{ result: btc, source: 'live' }]);
    await signals.drain();

    expect(publisher.published).toEqual([]);
  });

  it('logs a publish that fails and keeps going', async () => {
    const lines: string[] = [];
    const opinions = opinionsWith(new ScriptedModel(answered(validAnswer())));
    const failing = { publish: (): Promise<void> => Promise.reject(new Error('bus down')) };
    const signals = new SignalOpinions(
      opinions,
      failing,
      { enabled: true, markets: [], timeframes: [] },
      {
        ...silentLog,
        error: (line: string) => lines.push(line),
      },
    );

    signals.changed([{ result: btc, source: 'live' }]);
    await signals.drain();

    expect(lines).toEqual(['LLM opinion of binance BTC/USDT 1m not published: bus down']);
  });
});
