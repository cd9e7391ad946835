import { ValidationPipe } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { InputError } from '@app/contracts';
import { flattenValidationErrors, MAX_JSON_DEPTH, tooDeepAt, type ValidationErrorLike } from '@app/gateway';
import { CompiledValidationPipe } from './compiled-validation.js';

/** A body nested past MAX_JSON_DEPTH, named by the path of its first too-deep object or array. */
export function tooDeepInput(path: string): InputError {
  return new InputError([{ field: path, message: `is nested deeper than ${MAX_JSON_DEPTH} levels` }]);
}

/**
 * Nest's ValidationPipe for every DTO: unknown properties refused (`forbidNonWhitelisted`), query
 * strings converted to their types, and a 400 that lists every offending field with its path;
 * input its compiled check is certain of is answered without it (CompiledValidationPipe).
 */
export function createValidationPipe(): CompiledValidationPipe {
  const validation = new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    // A body that is an array, a string or null is a 400, not a crash in a handler.
    forbidUnknownValues: true,
    stopAtFirstError: false,
    validationError: { target: false, value: false },
    exceptionFactory: (errors: ValidationErrorLike[]) => new InputError(flattenValidationErrors(errors)),
  });
  return new CompiledValidationPipe(validation);
}

/**
 * Every parsed request body nested past MAX_JSON_DEPTH is a 400 before Nest sees it: a hostile
 * `[[[…]]]` thousands deep would overflow class-transformer's recursion (a 500). A `preValidation`
 * hook, so any body route is covered, and its error takes the path of Fastify's own refusals of a
 * body (413, 415): Nest's error handler, then ErrorsFilter, so the 400 has the usual shape. Like
 * those, it comes after the EndpointGate: a body without a valid key is refused (401) unread.
 */
export function installJsonDepthLimit(fastify: FastifyInstance): void {
  fastify.addHook('preValidation', (request, _reply, done) => {
    const path = tooDeepAt(request.body);
    done(path === null ? undefined : tooDeepInput(path));
  });
}
