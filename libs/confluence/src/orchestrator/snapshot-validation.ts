import { isTimeMs, TIME_MS_RANGE } from '@app/contracts';
import type {
  BookLevel,
  DerivativesSnapshot,
  OrderBookSnapshot,
  Trade,
} from '../domain/market-data.types.js';

const positive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;
/** The one time range of every time field (libs/contracts time-range.ts). */
const TIME_FAULT = `must be a time in ms since the epoch, ${TIME_MS_RANGE}`;

function levelsProblem(side: string, levels: readonly BookLevel[], descending: boolean): string | null {
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i] as BookLevel;
    if (!positive(level.price) || !positive(level.size))
      return `${side}[${i}] needs a positive price and size`;
    const previous = levels[i - 1];
    if (
      previous !== undefined &&
      (descending ? level.price >= previous.price : level.price <= previous.price)
    ) {
      return `${side} must be sorted best first without repeats (at ${i})`;
    }
  }
  return null;
}

/** Why an order-book snapshot is unusable, or null. */
export function orderBookProblem(book: OrderBookSnapshot): string | null {
  if (!isTimeMs(book.timestamp)) return `timestamp ${TIME_FAULT}`;
  return levelsProblem('bids', book.bids, true) ?? levelsProblem('asks', book.asks, false);
}

export function tradeProblem(trade: Trade, index: number): string | null {
  if (!isTimeMs(trade.timestamp)) return `trades[${index}].timestamp ${TIME_FAULT}`;
  if (!positive(trade.price) || !positive(trade.size))
    return `trades[${index}] needs a positive price and size`;
  // Checked at run time: the type says buy | sell, the wire may not.
  const side: string = trade.side;
  if (side !== 'buy' && side !== 'sell') return `trades[${index}].side must be buy or sell`;
  return null;
}

export function derivativesProblem(d: DerivativesSnapshot): string | null {
  if (!isTimeMs(d.timestamp)) return `timestamp ${TIME_FAULT}`;
  const finite = (v: number | undefined) => v === undefined || Number.isFinite(v);
  if (!finite(d.fundingRate)) return 'fundingRate must be finite';
  if (d.openInterest !== undefined && !(Number.isFinite(d.openInterest) && d.openInterest >= 0))
    return 'openInterest must be ≥ 0';
  if (d.longShortRatio !== undefined && !positive(d.longShortRatio)) return 'longShortRatio must be > 0';
  const liq = d.liquidations;
  if (liq !== undefined && ![liq.long, liq.short].every((v) => Number.isFinite(v) && v >= 0)) {
    return 'liquidations must be finite and ≥ 0';
  }
  return null;
}
