import { type ArgumentMetadata, BadRequestException, ValidationPipe } from '@nestjs/common';
import { flattenValidationErrors, MAX_JSON_DEPTH, tooDeepAt, type ValidationErrorLike } from '@app/gateway';

/** Refuses input nested past MAX_JSON_DEPTH before class-transformer recurses into it. */
class DepthCheckedValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const path = tooDeepAt(value);
    if (path !== null)
      throw new BadRequestException({
        message: `invalid input: ${path}`,
        errors: [{ field: path, message: `is nested deeper than ${MAX_JSON_DEPTH} levels` }],
      });
    return super.transform(value, metadata);
  }
}

/**
 * Every DTO: unknown properties refused (`forbidNonWhitelisted`), query strings converted to
 * their types, and a 400 that lists every offending field with its path.
 */
export function createValidationPipe(): ValidationPipe {
  return new DepthCheckedValidationPipe({
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
