/**
 * The abuse benchmark's probe, a child process of `npm run bench:abuse`: `GET <path>` one after
 * another on one keep-alive connection, 2 ms apart (a balancer's health check, not load), from
 * `start` until `finish`, which answers the latencies (ms, sorted). A process of its own, so the
 * flood the bench sends does not delay the probe's own event loop and count as the gateway's.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { serveParent } from './gateway-ipc.js';

function get(agent: Agent, port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request({ agent, host: '127.0.0.1', port, path }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode === 200) resolve(performance.now() - started);
        else reject(new Error(`${path} answered ${res.statusCode ?? '?'}`));
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function main(): void {
  const run = { active: false, latencies: [] as number[], done: Promise.resolve() };
  serveParent({
    start: (payload) => {
      const port = Number(payload.port);
      const path = String(payload.path);
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      run.active = true;
      run.latencies = [];
      run.done = (async () => {
        while (run.active) {
          run.latencies.push(await get(agent, port, path));
          await delay(2);
        }
        agent.destroy();
      })();
      return {};
    },
    finish: async () => {
      run.active = false;
      await run.done;
      return run.latencies.sort((a, b) => a - b);
    },
    stop: () => {
      setImmediate(() => process.exit(0));
      return {};
    },
  });
}

main();
