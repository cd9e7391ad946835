import { describe, expect, it } from '@jest/globals';
import { BadRequestException, type ArgumentMetadata } from '@nestjs/common';
import {
  AnalyzeRequestDto,
  BookLevelDto,
  IndicatorsRequestDto,
  LatestQueryDto,
  MarketParamsDto,
  OrderBookDto,
  plainFieldsOf,
} from '@app/contracts/dto';
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

  it('hands candle series over as parsed, and still refuses what is wrong in them and around them', async () => {
    const pipe = createValidationPipe();
    const candles = [
      { timestamp: 60_000, open: 10, high: 12, low: 9, close: 11, volume: 3 },
      { timestamp: 120_000, open: 11, high: 13, low: 10, close: 12, volume: 4 },
    ];
    const body = {
      symbol: 'BTC/USDT',
      candles: { '1m': candles },
      orderBook: { timestamp: 1, bids: [{ price: 10, size: 1 }], asks: [{ price: 11, size: 2 }] },
    };
    const dto = (await pipe.transform(body, BODY)) as AnalyzeRequestDto;

    expect(plainFieldsOf(AnalyzeRequestDto)).toEqual(['candles']);
    expect(plainFieldsOf(IndicatorsRequestDto)).toEqual(['candles']);
    expect(dto).toBeInstanceOf(AnalyzeRequestDto);
    // Not copied: the very arrays the JSON parser built.
    expect(dto.candles['1m']).toBe(candles);
    // The rest still goes through class-transformer into its classes.
    expect(dto.orderBook).toBeInstanceOf(OrderBookDto);
    expect(dto.orderBook?.bids[0]).toBeInstanceOf(BookLevelDto);

    const bad = {
      symbol: 'BTC/USDT',
      extra: 1,
      candles: {
        '1m': [
          { ...candles[0], constructor: 1 },
          { ...candles[1], high: 1 },
        ],
      },
    };
    const error = await pipe.transform(bad, BODY).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(BadRequestException);
    expect((error as BadRequestException).getResponse()).toMatchObject({
      errors: expect.arrayContaining([
        { field: 'extra', message: 'property should not exist' },
        { field: 'candles.1m[0].constructor', message: 'property should not exist' },
        { field: 'candles.1m[1].high', message: 'must be ≥ max(open, close)' },
      ]) as unknown,
    });
  });
});
