import { type MarketRef, marketId } from '@app/contracts';

/** The four markets the lease specs share between workers. */
export const LEASE_MARKETS: readonly MarketRef[] = [
  { exchange: 'binance', symbol: 'BTC/USDT' },
  { exchange: 'binance', symbol: 'ETH/USDT' },
  { exchange: 'kraken', symbol: 'BTC/USD' },
  { exchange: 'okx', symbol: 'SOL/USDT' },
];

export const LEASE_MARKET_IDS: readonly string[] = LEASE_MARKETS.map(marketId);
