import type { Clock, IngestionDeps } from '@app/market';

/** The clock and client factory market-data runs with; tests provide virtual time and the loopback fake. */
export abstract class MarketDataRuntime {
  abstract readonly clock: Clock;
  abstract readonly createClient?: IngestionDeps['createClient'];
}
