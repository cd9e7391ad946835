/** The throw-away config and data directories the gateway benchmarks run their child app from. */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface BenchDirs {
  readonly configDir: string;
  readonly dataDir: string;
  /** Replaces each `from` with its `to` in a config file; throws when `from` is gone (the bench is stale). */
  readonly patch: (file: string, edits: readonly (readonly [string, string])[]) => void;
  readonly cleanup: () => void;
}

/**
 * A copy of config/ (logging at warn, no per-result log line, replay at speed max) and a data dir
 * holding the first `candles` candles of one bundled file.
 */
export function benchDirs(prefix: string, marketFile: string, candles: number): BenchDirs {
  const configDir = mkdtempSync(path.join(tmpdir(), `${prefix}-config-`));
  const dataDir = mkdtempSync(path.join(tmpdir(), `${prefix}-data-`));
  cpSync(path.join(ROOT, 'config'), configDir, { recursive: true });
  const patch: BenchDirs['patch'] = (file, edits) => {
    const target = path.join(configDir, file);
    let text = readFileSync(target, 'utf8');
    for (const [from, to] of edits) {
      if (!text.includes(from)) throw new Error(`config/${file} no longer contains "${from}"`);
      text = text.replace(from, to);
    }
    writeFileSync(target, text);
  };
  patch('app.yaml', [
    ['level: log #', 'level: warn #'],
    ['logUpdates: true', 'logUpdates: false'],
  ]);
  patch('exchanges.yaml', [['speed: 60', 'speed: max']]);
  const lines = readFileSync(path.join(ROOT, 'data', marketFile), 'utf8')
    .trim()
    .split('\n');
  writeFileSync(path.join(dataDir, marketFile), `${lines.slice(0, candles + 1).join('\n')}\n`);
  cpSync(path.join(ROOT, 'data', 'README.md'), path.join(dataDir, 'README.md'));
  return {
    configDir,
    dataDir,
    patch,
    cleanup: () => {
      rmSync(configDir, { recursive: true, force: true });
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
