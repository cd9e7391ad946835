import { describe, expect, it } from '@jest/globals';
import { OmitType } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import {
  AnalyzeRequestDto,
  type FieldIssue,
  IndicatorsRequestDto,
  SubscriptionDto,
} from '@app/contracts/dto';
// By path: the @app/testing barrel also loads mongoose and the fake exchange (about 1 s a suite).
import {
  candleFactory,
  derivativesFactory,
  FACTORY_EPOCH,
  orderBookFactory,
  tradeFactory,
} from '../../testing/src/factories/index.js';
import { flattenValidationErrors, type ValidationErrorLike } from './field-issues.js';

type Dto = new () => object;

/** What the gateway's ValidationPipe and the socket pipe run: real class-validator errors. */
function issuesOf(dto: Dto, body: object, prefix?: string): FieldIssue[] {
  const errors = validateSync(plainToInstance(dto, body), { whitelist: true, forbidNonWhitelisted: true });
  return flattenValidationErrors(errors, prefix);
}

/** 2021-02-19 00:00 UTC, where the factories' lists start. */
const T0 = FACTORY_EPOCH;

/** What the gateway's CandleBodyPipe validates of a POST analyze body: all but the candles. */
const AnalyzeRestDto = OmitType(AnalyzeRequestDto, ['candles']);
const VALID = { symbol: 'BTC/USDT' };

