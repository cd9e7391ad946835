import { describe, expect, it } from '@jest/globals';
import { OmitType } from '@nestjs/swagger';
import {
  HistoryQueryDto,
  IndicatorsRequestDto,
  LatestQueryDto,
  ManyQueryDto,
  MarketParamsDto,
  SignalsQueryDto,
} from '@app/contracts/dto';
import { WeightsQueryDto } from '../rest/catalog.controller.js';
import { InputError } from '@app/contracts';
import { createValidationPipe } from './validation.js';

/**
 * The gateway's pipe (the compiled check in front of Nest's ValidationPipe) against the
 * ValidationPipe it wraps, on the gateway's path, query and body DTOs: a valid request, and every
 * property of it replaced by each edge value, removed, or joined by an unknown one. Both must
 * give the same answer: strictly equal instances, or the same 400.
 */

type Dto = new () => object;

const VALID: readonly (readonly [string, Dto, Readonly<Record<string, unknown>>])[] = [
  ['path', MarketParamsDto, { exchange: 'binance', symbol: 'BTC-USDT' }],
  ['latest query', LatestQueryDto, { timeframe: '1m' }],
  [
    'history query',
    HistoryQueryDto,
    { timeframe: '5m', from: '60000', to: '120000', limit: '20', cursor: 'c' },
  ],
  ['many query', ManyQueryDto, { markets: 'binance:BTC-USDT:1m,binance:LTC/USDT' }],
  ['signals query', SignalsQueryDto, { exchange: 'binance', symbol: 'BTC/USDT', since: '0', limit: '1000' }],
  ['weights query', WeightsQueryDto, { symbol: 'BTC-USDT' }],
  ['indicators body less candles', OmitType(IndicatorsRequestDto, ['candles']), { timeframe: '1h' }],
];

const EDGE_VALUES: readonly unknown[] = [
  undefined,
  null,
  '',
  'x',
  ' 1m',
  '7m',
  '1M',
  'Binance',
  'btc-usdt',
  'BTC/USDT:USDT',
  'BTC--USDT',
  '-1',
  '0',
  '1.5',
  '1001',
  '1e3',
  'NaN',
  'a'.repeat(201),
  '😀',
  ',',
  0,
  5,
  true,
  [],
  ['1m'],
  {},
  { timeframe: '1m' },
];

/** The request and its variations: each property replaced, removed, and an unknown one added. */
function variations(valid: Readonly<Record<string, unknown>>): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [{ ...valid }, {}, { ...valid, extra: '1' }];
  for (const key of Object.keys(valid)) {
    const { [key]: _removed, ...rest } = valid;
    out.push(rest);
    for (const value of EDGE_VALUES) out.push({ ...valid, [key]: value });
  }
  return out;
}

/** A path or query object as Fastify makes it: its prototype is not Object.prototype. */
function fastifyLike(request: Readonly<Record<string, unknown>>): object {
  return Object.assign(Object.create(Object.create(null) as object) as object, request);
}

type Outcome =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

async function outcome(call: () => unknown): Promise<Outcome> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    return {
      ok: false,
      error: error instanceof InputError ? { message: error.message, errors: error.issues } : error,
    };
  }
}

/** Where each DTO of VALID comes from. */
const typeOf = (name: string): 'param' | 'body' | 'query' =>
  name === 'path' ? 'param' : name.includes('body') ? 'body' : 'query';

describe('CompiledValidationPipe', () => {
  it.each(VALID)('answers as the ValidationPipe it wraps: %s', async (name, dto, valid) => {
    const pipe = createValidationPipe();
    const metadata = { type: typeOf(name), metatype: dto };
    let shortcuts = 0;
    for (const request of variations(valid)) {
      const answer = pipe.transform(fastifyLike(request), metadata);
      // Not a promise: the compiled check answered without the ValidationPipe.
      if (!(answer instanceof Promise)) shortcuts++;
      const ours = await outcome(() => answer);
      const nest = await outcome(() => pipe.validation.transform({ ...request }, metadata));
      expect([request, ours]).toStrictEqual([request, nest]);
    }
    // The valid request itself took the check: the DTO compiles.
    expect(shortcuts).toBeGreaterThan(0);
  });

  it('passes what the check is not certain of to the ValidationPipe, which words the 400', async () => {
    const pipe = createValidationPipe();
    const metadata = { type: 'param', metatype: MarketParamsDto } as const;

    expect(pipe.transform(fastifyLike({ exchange: 'binance', symbol: 'BTC-USDT' }), metadata)).toBeInstanceOf(
      MarketParamsDto,
    );
    const refused = pipe.transform({ exchange: 'Binance', symbol: 'BTC-USDT' }, metadata);
    expect(refused).toBeInstanceOf(Promise);
    expect(await outcome(() => refused)).toEqual({
      ok: false,
      error: {
        message: 'invalid input: exchange',
        errors: [{ field: 'exchange', message: 'must be a ccxt exchange id like binance' }],
      },
    });
  });
});
