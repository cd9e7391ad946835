import { ConfluenceError, ErrorCode } from '@app/contracts';
import { type ConfigIssue, formatIssue } from './config.types.js';

/** Thrown at boot when any configuration file or environment variable is invalid; lists them all. */
export class ConfigValidationError extends ConfluenceError {
  readonly code = ErrorCode.ConfigInvalid;

  constructor(readonly issues: readonly ConfigIssue[]) {
    super(
      `Invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n` +
        issues.map((issue) => `  ${formatIssue(issue)}`).join('\n'),
    );
  }
}
