import { afterEach, describe, expect, it } from '@jest/globals';
import { freePort, PROJECT_CONFIG_DIR, type SpawnedProcess } from '@app/testing';
import { Processes, requireBuilt } from './process-kit.js';

/**
 * The image's HEALTHCHECK (dist/tools/healthcheck/main.js) against a real, built app: it finds the
 * port in the same configuration and environment the app reads, and says healthy only while the
 * app's readiness answers. Its decisions (ok, degraded, down, timeouts) are unit-tested in
 * tools/healthcheck/healthcheck.spec.ts.
 */
const HEALTHCHECK = 'dist/tools/healthcheck/main.js';
const LOCAL = 'dist/local/main.js';
const processes = new Processes();

afterEach(async () => {
  await processes.killAll();
});

async function healthcheck(env: NodeJS.ProcessEnv, args: readonly string[]): Promise<SpawnedProcess> {
  const check = processes.node(HEALTHCHECK, env, args);
  await check.exited;
  return check;
}

describe('the container health check', () => {
  it('is healthy while the app is ready, and unhealthy once it has stopped', async () => {
    requireBuilt([HEALTHCHECK, LOCAL]);
    // PORT in the environment, as a container would set it: the check must read it as the app does.
    const env = { PORT: String(await freePort()), CONFIG_DIR: PROJECT_CONFIG_DIR };
    const app = processes.node(LOCAL, env);
    await app.waitFor(/local listening on/);

    const ready = await healthcheck(env, ['local']);

    expect(await ready.exited).toEqual({ code: 0, signal: null });
    expect(ready.stdout).toMatch(/^local healthy: (ok|degraded)/);

    app.signal('SIGTERM');
    await app.exited;
    const stopped = await healthcheck(env, ['local']);

    expect(await stopped.exited).toEqual({ code: 1, signal: null });
    expect(stopped.stdout).toBe(`local unhealthy: http://127.0.0.1:${env.PORT}/health/ready: ECONNREFUSED\n`);
  });

  it('is unhealthy, saying why, for a service it does not know or a configuration the app would refuse', async () => {
    requireBuilt([HEALTHCHECK]);
    const unknown = await healthcheck({ CONFIG_DIR: PROJECT_CONFIG_DIR }, ['billing']);
    const refused = await healthcheck({ CONFIG_DIR: PROJECT_CONFIG_DIR, PORT: 'eighty' }, ['api-gateway']);

    expect(await unknown.exited).toEqual({ code: 1, signal: null });
    expect(unknown.stdout).toContain('unhealthy: unknown service "billing"');
    expect(await refused.exited).toEqual({ code: 1, signal: null });
    expect(refused.stdout).toMatch(/^api-gateway unhealthy: .*PORT.*must be an integer from 1 to 65535/s);
  });
});
