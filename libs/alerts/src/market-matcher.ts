import { MARKET_PATTERN } from '@app/config';

interface Pattern {
  readonly exchange: RegExp;
  readonly symbol: RegExp;
  readonly timeframe: RegExp;
}

/** A glob part (`*` matches anything, the rest literally) as an anchored expression. */
function globOf(part: string): RegExp {
  const literal = part.split('*').map((piece) => piece.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  return new RegExp(`^${literal.join('.*')}$`);
}

/**
 * The markets a rule applies to: `exchange:symbol:timeframe` patterns (monitoring.yaml, validated
 * there), each part a glob; no pattern at all means every market.
 */
export class MarketMatcher {
  readonly #patterns: readonly Pattern[];

  constructor(patterns: readonly string[]) {
    this.#patterns = patterns.map((pattern) => {
      const [, exchange = '*', symbol = '*', timeframe = '*'] = MARKET_PATTERN.exec(pattern) ?? [];
      return { exchange: globOf(exchange), symbol: globOf(symbol), timeframe: globOf(timeframe) };
    });
  }

  /** Whether a stream is one of the rule's markets. */
  matches(stream: {
    readonly exchange: string;
    readonly symbol: string;
    readonly timeframe: string;
  }): boolean {
    return (
      this.#patterns.length === 0 ||
      this.#patterns.some(
        (p) =>
          p.exchange.test(stream.exchange) &&
          p.symbol.test(stream.symbol) &&
          p.timeframe.test(stream.timeframe),
      )
    );
  }

  /** Whether an exchange is one of the rule's (its pattern's exchange part; exchange-down rules). */
  matchesExchange(exchange: string): boolean {
    return this.#patterns.length === 0 || this.#patterns.some((p) => p.exchange.test(exchange));
  }
}
