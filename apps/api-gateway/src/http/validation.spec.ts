import { describe, expect, it } from '@jest/globals';
import { BadRequestException, type ArgumentMetadata } from '@nestjs/common';
import { AnalyzeRequestDto, LatestQueryDto, MarketParamsDto } from '@app/contracts';
import { createValidationPipe } from './validation.js';

const PARAM: ArgumentMetadata = { type: 'param', metatype: MarketParamsDto };
const QUERY: ArgumentMetadata = { type: 'query', metatype: LatestQueryDto };
const BODY: ArgumentMetadata = { type: 'body', metatype: AnalyzeRequestDto };

describe('the gateway ValidationPipe', () => {
  it('reuses the validated instance of a path or query it has seen, and keeps refusing bad ones', async () => {
    const pipe = createValidationPipe();
    const first: unknown = await pipe.transform({ exchange: 'binance', symbol: 'BTC-USDT' }, PARAM);
    const again: unknown = await pipe.transform({ exchange: 'binance', symbol: 'BTC-USDT' }, PARAM);

    expect(first).toBeInstanceOf(MarketParamsDto);
    expect(again).toBe(first);
    // The same text for another DTO is validated on its own.
    await expect(pipe.transform({ exchange: 'binance', symbol: 'BTC-USDT' }, QUERY)).rejects.toThrow(
      BadRequestException,
    );
    for (let attempt = 0; attempt < 2; attempt++)
      await expect(pipe.transform({ timeframe: '7m' }, QUERY)).rejects.toThrow(BadRequestException);
    await expect(pipe.transform({ timeframe: '5m' }, QUERY)).resolves.toEqual({ timeframe: '5m' });
  });

  it('validates every body afresh and refuses one nested too deep, naming the path', async () => {
    const pipe = createValidationPipe();
    let deep: unknown = 1;
    for (let level = 0; level < 5000; level++) deep = [deep];
    const error = await pipe.transform({ symbol: 'BTC/USDT', orderBook: { bids: deep } }, BODY).then(
      () => null,
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(BadRequestException);
    expect((error as BadRequestException).getResponse()).toMatchObject({
      errors: [
        {
          field: expect.stringMatching(/^orderBook\.bids(\[0\])+$/) as unknown,
          message: 'is nested deeper than 32 levels',
        },
      ],
    });
  });
});
