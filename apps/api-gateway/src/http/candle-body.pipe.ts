import { createParamDecorator, type ExecutionContext, type PipeTransform, type Type } from '@nestjs/common';
import { OmitType } from '@nestjs/swagger';
import { type FieldIssue, InputError } from '@app/contracts';
import { type CandleBodyRules, isPlainRecord } from '@app/contracts/dto';
import { tooDeepAt } from '@app/gateway';
import type { HttpRequest } from './http-types.js';
import { createValidationPipe, tooDeepInput } from './validation.js';

/**
 * A body that carries candles (POST analyze, POST indicators), validated whole into one 400 that
 * names every offending field, around the candles and in them. The candle property is taken out
 * and checked by hand as parsed (`rules.issues`); the rest goes through the gateway's
 * ValidationPipe (same options, same 400), and the DTO gets the candles as the JSON parser built
 * them: class-transformer copying every candle object made a 500-candle POST analyze cost
 * 4,657 µs in-process instead of 2,256.
 */
export class CandleBodyPipe<T extends object> implements PipeTransform<unknown, Promise<T>> {
  readonly #validation = createValidationPipe();
  /**
   * The DTO less its candle property, with the DTO's rules. Not the DTO itself: every instance
   * of it holds the property (class fields are defined, as undefined), which has no rule, so the
   * ValidationPipe's whitelist would refuse it.
   */
  readonly #rest: Type<unknown>;

  constructor(private readonly rules: CandleBodyRules<T>) {
    this.#rest = OmitType(rules.dto, [rules.field]);
  }

  async transform(value: unknown): Promise<T> {
    const { dto, field } = this.rules;
    const body = isPlainRecord(value) ? value : {};
    const { [field]: candles, ...rest } = body;
    // Not an object (null, an array, a string): the ValidationPipe refuses it as any other body,
    // and the candles are missing.
    const input: unknown = body === value ? rest : value;
    // What class-transformer will recurse into; the candle checks read fixed fields, never deeper.
    // Checked here too, so the pipe is safe without installJsonDepthLimit (a spec, another edge).
    const deep = tooDeepAt(input);
    if (deep !== null) throw tooDeepInput(deep);
    let checked: unknown = null;
    let issues: readonly FieldIssue[] = [];
    try {
      checked = await this.#validation.transform(input, { type: 'body', metatype: this.#rest });
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      issues = error.issues;
    }
    const candleIssues = this.rules.issues(candles, body);
    if (checked === null || candleIssues.length > 0) throw new InputError([...issues, ...candleIssues]);
    return Object.assign(new dto(), checked, { [field]: candles });
  }
}

/**
 * The request body, as parsed. A custom parameter: the global ValidationPipe leaves those alone
 * (`validateCustomDecorators` is off), so the body is validated once, by the pipe given with it.
 */
const ParsedBody = createParamDecorator(
  (_data: unknown, context: ExecutionContext): unknown =>
    context.switchToHttp().getRequest<HttpRequest>().body,
);

/**
 * The body of a route that takes candles, validated by a CandleBodyPipe with `rules`. The body is
 * no `@Body()` to Swagger: pair it with `@ApiBody({ type: <the DTO> })`.
 */
export function CandleBody<T extends object>(rules: CandleBodyRules<T>): ParameterDecorator {
  return ParsedBody(undefined, new CandleBodyPipe(rules));
}
