import { describe, expect, it } from '@jest/globals';
import { OmitType } from '@nestjs/swagger';
import { plainToInstance, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsOptional,
  ValidateIf,
  ValidateNested,
  validateSync,
  type ValidationError,
} from 'class-validator';
import { type ArrayBounds, arrayBoundsOf, compileArraySizeCheck } from './array-sizes.js';
import { AnalyzeRequestDto, MAX_BOOK_LEVELS, MAX_TRADES, TradeDto } from './rest/rest-dtos.js';

const TRADE = { timestamp: 1_613_692_800_000, price: 100, size: 1, side: 'buy' };
const LEVEL = { price: 100, size: 1 };

/** An array of `length` elements that counts every read of one (a class-transformer copy reads all). */
function watchedArray(length: number, element: object): { array: unknown[]; reads: () => number } {
  let reads = 0;
  const array = new Proxy(new Array<unknown>(length).fill(element), {
    get(target, key, receiver) {
      if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  return { array, reads: () => reads };
}

/** class-validator's own `arrayMaxSize` message for `property` of `payload`, less the property name. */
function classValidatorMessage(cls: new () => object, payload: object, property: string): string | undefined {
  const find = (errors: readonly ValidationError[]): string | undefined => {
    for (const error of errors) {
      const message = error.constraints?.arrayMaxSize;
      if (error.property === property && message !== undefined) return message.slice(property.length + 1);
      const nested = find(error.children ?? []);
      if (nested !== undefined) return nested;
    }
    return undefined;
  };
  return find(validateSync(plainToInstance(cls, payload)));
}

describe('compileArraySizeCheck', () => {
  const analyze = compileArraySizeCheck(OmitType(AnalyzeRequestDto, ['candles']));

  it('names an array past its @ArrayMaxSize as class-validator does, without reading an element', () => {
    const { array, reads } = watchedArray(3 * MAX_TRADES, TRADE);
    const issues = analyze?.({ symbol: 'BTC/USDT', trades: array });

    expect(issues).toEqual([
      { field: 'trades', message: `must contain no more than ${MAX_TRADES} elements` },
    ]);
    expect(reads()).toBe(0);
    expect(
      classValidatorMessage(AnalyzeRequestDto, { trades: new Array(MAX_TRADES + 1).fill(TRADE) }, 'trades'),
    ).toBe(issues?.[0]?.message);
  });

  it('finds bounds in nested classes, with their paths, and passes arrays at their bound', () => {
    const bids = new Array(MAX_BOOK_LEVELS + 1).fill(LEVEL);
    const asks = new Array(MAX_BOOK_LEVELS).fill(LEVEL);

    expect(
      analyze?.({ orderBook: { timestamp: 1, bids, asks }, trades: new Array(MAX_TRADES).fill(TRADE) }),
    ).toEqual([
      { field: 'orderBook.bids', message: `must contain no more than ${MAX_BOOK_LEVELS} elements` },
    ]);
    expect(analyze?.({ orderBook: { timestamp: 1, bids: asks, asks }, derivatives: [] })).toEqual([]);
  });

  it('leaves everything else to the ValidationPipe: wrong types, absent fields, non-objects', () => {
    expect(analyze?.({ trades: 'many', orderBook: [1, 2], derivatives: null })).toEqual([]);
    expect(analyze?.(null)).toEqual([]);
    expect(analyze?.([new Array(MAX_TRADES + 1).fill(TRADE)])).toEqual([]);
  });

  it('compiles to null for a class with no bounded array anywhere in it', () => {
    expect(compileArraySizeCheck(TradeDto)).toBeNull();
  });

  it('applies a bound only where its conditions hold, and the tighter of two bounds', () => {
    class Conditional {
      @ValidateIf((object: { kind?: string }) => object.kind === 'list')
      @IsArray()
      @ArrayMaxSize(3)
      @ArrayMaxSize(2, { message: '$property: $constraint1 at most' })
      readonly items?: number[];
      readonly kind?: string;
    }
    const check = compileArraySizeCheck(Conditional);

    expect(check?.({ kind: 'other', items: [1, 2, 3, 4] })).toEqual([]);
    expect(check?.({ kind: 'list', items: [1, 2, 3] })).toEqual([
      { field: 'items', message: 'items: 2 at most' },
    ]);
  });
});

/** A bounds tree as plain data: `{ max, properties }` down to every leaf, messages left out. */
function shape(bounds: ArrayBounds | null): unknown {
  if (bounds === null) return null;
  return {
    max: bounds.max,
    properties: Object.fromEntries([...bounds.properties].map(([name, child]) => [name, shape(child)])),
  };
}

describe('arrayBoundsOf', () => {
  it("gives the tree of the analysis body's bounds, nested classes included, with the check's messages", () => {
    const bounds = arrayBoundsOf(AnalyzeRequestDto);

    expect(shape(bounds)).toEqual({
      max: null,
      properties: {
        orderBook: {
          max: null,
          properties: {
            bids: { max: MAX_BOOK_LEVELS, properties: {} },
            asks: { max: MAX_BOOK_LEVELS, properties: {} },
          },
        },
        trades: { max: MAX_TRADES, properties: {} },
        derivatives: { max: 1000, properties: {} },
      },
    });
    expect(bounds?.properties.get('trades')?.message).toBe(
      `must contain no more than ${MAX_TRADES} elements`,
    );
    expect(arrayBoundsOf(TradeDto)).toBeNull();
  });

  it('keeps a bound whose conditions hold for any array value, and leaves the others to the parsed check', () => {
    class Leaf {
      @ArrayMaxSize(2) readonly tags?: string[];
    }
    class Conditions {
      @ValidateIf((_object: object, value: unknown) => value !== undefined)
      @ArrayMaxSize(3)
      readonly absentOrValid?: number[];
      @IsOptional() @ArrayMaxSize(4) readonly optional?: number[];
      @ValidateIf((object: { kind?: string }) => object.kind === 'list')
      @ArrayMaxSize(5)
      readonly byKind?: number[];
      @ValidateIf((_object: object, value: unknown) => Array.isArray(value) && value.length > 0)
      @ArrayMaxSize(6)
      readonly byContents?: number[];
      @ValidateNested({ each: true }) @Type(() => Leaf) readonly leaves?: Leaf[];
    }

    expect(shape(arrayBoundsOf(Conditions))).toEqual({
      max: null,
      properties: {
        absentOrValid: { max: 3, properties: {} },
        optional: { max: 4, properties: {} },
        leaves: { max: null, properties: { tags: { max: 2, properties: {} } } },
      },
    });
  });

  it('follows a class nested in itself down to where it recurs', () => {
    class Tree {
      @ArrayMaxSize(2) readonly labels?: string[];
      @ValidateNested({ each: true }) @Type(() => Tree) readonly children?: Tree[];
    }

    expect(shape(arrayBoundsOf(Tree))).toEqual({
      max: null,
      properties: { labels: { max: 2, properties: {} } },
    });
  });
});
