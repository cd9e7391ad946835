import { describe, expect, it } from '@jest/globals';
import { type ArgumentMetadata, ValidationPipe } from '@nestjs/common';
import { AnalyzeRequestDto, HistoryQueryDto, LatestQueryDto, MarketParamsDto } from '@app/contracts/dto';
import { InputError } from '@app/contracts';
import { ERROR_STATUS } from './errors.filter.js';
import { createValidationPipe, tooDeepInput } from './validation.js';

const PARAM: ArgumentMetadata = { type: 'param', metatype: MarketParamsDto };
const QUERY: ArgumentMetadata = { type: 'query', metatype: LatestQueryDto };

/** What a call threw (or null). */
async function refusal(call: unknown): Promise<unknown> {
  return Promise.resolve(call).then(
    () => null,
    (caught: unknown) => caught,
  );
}

describe('the gateway ValidationPipe', () => {
  it("is Nest's own ValidationPipe behind the compiled check, validating every path and query afresh", async () => {
    const pipe = createValidationPipe();
    const first: unknown = await pipe.transform({ exchange: 'binance', symbol: 'BTC-USDT' }, PARAM);
    const again: unknown = await pipe.transform({ exchange: 'binance', symbol: 'BTC-USDT' }, PARAM);

    expect(Object.getPrototypeOf(pipe.validation)).toBe(ValidationPipe.prototype);
    expect(first).toBeInstanceOf(MarketParamsDto);
    expect(again).toBeInstanceOf(MarketParamsDto);
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
    expect(await pipe.transform({ timeframe: '5m' }, QUERY)).toEqual({ timeframe: '5m' });
    // Query strings converted to their types.
    expect(
      await pipe.transform({ limit: '20', from: '60000' }, { type: 'query', metatype: HistoryQueryDto }),
    ).toEqual({ limit: 20, from: 60_000 });
  });

  it('refuses with one 400 naming every field, the first three in the message', async () => {
    const pipe = createValidationPipe();
    const error = await refusal(
      pipe.transform({ exchange: 'Binance', symbol: 'btc', timeframe: '1m', extra: '1' }, PARAM),
    );

    expect(error).toBeInstanceOf(InputError);
    const { code, message, issues } = error as InputError;
    expect(ERROR_STATUS[code]).toBe(400);
    expect({ message, errors: issues }).toEqual({
      message: 'invalid input: timeframe, extra, exchange, …',
      errors: [
        { field: 'timeframe', message: 'property should not exist' },
        { field: 'extra', message: 'property should not exist' },
        { field: 'exchange', message: 'must be a ccxt exchange id like binance' },
        { field: 'symbol', message: 'must be a symbol like BTC/USDT (or BTC-USDT)' },
      ],
    });
  });

  it('leaves a custom parameter (the candle bodies) to its own pipe', async () => {
    const pipe = createValidationPipe();
    const body = { symbol: 'not a symbol', candles: 'not candles' };

    expect(await pipe.transform(body, { type: 'custom', metatype: AnalyzeRequestDto })).toBe(body);
    // The same body as a plain `@Body()` would be refused: the DTO has no rule for its candles.
    expect(await refusal(pipe.transform(body, { type: 'body', metatype: AnalyzeRequestDto }))).toBeInstanceOf(
      InputError,
    );
  });

  it('names a body nested too deep by its path', () => {
    const { message, issues } = tooDeepInput('orderBook.bids[0][0]');
    expect({ message, errors: issues }).toEqual({
      message: 'invalid input: orderBook.bids[0][0]',
      errors: [{ field: 'orderBook.bids[0][0]', message: 'is nested deeper than 32 levels' }],
    });
  });
});
