import { type MessageFormatFunc, prettyFactory } from 'pino-pretty';

/** Colorette, as pino-pretty hands it over: real colours, or functions that return the text. */
type Colors = Parameters<MessageFormatFunc>[3]['colors'];

/** Nest's colours for its levels, so the pretty output reads as Nest's own did. */
const LEVEL_COLOR: Readonly<Record<string, (colors: Colors, text: string) => string>> = {
  fatal: (c, text) => c.bold(c.red(text)),
  error: (c, text) => c.red(text),
  warn: (c, text) => c.yellow(text),
  log: (c, text) => c.green(text),
  debug: (c, text) => c.magentaBright(text),
  verbose: (c, text) => c.cyanBright(text),
};

const two = (n: number): string => String(n).padStart(2, '0');

/** `HH:MM:ss.l` in the machine's time zone: the developer's own clock. */
function clockTime(epochMs: unknown): string {
  const at = new Date(typeof epochMs === 'number' ? epochMs : Date.now());
  const ms = String(at.getMilliseconds()).padStart(3, '0');
  return `${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}.${ms}`;
}

/**
 * Control characters other than newline and tab, as logged data may carry them (an escape
 * sequence in a request path, say): printed raw they would drive the developer's terminal.
 */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

function text(value: unknown): string {
  return (typeof value === 'string' ? value : JSON.stringify(value)).replace(CONTROL_CHARACTERS, '');
}

function indented(block: string): string {
  return block
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

/** One record as `HH:MM:ss.l LEVEL [context] message {params}`, then any stack, indented. */
function formatRecord(log: Record<string, unknown>, c: Colors): string {
  const level = text(log.level);
  const paint = LEVEL_COLOR[level] ?? ((_: Colors, plain: string) => plain);
  const context = typeof log.context === 'string' ? ` ${c.yellow(`[${text(log.context)}]`)}` : '';
  const params = log.params === undefined ? '' : ` ${c.gray(JSON.stringify(log.params))}`;
  let line = `${c.gray(clockTime(log.time))} ${paint(c, level.toUpperCase().padEnd(5))}${context} ${text(log.message)}${params}`;
  const error = log.error as { stack?: unknown } | undefined;
  for (const stack of [log.stack, error?.stack])
    if (typeof stack === 'string') line += `\n${c.gray(indented(stack))}`;
  return line;
}

/**
 * Turns one JSON log line (already redacted) into the compact human line, with pino-pretty in
 * this process (not a worker-thread transport), so it is written at once like the JSON is.
 */
export function prettyLogLine(colorize: boolean): (jsonLine: string) => string {
  return prettyFactory({
    colorize,
    messageKey: 'message',
    // The whole line comes from formatRecord: with time, level and metadata left to pino-pretty
    // it would print `[time] LEVEL (pid):` before the message.
    ignore: 'time,level,pid,hostname,service',
    hideObject: true,
    // pino-pretty paints the formatted message cyan; the line carries its own colours.
    customColors: { message: 'reset' },
    messageFormat: (log, _messageKey, _levelLabel, { colors }) => formatRecord(log, colors),
  });
}
