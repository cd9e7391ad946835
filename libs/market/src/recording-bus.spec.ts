import { describe, expect, it } from '@jest/globals';
import { InProcessEventBus } from '@app/bus';
import { type EventBus, MarketEventName } from '@app/contracts';
import { type BusEventData } from '@app/contracts/dto';
import { RecordingBus } from './recording-bus.js';

const CANDLE: BusEventData<typeof MarketEventName.CandleClosed> = {
  exchange: 'binance',
  symbol: 'BTC/USDT',
  timeframe: '1m',
  source: 'replay',
  emittedAt: 1_613_692_860_000,
  candle: { timestamp: 1_613_692_800_000, open: 1, high: 2, low: 0.5, close: 1.5, volume: 10 },
};

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** A bus whose publishes fail while `down`. */
class FlakyBus extends InProcessEventBus {
  down = false;

  override async publish(...args: Parameters<EventBus['publish']>): Promise<void> {
    if (this.down) throw new Error('Connection is closed.');
    await super.publish(...args);
  }
}

describe('RecordingBus', () => {
  it('records each event once its publish went through, and nothing a publish did not deliver', async () => {
    const inner = new FlakyBus(quiet);
    const recorded: unknown[] = [];
    const bus = new RecordingBus(inner, (name, payload) => recorded.push({ name, payload }));
    const heard: unknown[] = [];
    bus.subscribe(MarketEventName.CandleClosed, (payload) => {
      heard.push(payload.candle.timestamp);
    });

    await bus.publish(MarketEventName.CandleClosed, CANDLE);
    inner.down = true;
    await expect(bus.publish(MarketEventName.CandleClosed, CANDLE)).rejects.toThrow('Connection is closed.');

    expect(recorded).toEqual([{ name: MarketEventName.CandleClosed, payload: CANDLE }]);
    // Subscriptions and counters are the inner bus's.
    expect(heard).toEqual([CANDLE.candle.timestamp]);
    expect(bus.stats()).toEqual(inner.stats());
  });
});
