import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ExchangesConfig } from '@app/config';
import { Clock, type MarketEventName } from '@app/contracts';
import { type BusEventData } from '@app/contracts/dto';
import { OrderBookRepository, StoreWriter } from '@app/persistence';

/**
 * Stores the order-book snapshots of the markets listed under `orderBook.record`, so order-book
 * components can be backtested later (exchanges keep no book history); told by market-data's
 * RecordingBus once a publish went through. Writes go through the
 * store's bounded, retrying write path; what it cannot keep is counted there.
 */
@Injectable()
export class OrderBookRecorder implements OnModuleInit {
  readonly #recorded: ReadonlySet<string>;
  readonly #logger = new Logger('order-book-recorder');

  constructor(
    exchanges: ExchangesConfig,
    private readonly books: OrderBookRepository,
    private readonly writer: StoreWriter,
    private readonly clock: Clock,
  ) {
    this.#recorded = new Set(
      exchanges.exchanges
        .filter((exchange) => exchange.enabled && exchange.data.orderBook.enabled)
        .flatMap((exchange) => exchange.data.orderBook.record.map((symbol) => `${exchange.id} ${symbol}`)),
    );
  }

  onModuleInit(): void {
    if (this.#recorded.size > 0)
      this.#logger.log(`recording order books of ${[...this.#recorded].join(', ')}`);
  }

  record(book: BusEventData<typeof MarketEventName.OrderBookSnapshot>): void {
    if (!this.#recorded.has(`${book.exchange} ${book.symbol}`)) return;
    const { exchange, symbol, timestamp, source } = book;
    const snapshot = {
      exchange,
      symbol,
      timestamp,
      source,
      sequence: book.sequence ?? null,
      bids: book.bids.map(({ price, size }) => ({ price, size })),
      asks: book.asks.map(({ price, size }) => ({ price, size })),
    };
    this.writer.enqueue({
      describe: `order book ${exchange} ${symbol} ${new Date(timestamp).toISOString()}`,
      run: async () => {
        await this.books.record([snapshot], this.clock.now());
      },
    });
  }
}
