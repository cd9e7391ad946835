/**
 * Nest's calling conventions for a `LoggerService` (those of its ConsoleLogger, which every
 * `new Logger(context)` in Nest and in our code relies on), split into what a record holds.
 */
export interface LogCall {
  /** One record each; the first may be an Error (its message becomes the record's). */
  readonly messages: readonly unknown[];
  readonly context: string | undefined;
  /** `error(message, stack, context)`: the stack that came as a string. */
  readonly stack?: string;
  /** Plain objects after the message, merged. */
  readonly params?: Record<string, unknown>;
  /** The first Error among the messages, taken out of them (it goes to the first record). */
  readonly error?: Error;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A string that looks like `error.stack` (a line, then `    at file:line:column` lines). */
function isStack(value: unknown): value is string {
  // `[ \t]+`, not `\s+`: an unanchored `\n\s+` backtracks quadratically on runs of newlines.
  return typeof value === 'string' && /\n[ \t]+at .+:\d+:\d+/.test(value);
}

/** A class logs as its name, any other function is a lazy message, called now (as Nest does). */
function resolveMessage(message: unknown): unknown {
  if (typeof message !== 'function') return message;
  if (Function.prototype.toString.call(message).startsWith('class ')) return message.name;
  return resolveMessage((message as () => unknown)());
}

function withError(
  messages: readonly unknown[],
  context: string | undefined,
  extra: { stack?: string; params?: Record<string, unknown> },
): LogCall {
  const resolved = messages.map(resolveMessage);
  const at = resolved.findIndex((message) => message instanceof Error);
  const base = { context, ...extra };
  if (at === -1) return { ...base, messages: resolved };
  const error = resolved[at] as Error;
  const rest = at === 0 ? [error.message, ...resolved.slice(1)] : resolved.filter((_, i) => i !== at);
  return { ...base, messages: rest, error };
}

/** `log(message, ...params, context?)`: a trailing string is the context, plain objects are params. */
function contextAndMessages(
  args: readonly unknown[],
  defaultContext: string | undefined,
): { messages: unknown[]; context: string | undefined; params?: Record<string, unknown> } {
  if (args.length <= 1) return { messages: [...args], context: defaultContext };
  const last = args[args.length - 1];
  const context = typeof last === 'string' ? last : defaultContext;
  const rest = typeof last === 'string' ? args.slice(0, -1) : args;
  const messages: unknown[] = [rest[0]];
  const objects: Record<string, unknown>[] = [];
  for (const arg of rest.slice(1)) {
    if (isPlainObject(arg)) objects.push(arg);
    else messages.push(arg);
  }
  return objects.length === 0
    ? { messages, context }
    : { messages, context, params: Object.assign({}, ...objects) as Record<string, unknown> };
}

/** The arguments of `log`, `warn`, `debug` and `verbose`. */
export function parseLogCall(args: readonly unknown[], defaultContext?: string): LogCall {
  const { messages, context, params } = contextAndMessages(args, defaultContext);
  return withError(messages, context, params === undefined ? {} : { params });
}

/**
 * The arguments of `error` and `fatal`, which may also carry a stack: `error(message, stack)`,
 * `error(message, stack, context)`, or a trailing string after the context-less form.
 */
export function parseErrorCall(args: readonly unknown[], defaultContext?: string): LogCall {
  if (args.length === 2 && (isStack(args[1]) || args[1] === undefined))
    return withError([args[0]], defaultContext, stackOf(args[1]));
  if (args.length >= 3 && isStack(args[args.length - 1])) {
    const { messages, context, params } = contextAndMessages(args.slice(0, -1), defaultContext);
    return withError(messages, context, { ...stackOf(args[args.length - 1]), ...paramsOf(params) });
  }
  const { messages, context, params } = contextAndMessages(args, defaultContext);
  const last = messages[messages.length - 1];
  // Nest's rule: after the message, a trailing string (or undefined) is the stack.
  if (args.length >= 3 && messages.length > 1 && (typeof last === 'string' || last === undefined))
    return withError(messages.slice(0, -1), context, { ...stackOf(last), ...paramsOf(params) });
  return withError(messages, context, paramsOf(params));
}

function stackOf(value: unknown): { stack?: string } {
  return typeof value === 'string' ? { stack: value } : {};
}

function paramsOf(params: Record<string, unknown> | undefined): { params?: Record<string, unknown> } {
  return params === undefined ? {} : { params };
}
