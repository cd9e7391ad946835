import { describe, expect, it } from '@jest/globals';
import { DataSource, MarketEventName } from '@app/contracts';
import { type CandleClosedEvent, type EventData } from '@app/contracts/dto';
import { InProcessEventBus } from './in-process-bus.js';

const candleEvent: EventData<CandleClosedEvent> = {
  exchange: 'binance',
  symbol: 'BTC/USDT',
  timeframe: '1m',
  source: DataSource.Live,
  emittedAt: 1_613_692_860_000,
  candle: { timestamp: 1_613_692_800_000, open: 1, high: 2, low: 0.5, close: 1.5, volume: 10 },
};

function recordingLogger(): {
  warnings: string[];
  errors: string[];
  warn(m: string): void;
  error(m: string): void;
} {
  const warnings: string[] = [];
  const errors: string[] = [];
  return { warnings, errors, warn: (m) => warnings.push(m), error: (m) => errors.push(m) };
}

describe('InProcessEventBus', () => {
  it('hands subscribers a validated copy, never the publisher’s object', async () => {
    const bus = new InProcessEventBus(recordingLogger());
    const received: unknown[] = [];
    bus.subscribe(MarketEventName.CandleClosed, (payload) => {
      received.push(payload);
    });
    await bus.publish(MarketEventName.CandleClosed, candleEvent);

    expect(received).toHaveLength(1);
    expect(received[0]).toEqual(candleEvent);
    expect(received[0]).not.toBe(candleEvent);
    expect(bus.stats().delivered).toEqual({ [MarketEventName.CandleClosed]: 1 });
  });

  it('rejects a malformed payload with its reasons, counts it, and delivers nothing', async () => {
    const logger = recordingLogger();
    const bus = new InProcessEventBus(logger);
    let calls = 0;
    bus.subscribe(MarketEventName.CandleClosed, () => {
      calls++;
    });
    const broken = { ...candleEvent, candle: { ...candleEvent.candle, high: Number.NaN } };
    await bus.publish(MarketEventName.CandleClosed, broken);

    expect(calls).toBe(0);
    expect(bus.stats().rejected).toEqual({ [MarketEventName.CandleClosed]: 1 });
    expect(logger.warnings).toEqual([
      expect.stringMatching(/rejected market\.candle\.closed: candle\.high: /),
    ]);
  });

  it('keeps delivering to other handlers when one throws, and stops after unsubscribe', async () => {
    const logger = recordingLogger();
    const bus = new InProcessEventBus(logger);
    const seen: string[] = [];
    bus.subscribe(MarketEventName.CandleClosed, () => {
      throw new Error('handler bug');
    });
    const unsubscribe = bus.subscribe(MarketEventName.CandleClosed, (payload) => {
      seen.push(payload.symbol);
    });
    await bus.publish(MarketEventName.CandleClosed, candleEvent);
    unsubscribe();
    await bus.publish(MarketEventName.CandleClosed, candleEvent);

    expect(seen).toEqual(['BTC/USDT']);
    expect(logger.errors).toEqual([
      expect.stringContaining('handler bug'),
      expect.stringContaining('handler bug'),
    ]);
    expect(bus.stats()).toMatchObject({
      published: { [MarketEventName.CandleClosed]: 2 },
      handlerErrors: { [MarketEventName.CandleClosed]: 2 },
    });
  });
});
