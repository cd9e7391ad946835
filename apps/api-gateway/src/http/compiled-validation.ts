import type { ArgumentMetadata, PipeTransform, ValidationPipe } from '@nestjs/common';
import { InputError } from '@app/contracts';
import {
  type ArraySizeCheck,
  compileArraySizeCheck,
  compileFastCheck,
  type FastCheck,
} from '@app/contracts/dto';

/** A DTO's compiled checks; null where its class has none (see each compiler). */
interface Compiled {
  readonly check: FastCheck | null;
  readonly sizes: ArraySizeCheck | null;
}

/** What Nest's ValidationPipe leaves alone (its `toValidate`): no class, or a built-in type. */
const NOT_VALIDATED: readonly unknown[] = [String, Boolean, Number, Array, Object, Buffer, Date];

/**
 * Nest's ValidationPipe, with the compiled check of ADR 0009 in front of it. The check is built
 * from a DTO's own decorators and answers only for input it is certain the ValidationPipe accepts,
 * with the instance class-transformer would build (under the whitelist, unknown properties
 * refused, no groups: the gateway's options); that instance is the answer, synchronously. Any
 * other input (every invalid one, any DTO with a rule the check does not mirror) goes to the
 * ValidationPipe, which decides and words every issue. No cache: each request is checked.
 * Before the ValidationPipe, the arrays' sizes: input with an array past its `@ArrayMaxSize` is
 * a 400 naming those arrays alone, before class-transformer copies (and class-validator checks)
 * every element of it.
 *
 * Why: `GET latest` validates its path and query DTOs on every request. Through the
 * ValidationPipe alone that cost 111 µs of CPU per request in `npm run bench:gateway` where the
 * old memo of validated DTOs cost 67; the ValidationPipe with the check as its class-transformer
 * and class-validator packages still cost 81 (its own steps: copies, walks, awaits).
 */
export class CompiledValidationPipe implements PipeTransform {
  /** One compilation per class: a DTO, or a DTO less its candles (CandleBodyPipe). */
  readonly #checks = new Map<unknown, Compiled>();

  constructor(readonly validation: ValidationPipe) {}

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const compiled = metadata.type === 'custom' ? null : this.#compiledOf(metadata.metatype);
    if (compiled?.check != null && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      // A copy: Fastify's path and query objects have a prototype the check does not take as plain.
      const built = compiled.check({ ...value });
      if (built !== null) return built;
    }
    // Oversized arrays are refused before class-transformer copies each element (array-sizes.ts).
    const oversized = compiled?.sizes?.(value) ?? [];
    if (oversized.length > 0) throw new InputError(oversized);
    return this.validation.transform(value, metadata);
  }

  #compiledOf(type: unknown): Compiled | null {
    if (typeof type !== 'function' || NOT_VALIDATED.includes(type)) return null;
    let compiled = this.#checks.get(type);
    if (compiled === undefined) {
      const cls = type as new () => object;
      compiled = { check: compileFastCheck(cls), sizes: compileArraySizeCheck(cls) };
      this.#checks.set(type, compiled);
    }
    return compiled;
  }
}
