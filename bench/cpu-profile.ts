import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

/**
 * A V8 CPU profile of part of a benchmark (what `node --cpu-prof` records for the whole process):
 * `start()` before the part, then the returned `stop()` writes the .cpuprofile (open it in Chrome
 * DevTools, or summarise it with `node dist/bench/cpu-profile-summary.js FILE`).
 */
export async function startCpuProfile(file: string, intervalUs = 200): Promise<() => Promise<void>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
    console.log(`cpu profile written to ${file}`);
  };
}

/** `--cpu-prof-bursts=FILE` from the command line, or null. */
export function cpuProfileOption(): string | null {
  const prefix = '--cpu-prof-bursts=';
  return process.argv.find((arg) => arg.startsWith(prefix))?.slice(prefix.length) ?? null;
}
