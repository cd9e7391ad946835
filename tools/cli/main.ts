import { readFileSync, writeFileSync } from 'node:fs';
import { loadConfig } from '@app/config';
import { runCli } from './cli.js';

process.exitCode = runCli(process.argv.slice(2), {
  readFile: (path) => readFileSync(path, 'utf8'),
  writeFile: (path, text) => {
    writeFileSync(path, text);
  },
  stdout: (text) => {
    process.stdout.write(text);
  },
  stderr: (text) => {
    process.stderr.write(text);
  },
  loadConfig: () => loadConfig(),
});
