import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { EventBus, MarketEventName } from '@app/contracts';
import { CandleRepository, type StoredCandle, StoreWriter } from '@app/persistence';

/**
 * Stores every closed candle market-data publishes: a worker that takes a market over rebuilds
 * its indicators from them. Candles that arrive while a write is pending join the next write,
 * so a burst (warm-up, replay) costs a few bulk writes, not one per candle. Writes go through
 * the store's bounded, retrying write path and are idempotent (a stored candle is kept as is).
 */
@Injectable()
export class CandleRecorder implements OnModuleInit, OnModuleDestroy {
  #pending: StoredCandle[] = [];
  #unsubscribe: (() => void) | null = null;

  constructor(
    private readonly bus: EventBus,
    private readonly candles: CandleRepository,
    private readonly writer: StoreWriter,
  ) {}

  onModuleInit(): void {
    this.#unsubscribe = this.bus.subscribe(MarketEventName.CandleClosed, (event) => {
      const { exchange, symbol, timeframe, source, candle } = event;
      const { timestamp, open, high, low, close, volume } = candle;
      this.#pending.push({ exchange, symbol, timeframe, source, timestamp, open, high, low, close, volume });
      if (this.#pending.length === 1) this.#enqueue();
    });
  }

  onModuleDestroy(): void {
    this.#unsubscribe?.();
  }

  #enqueue(): void {
    let batch: StoredCandle[] | null = null;
    const accepted = this.writer.enqueue({
      describe: 'closed candles',
      run: async () => {
        // Taken on the first attempt and kept for retries, so a retry writes the same candles.
        if (batch === null) {
          batch = this.#pending;
          this.#pending = [];
        }
        await this.candles.upsertMany(batch);
      },
    });
    if (!accepted) this.#pending = [];
  }
}
