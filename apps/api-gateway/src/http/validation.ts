import { BadRequestException, ValidationPipe } from '@nestjs/common';
import { flattenValidationErrors, type ValidationErrorLike } from '@app/gateway';

/**
 * Every DTO: unknown properties refused (`forbidNonWhitelisted`), query strings converted to
 * their types, and a 400 that lists every offending field with its path.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
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
