/**
 * The logger port: where a lib writes what an operator needs to know. Nest's `Logger` fits it, and
 * tests record lines with a plain object. Libs take this, never a logger of their own.
 */
export interface LogSink {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}
