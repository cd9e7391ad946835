import { describe, expect, it } from '@jest/globals';
import { InputError } from '@app/contracts';
import {
  ANALYZE_CANDLES,
  AnalyzeRequestDto,
  BookLevelDto,
  INDICATOR_CANDLES,
  IndicatorsRequestDto,
  MAX_TRADES,
  OrderBookDto,
  TradeDto,
} from '@app/contracts/dto';
// By path: the @app/testing barrel also loads mongoose and the fake exchange (about 1 s a suite).
import { candleFactory, FACTORY_EPOCH } from '../../../../libs/testing/src/factories/index.js';
import { CandleBodyPipe } from './candle-body.pipe.js';

const T0 = FACTORY_EPOCH;
const analyzePipe = new CandleBodyPipe(ANALYZE_CANDLES);
const indicatorsPipe = new CandleBodyPipe(INDICATOR_CANDLES);

/** The 400 a call threw; fails the test when it resolved or threw anything else. */
async function refusal(call: Promise<unknown>): Promise<{ message: string; errors: unknown[] }> {
  const error = await call.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(InputError);
  const { message, issues } = error as InputError;
  return { message, errors: [...issues] };
}

describe('CandleBodyPipe on POST analyze bodies', () => {
  it('answers the DTO with the candles as parsed (not copied) and the rest as its classes', async () => {
    const candles = { '1m': candleFactory.buildList(3, { timestamp: T0 }) };
    const body = {
      symbol: 'BTC/USDT',
      candles,
      orderBook: { timestamp: T0, bids: [{ price: 10, size: 1 }], asks: [{ price: 11, size: 2 }] },
      trades: [{ timestamp: T0, price: 10.5, size: 0.1, side: 'buy' }],
    };

    const dto = await analyzePipe.transform(body);

    expect(dto).toBeInstanceOf(AnalyzeRequestDto);
    // The very object the JSON parser built, down to each candle.
    expect(dto.candles).toBe(candles);
    expect(dto.candles['1m']?.[0]).toBe(candles['1m'][0]);
    expect(dto.orderBook).toBeInstanceOf(OrderBookDto);
    expect(dto.orderBook?.bids[0]).toBeInstanceOf(BookLevelDto);
    expect(dto.trades?.[0]).toBeInstanceOf(TradeDto);
    expect(dto).toEqual(body);
  });

  it('lists the issues around the candles and in them in one 400', async () => {
    const candles = candleFactory.buildList(3, { timestamp: T0 });
    const response = await refusal(
      analyzePipe.transform({
        symbol: 'btc usdt',
        foo: 1,
        store: 'yes',
        orderBook: { timestamp: T0, depth: 3, bids: [{ price: -1, size: 1 }], asks: [] },
        candles: {
          '1m': [
            candles[0],
            { ...candles[1], close: (candles[1]?.high ?? 0) + 1 },
            { ...candles[2], trades: 12 },
          ],
          '7m': [],
        },
      }),
    );

    expect(response).toEqual({
      message: 'invalid input: foo, symbol, orderBook.depth, …',
      errors: [
        { field: 'foo', message: 'property should not exist' },
        { field: 'symbol', message: 'must be a symbol like BTC/USDT (or BTC-USDT)' },
        { field: 'orderBook.depth', message: 'property should not exist' },
        { field: 'orderBook.bids[0].price', message: 'must be a positive number' },
        { field: 'store', message: 'must be a boolean value' },
        { field: 'candles.1m[1].high', message: 'must be ≥ max(open, close)' },
        { field: 'candles.1m[2].trades', message: 'property should not exist' },
        { field: 'candles.7m', message: 'is not a known timeframe (1m, 5m, 1h, …)' },
      ],
    });
  });

  it('lists the candle issues alone when the rest is valid, with odd property names whole', async () => {
    const response = await refusal(
      analyzePipe.transform({
        symbol: 'BTC/USDT',
        candles: { 'x: y': [], '1m': [candleFactory.raw({ timestamp: T0, 'a\nb': 1, constructor: 1 })] },
      }),
    );

    expect(response.errors).toEqual([
      { field: 'candles.x: y', message: 'is not a known timeframe (1m, 5m, 1h, …)' },
      { field: 'candles.1m[0].a\nb', message: 'property should not exist' },
      { field: 'candles.1m[0].constructor', message: 'property should not exist' },
    ]);
  });

  it('refuses a body nested too deep, naming the path, before class-transformer', async () => {
    let deep: unknown = 1;
    for (let level = 0; level < 5000; level++) deep = [deep];
    const response = await refusal(
      analyzePipe.transform({ symbol: 'BTC/USDT', candles: {}, orderBook: { timestamp: T0, bids: deep } }),
    );

    const path = `orderBook.bids${'[0]'.repeat(30)}`;
    expect(response).toEqual({
      message: `invalid input: ${path}`,
      errors: [{ field: path, message: 'is nested deeper than 32 levels' }],
    });
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['an array', [{ symbol: 'BTC/USDT' }]],
    ['a string', 'BTC/USDT'],
  ])('refuses a body that is %s, candles missing', async (_case, body) => {
    const response = await refusal(analyzePipe.transform(body));

    expect(response.errors).toContainEqual({
      field: 'candles',
      message: 'must be an object of timeframe → candles',
    });
  });

  it('refuses trades past their bound before class-transformer copies them, with the candle issues', async () => {
    const trades = new Array<unknown>(3 * MAX_TRADES).fill({ side: 'up' });

    const response = await refusal(
      analyzePipe.transform({ symbol: 'BTC/USDT', candles: { '1m': [] }, trades }),
    );

    // Each trade is invalid too: copied and validated, every one would be named.
    expect(response.errors).toEqual([
      { field: 'trades', message: `must contain no more than ${MAX_TRADES} elements` },
      { field: 'candles.1m', message: 'must hold at least one candle' },
    ]);
  });

  it("drops __proto__ keys as Nest's ValidationPipe does, and leaves no prototype changed", async () => {
    const body = JSON.parse(
      `{"symbol":"BTC/USDT","__proto__":{"polluted":true},"candles":${JSON.stringify({
        '1m': candleFactory.buildList(1, { timestamp: T0 }),
      })}}`,
    ) as object;

    const dto = await analyzePipe.transform(body);

    expect(Object.getPrototypeOf(dto)).toBe(AnalyzeRequestDto.prototype);
    expect(Object.hasOwn(dto, '__proto__')).toBe(false);
    expect(dto).toEqual({ symbol: 'BTC/USDT', candles: (body as { candles: unknown }).candles });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('CandleBodyPipe on POST indicators bodies', () => {
  const candles = candleFactory.buildList(3, { timestamp: T0 });
  const shifted = candles.map((candle, i) =>
    i === 1 ? { ...candle, timestamp: candle.timestamp + 30_000 } : candle,
  );

  it("aligns the candles to the body's timeframe, and only when it is one", async () => {
    const aligned = await indicatorsPipe.transform({ candles, timeframe: '1m' });
    const free = await indicatorsPipe.transform({ candles: shifted });

    expect(aligned).toBeInstanceOf(IndicatorsRequestDto);
    expect(aligned.candles).toBe(candles);
    expect(aligned.timeframe).toBe('1m');
    expect(free.candles).toBe(shifted);
    expect((await refusal(indicatorsPipe.transform({ candles: shifted, timeframe: '1m' }))).errors).toEqual([
      { field: 'candles[1].timestamp', message: 'must be a 1m candle open time (UTC)' },
    ]);
    expect((await refusal(indicatorsPipe.transform({ candles: shifted, timeframe: '7m' }))).errors).toEqual([
      {
        field: 'timeframe',
        message:
          'must be one of the following values: 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, 3d, 1w, 1M',
      },
    ]);
  });

  it('names missing candles and an unknown property together', async () => {
    expect((await refusal(indicatorsPipe.transform({ timeframe: '1m', limit: 5 }))).errors).toEqual([
      { field: 'limit', message: 'property should not exist' },
      { field: 'candles', message: 'must be an array of candles' },
    ]);
  });
});