describe('flattenValidationErrors on the REST DTOs', () => {
  it('finds nothing in a valid body (with every optional part)', () => {
    expect(
      issuesOf(AnalyzeRestDto, {
        ...VALID,
        exchange: 'binance',
        orderBook: orderBookFactory.build({ timestamp: T0 }),
        trades: [tradeFactory.build({ timestamp: T0, price: 100.5, size: 0.1 })],
        derivatives: [
          derivativesFactory.build({
            timestamp: T0,
            fundingRate: -0.0001,
            liquidations: { long: 0, short: 3 },
          }),
        ],
        store: false,
      }),
    ).toEqual([]);
  });

  it('names a nested field by its full path: orderBook.bids[0].price', () => {
    expect(
      issuesOf(AnalyzeRestDto, {
        ...VALID,
        orderBook: {
          timestamp: T0,
          bids: [
            { price: 100, size: 1 },
            { price: -1, size: 1 },
          ],
          asks: [],
        },
      }),
    ).toEqual([{ field: 'orderBook.bids[1].price', message: 'must be a positive number' }]);
  });

  it('walks arrays of objects and objects inside them: derivatives[1].liquidations.long', () => {
    expect(
      issuesOf(AnalyzeRestDto, {
        ...VALID,
        derivatives: [{ timestamp: T0 }, { timestamp: T0, liquidations: { long: -1, short: 0 } }],
      }),
    ).toEqual([{ field: 'derivatives[1].liquidations.long', message: 'must not be less than 0' }]);
  });

  it('reports an unknown property as "property should not exist" at its path, at any depth', () => {
    expect(
      issuesOf(AnalyzeRestDto, {
        ...VALID,
        debug: true,
        orderBook: { timestamp: T0, depth: 10, bids: [{ price: 100, size: 1, orders: 3 }], asks: [] },
      }),
    ).toEqual([
      { field: 'debug', message: 'property should not exist' },
      { field: 'orderBook.depth', message: 'property should not exist' },
      { field: 'orderBook.bids[0].orders', message: 'property should not exist' },
    ]);
  });

  it("drops class-validator's leading property name and keeps custom messages whole", () => {
    expect(
      issuesOf(AnalyzeRestDto, {
        ...VALID,
        symbol: 'btc',
        store: 'yes',
        trades: [{ timestamp: 1.5, price: 1, size: 1, side: 'up' }],
      }),
    ).toEqual([
      { field: 'symbol', message: 'must be a symbol like BTC/USDT (or BTC-USDT)' },
      { field: 'trades[0].timestamp', message: 'must be an integer number' },
      { field: 'trades[0].side', message: 'must be one of the following values: buy, sell' },
      { field: 'store', message: 'must be a boolean value' },
    ]);
  });

  it('gives every failed constraint of one field its own issue', () => {
    const issues = issuesOf(AnalyzeRestDto, { ...VALID, trades: 'many' });
    expect(issues.map((issue) => issue.field)).toEqual(issues.map(() => 'trades'));
    expect(issues.map((issue) => issue.message)).toEqual(
      expect.arrayContaining(['must be an array', 'must contain no more than 10000 elements']),
    );
  });

  it('names a required field that is missing', () => {
    expect(issuesOf(AnalyzeRestDto, {})).toEqual([
      { field: 'symbol', message: 'must be a symbol like BTC/USDT (or BTC-USDT)' },
    ]);
  });

  // Its candles have no rule (CandleBodyPipe checks them apart), and every instance holds the
  // property: validated whole (a plain `@Body()`), the DTO refuses any body instead of letting
  // candles through unchecked.
  it('refuses any body validated against the whole DTO, naming the candles', () => {
    const candles = candleFactory.buildList(2, { timestamp: T0 });
    for (const body of [VALID, { ...VALID, candles: { '1m': candles } }])
      expect(issuesOf(AnalyzeRequestDto, body)).toEqual([
        { field: 'candles', message: 'property should not exist' },
      ]);
    expect(issuesOf(IndicatorsRequestDto, { candles })).toEqual([
      { field: 'candles', message: 'property should not exist' },
    ]);
  });

  it('names an array element that is not an object: trades[0]', () => {
    expect(issuesOf(AnalyzeRestDto, { ...VALID, trades: [null] })).toEqual([
      { field: 'trades[0]', message: 'each value in nested property trades must be either object or array' },
    ]);
  });

  it('puts every path under a prefix when given one', () => {
    expect(
      issuesOf(
        AnalyzeRestDto,
        {
          symbol: 'btc',
          orderBook: { timestamp: T0, bids: [{ price: 0, size: 1 }], asks: [] },
        },
        'body',
      ),
    ).toEqual([
      { field: 'body.symbol', message: 'must be a symbol like BTC/USDT (or BTC-USDT)' },
      { field: 'body.orderBook.bids[0].price', message: 'must be a positive number' },
    ]);
  });

  it('validates Socket.IO subscriptions alike', () => {
    expect(
      issuesOf(SubscriptionDto, { exchange: 'Binance', symbol: 'BTC/USDT', timeframe: '2m', room: 'x' }),
    ).toEqual([
      { field: 'room', message: 'property should not exist' },
      { field: 'exchange', message: 'must be a ccxt exchange id like binance' },
      {
        field: 'timeframe',
        message:
          'must be one of the following values: 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, 3d, 1w, 1M',
      },
    ]);
  });

  // `@IsOptional()` alone lets null through, and the engine would then read `null.timestamp` /
  // `null.length` / `null.long`: a client's null must be a 400, never a 500.
  it('refuses null where an optional object or array is expected', () => {
    const fields = (body: object): string[] => issuesOf(AnalyzeRestDto, body).map((issue) => issue.field);
    expect(fields({ ...VALID, orderBook: null })).toContain('orderBook');
    expect(fields({ ...VALID, trades: null })).toContain('trades');
    expect(fields({ ...VALID, derivatives: [{ timestamp: T0, liquidations: null }] })).toContain(
      'derivatives[0].liquidations',
    );
  });
});

describe('flattenValidationErrors on hand-made error trees', () => {
  it('reads errors without constraints or children as nothing', () => {
    const errors: ValidationErrorLike[] = [
      { property: 'a' },
      { property: 'b', constraints: {}, children: [] },
    ];
    expect(flattenValidationErrors(errors)).toEqual([]);
  });

  it('writes numeric properties as indexes and others as dotted names', () => {
    const errors: ValidationErrorLike[] = [
      {
        property: 'rows',
        children: [
          {
            property: '12',
            children: [{ property: 'cell', constraints: { isInt: 'cell must be an integer' } }],
          },
        ],
      },
    ];
    expect(flattenValidationErrors(errors)).toEqual([
      { field: 'rows[12].cell', message: 'must be an integer' },
    ]);
  });

  it('strips the property name only as the first word of a message', () => {
    const errors: ValidationErrorLike[] = [
      {
        property: 'size',
        constraints: { a: 'sizeable is wrong', b: 'the size is wrong', c: 'size is wrong' },
      },
    ];
    expect(flattenValidationErrors(errors)).toEqual([
      { field: 'size', message: 'sizeable is wrong' },
      { field: 'size', message: 'the size is wrong' },
      { field: 'size', message: 'is wrong' },
    ]);
  });
});
