import { type ArgumentMetadata, BadRequestException, ValidationPipe } from '@nestjs/common';
import { flattenValidationErrors, MAX_JSON_DEPTH, tooDeepAt, type ValidationErrorLike } from '@app/gateway';

/** Validated path parameters and query strings remembered, by DTO and raw text. */
const MAX_REMEMBERED = 1000;

function flatStrings(value: unknown): value is Readonly<Record<string, string>> {
  if (typeof value !== 'object' || value === null) return false;
  return Object.values(value).every((item) => typeof item === 'string');
}

/**
 * The ValidationPipe with two additions. Input nested past MAX_JSON_DEPTH is refused before
 * class-transformer recurses into it. And a path or query that passed once is not transformed
 * and validated again: the same few `GET latest` URLs come thousands of times a second, and the
 * DTOs are read-only, so the validated instance is reused (bounded; failures are not kept).
 */
class GatewayValidationPipe extends ValidationPipe {
  readonly #passed = new Map<string, unknown>();

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const memo =
      (metadata.type === 'param' || metadata.type === 'query') &&
      metadata.metatype !== undefined &&
      flatStrings(value)
        ? `${metadata.type}:${metadata.metatype.name}:${JSON.stringify(value)}`
        : null;
    // Checked first: a remembered path or query (flat strings) cannot be nested too deep.
    if (memo !== null && this.#passed.has(memo)) return this.#passed.get(memo);
    // Only what a DTO will transform: class-transformer's recursion is what overflows. An untyped
    // argument (a Socket.IO payload) is left to its handler, which answers in its acknowledgement.
    const path = this.toValidate(metadata) ? tooDeepAt(value) : null;
    if (path !== null)
      throw new BadRequestException({
        message: `invalid input: ${path}`,
        errors: [{ field: path, message: `is nested deeper than ${MAX_JSON_DEPTH} levels` }],
      });
    const transformed: unknown = await super.transform(value, metadata);
    if (memo !== null) {
      if (this.#passed.size >= MAX_REMEMBERED) this.#passed.clear();
      this.#passed.set(memo, transformed);
    }
    return transformed;
  }
}

/**
 * Every DTO: unknown properties refused (`forbidNonWhitelisted`), query strings converted to
 * their types, and a 400 that lists every offending field with its path.
 */
export function createValidationPipe(): ValidationPipe {
  return new GatewayValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    // A body that is an array, a string or null is a 400, not a crash in a handler.
    forbidUnknownValues: true,
    stopAtFirstError: false,
    validationError: { target: false, value: false },
    exceptionFactory: (errors: ValidationErrorLike[]) => {
      const issues = flattenValidationErrors(errors);
      return new BadRequestException({
        message: `invalid input: ${issues
          .slice(0, 3)
          .map((issue) => issue.field)
          .join(', ')}${issues.length > 3 ? ', …' : ''}`,
        errors: issues,
      });
    },
  });
}
