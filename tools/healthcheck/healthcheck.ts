import { type ConfluenceConfig, listenAddressOf } from '@app/config';
import { ServiceName } from '@app/contracts';

/**
 * The container health check (Dockerfile HEALTHCHECK, docker-compose.yml): asks the readiness
 * endpoint of the app the container runs, on the port that app's configuration gives it.
 */
export interface HealthVerdict {
  readonly healthy: boolean;
  /** One line for `docker inspect` (Docker keeps the last few outputs of a check). */
  readonly reason: string;
}

const SERVICES: readonly ServiceName[] = Object.values(ServiceName);

/** The built entry point of each service, as the image's command names it (relative or absolute). */
const ENTRY = /(?:^|\/)dist\/(?:apps\/(api-gateway|analysis-worker|market-data)\/src|(local))\/main\.js$/;

export function isServiceName(value: string): value is ServiceName {
  return (SERVICES as readonly string[]).includes(value);
}

/**
 * The service a container runs, from its PID 1 command line (`tini -- node dist/apps/<app>/src/
 * main.js`, `docker-init -- node …`, or `node …` alone): the image runs any app by command, so
 * the command is the one place that says which, and reading it cannot drift from it.
 */
export function serviceFromCommand(argv: readonly string[]): ServiceName | undefined {
  for (const arg of argv) {
    const [, app, local] = ENTRY.exec(arg) ?? [];
    const name = app ?? local;
    if (name !== undefined && isServiceName(name)) return name;
  }
  return undefined;
}

/** `/health/ready` on loopback: an app listening on every interface answers there too. */
export function readinessUrl(config: ConfluenceConfig, service: ServiceName): string {
  const { host, port } = listenAddressOf(config, service);
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}/health/ready`;
}

/**
 * Healthy on `ok` and on `degraded`: degraded means the app still serves with a dependency slow
 * or impaired (a busy store, a lagging exchange), and an orchestrator restarting it would only
 * add an outage to the slowness. `down` (503: a dependency it cannot serve without, or stopping)
 * and anything that is not a readiness answer are unhealthy.
 */
export function readinessVerdict(httpStatus: number, body: unknown): HealthVerdict {
  const status =
    typeof body === 'object' && body !== null ? (body as { status?: unknown }).status : undefined;
  const impaired = impairedChecks(body);
  if (httpStatus === 200 && (status === 'ok' || status === 'degraded'))
    return { healthy: true, reason: `${status}${impaired}` };
  if (httpStatus === 503 && status === 'down') return { healthy: false, reason: `down${impaired}` };
  return { healthy: false, reason: `unexpected answer: HTTP ${httpStatus}, status ${String(status)}` };
}

/** The names of the checks that are not `up` (never their details: they stay in /health/ready). */
function impairedChecks(body: unknown): string {
  const checks =
    typeof body === 'object' && body !== null ? (body as { checks?: unknown }).checks : undefined;
  if (typeof checks !== 'object' || checks === null) return '';
  const names = Object.entries(checks as Record<string, unknown>)
    .filter(([, check]) => (check as { status?: unknown } | null)?.status !== 'up')
    .map(([name]) => name);
  return names.length === 0 ? '' : ` (${names.join(', ')})`;
}

/**
 * Asks `url` once, giving up after `timeoutMs`: a hung app is as unhealthy as a dead one, and
 * Docker's own timeout would report nothing about why.
 */
export async function probeReadiness(url: string, timeoutMs: number): Promise<HealthVerdict> {
  let response: Response;
  try {
    response = await fetch(url, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: 'application/json' },
    });
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
    const cause = (error as { cause?: { code?: unknown } }).cause?.code;
    return {
      healthy: false,
      reason: timedOut
        ? `no answer from ${url} within ${timeoutMs} ms`
        : `${url}: ${typeof cause === 'string' ? cause : (error as Error).message}`,
    };
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy's error page, another program on the port): not a readiness answer.
    body = undefined;
  }
  return readinessVerdict(response.status, body);
}

/**
 * How long the probe waits: readiness itself waits up to `dependencyTimeoutMs` for a slow
 * dependency (and then answers `degraded`), so the probe gives it that plus a second to answer.
 */
export function probeTimeoutMs(config: ConfluenceConfig): number {
  return config.monitoring.health.dependencyTimeoutMs + 1_000;
}
