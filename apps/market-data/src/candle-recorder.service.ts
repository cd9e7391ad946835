import { Injectable } from '@nestjs/common';
import type { MarketEventName } from '@app/contracts';
import type { BusEventData } from '@app/contracts/dto';
import { CandleRepository, describeItems, type StoredCandle, StoreWriter } from '@app/persistence';

/**
 * Stores every closed candle market-data publishes (told by its RecordingBus once a publish went
 * through, not by listening to the bus): a worker that takes a market over rebuilds its
 * indicators from them. Candles that arrive while a write is pending join the next write,
 * so a burst (warm-up, replay) costs a few bulk writes, not one per candle. Writes go through
 * the store's bounded, retrying write path and are idempotent (a stored candle is kept as is).
 */
@Injectable()
export class CandleRecorder {
  #pending: StoredCandle[] = [];

  constructor(
    private readonly candles: CandleRepository,
    private readonly writer: StoreWriter,
  ) {}

  record(event: BusEventData<typeof MarketEventName.CandleClosed>): void {
    const { exchange, symbol, timeframe, source, candle } = event;
    const { timestamp, open, high, low, close, volume } = candle;
    this.#pending.push({ exchange, symbol, timeframe, source, timestamp, open, high, low, close, volume });
    if (this.#pending.length === 1) this.#enqueue();
  }

  #enqueue(): void {
    let batch: StoredCandle[] | null = null;
    const held = (): StoredCandle[] => batch ?? this.#pending;
    const accepted = this.writer.enqueue({
      // Read when the write is logged: the candles it took, or those waiting for it.
      get describe() {
        const candles = held().map(({ exchange, symbol, timeframe, timestamp }) => ({
          exchange,
          symbol,
          timeframe,
          time: timestamp,
        }));
        return describeItems('candles', candles).join('; ');
      },
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
