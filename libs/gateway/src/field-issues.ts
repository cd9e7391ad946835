import type { FieldIssue } from '@app/contracts/dto';

/** The part of class-validator's ValidationError the gateway reads. */
export interface ValidationErrorLike {
  readonly property: string;
  readonly constraints?: Readonly<Record<string, string>>;
  readonly children?: readonly ValidationErrorLike[];
}

function join(prefix: string, property: string): string {
  if (/^\d+$/.test(property)) return `${prefix}[${property}]`;
  return prefix === '' ? property : `${prefix}.${property}`;
}

/** Strips class-validator's habit of starting a message with the property name. */
function messageOf(message: string, property: string): string {
  return message.startsWith(`${property} `) ? message.slice(property.length + 1) : message;
}

/**
 * Every offending field of a request, with its full path (`orderBook.bids[0].price`): the body of
 * a 400, one issue per failed constraint.
 */
export function flattenValidationErrors(errors: readonly ValidationErrorLike[], prefix = ''): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const error of errors) {
    const path = join(prefix, error.property);
    for (const [name, message] of Object.entries(error.constraints ?? {})) {
      if (name === 'whitelistValidation') issues.push({ field: path, message: 'property should not exist' });
      else issues.push({ field: path, message: messageOf(message, error.property) });
    }
    issues.push(...flattenValidationErrors(error.children ?? [], path));
  }
  return issues;
}
