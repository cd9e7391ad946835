/**
 * Base of every domain error. Libraries throw these (never HttpException); each app maps the
 * `code` to an HTTP, WebSocket or RPC answer in one filter.
 */
export abstract class ConfluenceError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
