import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, Socket } from 'node:net';
import { resolve } from 'node:path';

/** Repository root, for spawning built entry points (`dist/...`). */
export const REPO_ROOT = resolve(import.meta.dirname, '../../..');

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A child Node process with its output captured, for tests that boot the real thing. */
export class SpawnedProcess {
  private out = '';
  private err = '';
  private hasExited = false;
  readonly exited: Promise<ProcessExit>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.out += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.err += chunk));
    this.exited = new Promise((resolveExit) => {
      // 'close', not 'exit': by then stdout and stderr are fully read.
      child.on('close', (code, signal) => {
        this.hasExited = true;
        resolveExit({ code, signal });
      });
      // A program that could not start at all (ENOENT): said in its output, then it has exited.
      child.on('error', (error) => {
        this.err += `${error.message}\n`;
        this.hasExited = true;
        resolveExit({ code: null, signal: null });
      });
    });
  }

  /** Runs `node <entry> [args]` from the repository root with exactly the given environment. */
  static node(entry: string, env: NodeJS.ProcessEnv, args: readonly string[] = []): SpawnedProcess {
    const child = spawn(process.execPath, [entry, ...args], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new SpawnedProcess(child);
  }

  /** Runs another program (e.g. a private redis-server) with exactly the given environment. */
  static command(executable: string, args: readonly string[], env: NodeJS.ProcessEnv): SpawnedProcess {
    const child = spawn(executable, [...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    return new SpawnedProcess(child);
  }

  get stdout(): string {
    return this.out;
  }

  get stderr(): string {
    return this.err;
  }

  get output(): string {
    return this.out + this.err;
  }

  /**
   * Resolves once the output matches, rejects if the process exits first. The timeout only
   * guards against a hung test; nothing is asserted about how long it took.
   */
  async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.output);
      if (match) return match[0];
      if (this.hasExited)
        throw new Error(`process exited before printing ${String(pattern)}:\n${this.output}`);
      if (Date.now() > deadline)
        throw new Error(`no ${String(pattern)} within ${timeoutMs} ms:\n${this.output}`);
      await new Promise((wake) => setTimeout(wake, 25));
    }
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Makes sure the process is gone (for afterEach), whatever state the test left it in. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolvePort(port);
      });
    });
  });
}

/** Whether anything accepts TCP connections on 127.0.0.1:port right now. */
export async function isListening(port: number): Promise<boolean> {
  return new Promise((resolveListening) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolveListening(true);
    });
    socket.once('error', () => {
      resolveListening(false);
    });
    socket.connect(port, '127.0.0.1');
  });
}
