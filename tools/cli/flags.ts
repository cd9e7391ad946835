/** A command line the CLI cannot use: printed with the usage, exit code 2. */
export class UsageError extends Error {}

/**
 * `--flag value` pairs; the flags named in `switches` stand alone (`--dry-run`) and read as "yes".
 */
export function parseFlags(args: readonly string[], switches: readonly string[] = []): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const flag = args[i] ?? '';
    if (switches.includes(flag.slice(2)) && flag.startsWith('--')) {
      flags.set(flag.slice(2), 'yes');
      continue;
    }
    const value = args[i + 1];
    if (!flag.startsWith('--') || value === undefined)
      throw new UsageError(`expected --flag value pairs, got "${flag}"`);
    flags.set(flag.slice(2), value);
    i++;
  }
  return flags;
}

export function required(flags: ReadonlyMap<string, string>, name: string): string {
  const value = flags.get(name);
  if (value === undefined) throw new UsageError(`--${name} is required`);
  return value;
}
