import { readFileSync, writeFileSync } from 'node:fs';
import mongoose from 'mongoose';
import { loadConfig } from '@app/config';
import { createRepositories } from '@app/persistence';
import { runCli } from './cli.js';
import { runRepair } from './repair.js';

const [command, ...args] = process.argv.slice(2);
const stdout = (text: string): void => {
  process.stdout.write(text);
};
const stderr = (text: string): void => {
  process.stderr.write(text);
};

process.exitCode =
  command === 'repair'
    ? await runRepair(args, {
        stdout,
        stderr,
        loadConfig: () => loadConfig(),
        now: Date.now,
        openStore: async (uri, config) => {
          const connection = await mongoose
            .createConnection(uri, { serverSelectionTimeoutMS: config.app.storage.operationTimeoutMs })
            .asPromise();
          return {
            repos: createRepositories(connection, config.app.storage),
            close: () => connection.close(),
          };
        },
      })
    : runCli(process.argv.slice(2), {
        readFile: (path) => readFileSync(path, 'utf8'),
        writeFile: (path, text) => {
          writeFileSync(path, text);
        },
        stdout,
        stderr,
        loadConfig: (options) => loadConfig(options),
      });
