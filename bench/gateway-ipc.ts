/**
 * The gateway benchmark's child processes (servers and Socket.IO subscribers) and how the bench
 * talks to them: requests with replies and one-way notices over Node's IPC channel.
 */
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

export type Payload = Readonly<Record<string, unknown>>;

/** Parent → child. */
interface RequestMessage {
  readonly kind: 'request';
  readonly id: number;
  readonly name: string;
  readonly payload: Payload;
}

/** Child → parent: the answer to a request, or a notice the child sends on its own. */
type ChildMessage =
  | { readonly kind: 'reply'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly kind: 'reply'; readonly id: number; readonly ok: false; readonly error: string }
  | { readonly kind: 'notice'; readonly name: string; readonly payload: Payload };

/**
 * Wall-clock milliseconds with sub-millisecond resolution. Each process maps its monotonic clock
 * onto the wall clock once, at start, so stamps from processes of one machine compare (to well
 * under a millisecond over a run of a minute or two).
 */
export const preciseNow = (): number => performance.timeOrigin + performance.now();

/** Compiled helpers sit beside this file in dist/bench. */
export function benchEntry(name: string): string {
  return path.join(import.meta.dirname, `${name}.js`);
}

function isChildMessage(value: unknown): value is ChildMessage {
  return typeof value === 'object' && value !== null && 'kind' in value;
}

/** A child Node process of the bench: its output is kept (shown when something fails). */
export class Child {
  readonly exited: Promise<number | null>;
  #output = '';
  #next = 1;
  #gone = false;
  readonly #pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  readonly #notices: { name: string; payload: Payload }[] = [];
  readonly #waiting: { name: string; resolve: (payload: Payload) => void }[] = [];

  private constructor(
    readonly label: string,
    private readonly child: ChildProcess,
  ) {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.#output += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.#output += chunk));
    child.on('message', (message: unknown) => {
      this.#receive(message);
    });
    this.exited = new Promise((resolve) => {
      child.on('exit', (code) => {
        this.#gone = true;
        const error = new Error(`${label} exited (code ${code}):\n${this.outputTail()}`);
        for (const pending of this.#pending.values()) pending.reject(error);
        this.#pending.clear();
        resolve(code);
      });
    });
  }

  /** `node [execArgv] dist/bench/<name>.js [args]` with exactly `env` (nothing inherited from this process). */
  static start(
    label: string,
    name: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv = {},
    execArgv: readonly string[] = [],
  ): Child {
    const child = fork(benchEntry(name), [...args], {
      env,
      execArgv: [...execArgv],
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    return new Child(label, child);
  }

  #receive(message: unknown): void {
    if (!isChildMessage(message)) return;
    if (message.kind === 'notice') {
      const index = this.#waiting.findIndex((w) => w.name === message.name);
      const waiter = index === -1 ? undefined : this.#waiting.splice(index, 1)[0];
      if (waiter === undefined) this.#notices.push({ name: message.name, payload: message.payload });
      else waiter.resolve(message.payload);
      return;
    }
    const pending = this.#pending.get(message.id);
    if (pending === undefined) return;
    this.#pending.delete(message.id);
    if (message.ok) pending.resolve(message.value);
    else pending.reject(new Error(`${this.label}: ${message.error}`));
  }

  /** The child's answer to `name` (what its handler returned), or a rejection naming the failure. */
  async request<T>(name: string, payload: Payload = {}, timeoutMs = 60_000): Promise<T> {
    if (this.#gone) throw new Error(`${this.label} is not running:\n${this.outputTail()}`);
    const id = this.#next++;
    const message: RequestMessage = { kind: 'request', id, name, payload };
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${this.label}: no answer to "${name}" within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.child.send(message);
    });
  }

  /** The next notice called `name` (an earlier unread one first); null after `timeoutMs`. */
  async notice(name: string, timeoutMs: number): Promise<Payload | null> {
    const index = this.#notices.findIndex((n) => n.name === name);
    if (index !== -1) return this.#notices.splice(index, 1)[0]?.payload ?? null;
    if (this.#gone) throw new Error(`${this.label} is not running:\n${this.outputTail()}`);
    return new Promise((resolve) => {
      const waiter = {
        name,
        resolve: (payload: Payload | null) => {
          clearTimeout(timer);
          resolve(payload);
        },
      };
      const timer = setTimeout(() => {
        const at = this.#waiting.indexOf(waiter);
        if (at !== -1) this.#waiting.splice(at, 1);
        resolve(null);
      }, timeoutMs);
      this.#waiting.push(waiter);
      void this.exited.then(() => {
        waiter.resolve(null);
      });
    });
  }

  get output(): string {
    return this.#output;
  }

  outputTail(lines = 20): string {
    return this.#output.trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** Asks the child to stop, and kills it if it has not exited within `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.#gone) return;
    await this.request('stop', {}, graceMs).catch(() => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

type Handler = (payload: Payload) => unknown;

/**
 * Child side: answers the parent's requests with `handlers` (a thrown error becomes a rejected
 * request). A `stop` handler should end the process once it has answered.
 */
export function serveParent(handlers: Readonly<Record<string, Handler>>): void {
  process.on('message', (message: unknown) => {
    if (typeof message !== 'object' || message === null || !('kind' in message) || message.kind !== 'request')
      return;
    const request = message as RequestMessage;
    const handler = handlers[request.name];
    const answer = (): Promise<unknown> =>
      handler === undefined
        ? Promise.reject(new Error(`no handler for "${request.name}"`))
        : Promise.resolve().then(() => handler(request.payload));
    answer().then(
      (value: unknown) => {
        process.send?.({ kind: 'reply', id: request.id, ok: true, value } satisfies ChildMessage);
      },
      (error: unknown) => {
        const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
        process.send?.({ kind: 'reply', id: request.id, ok: false, error: text } satisfies ChildMessage);
      },
    );
  });
  // The parent gone (the bench crashed or was interrupted): nothing left to serve.
  process.on('disconnect', () => process.exit(0));
}

/** Child side: a one-way notice to the parent. */
export function notifyParent(name: string, payload: Payload = {}): void {
  process.send?.({ kind: 'notice', name, payload } satisfies ChildMessage);
}

/** Child side: the process's numeric argument `--name=value`, or `fallback`. */
export function numberArg(name: string, fallback: number): number {
  const raw = process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name}: "${raw}" is not a number ≥ 0`);
  return value;
}

/** Child side: the process's argument `--name=value`, or `fallback`. */
export function stringArg(name: string, fallback: string): string {
  return process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
}
