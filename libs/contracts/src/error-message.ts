/**
 * What a caught value says, for a log line or a rejection reason: an error's message (of this
 * realm or another: anything with a string `message`), else the value as a string.
 */
export function errorMessage(error: unknown): string {
  const message: unknown =
    typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  if (typeof message === 'string') return message;
  try {
    return String(error);
  } catch {
    // An object with no prototype has no toString.
    return Object.prototype.toString.call(error);
  }
}
