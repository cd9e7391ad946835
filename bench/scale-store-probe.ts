import type { Connection } from 'mongoose';

/**
 * The store's commands as the driver sees them (command monitoring): count and summed round-trip
 * time per command and collection, so a profile's store share can be split by what asked for it.
 * Round trips overlap and include the wait behind the event loop the embedded server shares, so
 * the sums are where the writes wait, not CPU time. On with `--store-commands` (it costs a little).
 */
export class StoreCommandProbe {
  readonly #started = new Map<number, string>();
  readonly #tally = new Map<string, { count: number; ms: number; statements: number }>();

  constructor(connection: Connection) {
    const client = connection.getClient();
    client.on('commandStarted', (event) => {
      const collection: unknown = event.command[event.commandName];
      const statements = [event.command.updates, event.command.documents, event.command.deletes].find(
        Array.isArray,
      );
      const key = `${event.commandName} ${typeof collection === 'string' ? collection : ''}`;
      this.#started.set(event.requestId, key);
      const entry = this.#entry(key);
      entry.statements += Array.isArray(statements) ? statements.length : 1;
    });
    client.on('commandSucceeded', (event) => {
      this.#finish(event.requestId, event.duration);
    });
    client.on('commandFailed', (event) => {
      this.#finish(event.requestId, event.duration);
    });
  }

  lines(): string[] {
    return [...this.#tally]
      .sort((a, b) => b[1].ms - a[1].ms)
      .map(
        ([key, { count, ms, statements }]) =>
          `${key}: ${count} commands, ${statements} statements, ${(ms / 1000).toFixed(1)} s summed round trips ` +
          `(${(ms / Math.max(1, count)).toFixed(1)} ms each)`,
      );
  }

  #entry(key: string): { count: number; ms: number; statements: number } {
    let entry = this.#tally.get(key);
    if (entry === undefined) {
      entry = { count: 0, ms: 0, statements: 0 };
      this.#tally.set(key, entry);
    }
    return entry;
  }

  #finish(requestId: number, ms: number): void {
    const key = this.#started.get(requestId);
    if (key === undefined) return;
    this.#started.delete(requestId);
    const entry = this.#entry(key);
    entry.count++;
    entry.ms += ms;
  }
}
