import { readFileSync } from 'node:fs';
import { type ConfluenceConfig, loadConfig } from '@app/config';
import {
  isServiceName,
  probeReadiness,
  probeTimeoutMs,
  readinessUrl,
  serviceFromCommand,
} from './healthcheck.js';

/**
 * `node dist/tools/healthcheck/main.js [service]`: exit 0 when the app this container runs is
 * ready (ok or degraded), 1 otherwise. Without an argument the service is read from PID 1's
 * command line, so the image's one HEALTHCHECK fits whichever app the command starts.
 */
function pid1Command(): string[] {
  try {
    return readFileSync('/proc/1/cmdline', 'utf8').split('\0');
  } catch (error) {
    process.stderr.write(`cannot read PID 1's command line: ${(error as Error).message}\n`);
    return [];
  }
}

const named = process.argv[2];
const service = named ?? serviceFromCommand(pid1Command());
if (service === undefined || !isServiceName(service)) {
  process.stdout.write(
    `unhealthy: ${service === undefined ? 'no app entry point in the container command' : `unknown service "${service}"`}; ` +
      'pass api-gateway, analysis-worker, market-data or local\n',
  );
  process.exitCode = 1;
} else {
  let config: ConfluenceConfig | undefined;
  try {
    // The container's own environment and config/, as the app read them at start.
    config = loadConfig();
  } catch (error) {
    // The app refuses the same configuration at boot, so this is its reason for not running.
    process.stdout.write(`${service} unhealthy: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
  if (config !== undefined) {
    const verdict = await probeReadiness(readinessUrl(config, service), probeTimeoutMs(config));
    process.stdout.write(`${service} ${verdict.healthy ? 'healthy' : 'unhealthy'}: ${verdict.reason}\n`);
    process.exitCode = verdict.healthy ? 0 : 1;
  }
}
