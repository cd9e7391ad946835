import { Agent, createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { ShutdownReport } from '@app/contracts';
// By path: the @app/testing barrel also loads mongoose and the fake exchange.
import { eventually } from '../../testing/src/eventually.js';
import { HttpDrain } from './http-drain.js';

/**
 * HttpDrain on a real Node HTTP server and real keep-alive clients: what is served while it
 * waits, when the listener closes, what it closes, and what it reports at the stop's deadline.
 */

interface Answer {
  readonly status: number | 'refused' | 'cut off';
  readonly connection: string | undefined;
  readonly body: string;
}

const servers: Server[] = [];
const agents: Agent[] = [];

afterEach(() => {
  for (const server of servers.splice(0)) server.closeAllConnections();
  for (const agent of agents.splice(0)) agent.destroy();
});

/** A server answering `ok <path>`, except /hang, which it never answers. */
async function serve(): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    if (request.url === '/hang') return;
    response.setHeader('content-type', 'text/plain');
    response.end(`ok ${request.url ?? ''}`);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

function ask(port: number, path: string, agent: Agent | false): Promise<Answer> {
  return new Promise((resolve) => {
    const request = get({ host: '127.0.0.1', port, path, agent }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, connection: response.headers.connection, body });
      });
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      resolve({
        status: error.code === 'ECONNREFUSED' ? 'refused' : 'cut off',
        connection: undefined,
        body: '',
      });
    });
  });
}

function keepAlive(): Agent {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  agents.push(agent);
  return agent;
}

function reportBy(deadlineInMs: number): ShutdownReport {
  const report = new ShutdownReport();
  report.stoppingBy(Date.now() + deadlineInMs);
  return report;
}

class Lines {
  readonly lines: string[] = [];
  log = (message: string): void => {
    this.lines.push(`log ${message}`);
  };
  error = (message: string): void => {
    this.lines.push(`error ${message}`);
  };
}

describe('HttpDrain', () => {
  it('serves through the delay with Connection: close, then stops listening and closes idle connections', async () => {
    const { server, port } = await serve();
    const idle = keepAlive();
    expect(await ask(port, '/before', idle)).toMatchObject({ status: 200, connection: 'keep-alive' });
    const idleClosed = new Promise<void>((resolve) => {
      const socket = Object.values(idle.freeSockets)[0]?.[0];
      socket?.once('close', () => {
        resolve();
      });
    });
    const drain = new HttpDrain();
    const events: string[] = [];
    drain.add({
      close: async () => {
        // Called once the listener is closed: a new connection is refused by then.
        events.push(`participant: new connection ${(await ask(port, '/late', false)).status}`);
        return 'the participant closed its 2 connection(s)';
      },
    });
    const logger = new Lines();
    expect(drain.draining).toBe(false);

    const drained = drain.drain(server, {
      delayMs: 300,
      report: reportBy(10_000),
      logger,
      signal: 'SIGTERM',
    });
    expect(drain.draining).toBe(true);
    // During the delay: answered, each answer closing its connection.
    const during = await ask(port, '/during', keepAlive());
    expect(during).toEqual({ status: 200, connection: 'close', body: 'ok /during' });
    await drained;
    await idleClosed;

    expect(events).toEqual(['participant: new connection refused']);
    expect(await ask(port, '/after', false)).toMatchObject({ status: 'refused' });
    expect(logger.lines).toEqual([
      'log drained: 1 request(s) taken after SIGTERM; the participant closed its 2 connection(s); every connection closed after its answer',
    ]);
    expect(server.listening).toBe(false);
  });

  it('waits for an answer in progress when the listener closes, then closes the connection it leaves idle', async () => {
    let finish: (() => void) | undefined;
    const server = createServer((_request, response) => {
      finish = () => response.end('late');
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const answer = ask(port, '/slow', keepAlive());
    await eventually(() => finish !== undefined, 'the request to arrive');
    let done = false;
    const drained = drain(server).then(() => (done = true));
    await eventually(() => !server.listening, 'the listener to close');
    expect(done).toBe(false);
    finish?.();
    // Begun before the drain, the answer had said keep-alive: the drain closes the idle connection.
    expect(await answer).toEqual({ status: 200, connection: 'keep-alive', body: 'late' });
    await drained;
    expect(await connections(server)).toBe(0);
  });

  it("cuts off what is still busy at the stop's deadline, and reports it lost", async () => {
    const { server, port } = await serve();
    const hanging = ask(port, '/hang', keepAlive());
    await eventually(async () => (await connections(server)) === 1, 'the request to arrive');
    const report = reportBy(300);
    const logger = new Lines();

    await new HttpDrain().drain(server, { delayMs: 0, report, logger, signal: 'SIGTERM' });

    expect(await hanging).toMatchObject({ status: 'cut off' });
    expect(report.losses).toEqual(["1 HTTP connection(s) still busy at the stop's deadline, cut off"]);
    expect(logger.lines).toEqual([
      "error drained: 0 request(s) taken after SIGTERM; 1 HTTP connection(s) still busy at the stop's deadline, cut off",
    ]);
  });

  it('goes on when a participant fails, saying so', async () => {
    const { server } = await serve();
    const drain = new HttpDrain();
    drain.add({
      close: () => {
        throw new Error('socket server gone');
      },
    });
    const logger = new Lines();
    await drain.drain(server, { delayMs: 0, report: reportBy(10_000), logger, signal: 'SIGINT' });
    expect(logger.lines).toEqual([
      'error closing connections failed: socket server gone',
      'log drained: 0 request(s) taken after SIGINT; a participant failed to close its connections; every connection closed after its answer',
    ]);
  });
});

function drain(server: Server): Promise<void> {
  return new HttpDrain().drain(server, {
    delayMs: 0,
    report: reportBy(10_000),
    logger: new Lines(),
    signal: 'SIGTERM',
  });
}

function connections(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.getConnections((_error, count) => {
      resolve(count);
    });
  });
}
