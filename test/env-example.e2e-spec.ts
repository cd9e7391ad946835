import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { REPO_ROOT } from '@app/testing';

/**
 * .env.example documents every variable docker-compose.yml interpolates, and holds no secret:
 * the two files are parsed here and must name exactly the same variables.
 */
const composeText = readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
const exampleLines = readFileSync(join(REPO_ROOT, '.env.example'), 'utf8').split('\n');

interface Reference {
  readonly name: string;
  /** `:?` (required), `:-` / `-` (has a default), or '' (plain `${VAR}`). */
  readonly operator: string;
}

/**
 * `${VAR}`, `${VAR:-default}`, `${VAR:?message}` (nested in defaults too) and bare `$VAR`;
 * `$$` is a literal dollar (the Redis health check's shell variable).
 */
function composeReferences(text: string): Reference[] {
  const unescaped = text.replaceAll('$$', '');
  return [...unescaped.matchAll(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?+])?|([A-Za-z_][A-Za-z0-9_]*))/g)].map(
    ([, braced, op = '', bare]) => ({ name: braced ?? bare ?? '', operator: op }),
  );
}

interface Assignment {
  readonly name: string;
  readonly value: string;
  readonly comment: readonly string[];
}

/** `NAME=value` lines with the comment lines right above each. */
function exampleAssignments(lines: readonly string[]): Assignment[] {
  const assignments: Assignment[] = [];
  let comment: string[] = [];
  for (const line of lines) {
    if (line.startsWith('#')) comment.push(line);
    else if (line.trim() === '') comment = [];
    else {
      const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
      if (match === null) throw new Error(`.env.example: not NAME=value: ${line}`);
      assignments.push({ name: match[1]!, value: match[2]!, comment });
      comment = [];
    }
  }
  return assignments;
}

const references = composeReferences(composeText);
const assignments = exampleAssignments(exampleLines);
const SECRET_NAME = /PASSWORD|SECRET|TOKEN|KEY|USERNAME|_URL$|_URI$/;

describe('.env.example', () => {
  it('names exactly the variables docker-compose.yml uses, each once', () => {
    const used = [...new Set(references.map((reference) => reference.name))].sort();
    const documented = assignments.map((assignment) => assignment.name);

    expect(used.length).toBeGreaterThanOrEqual(8);
    expect([...documented].sort()).toEqual(used);
    expect(new Set(documented).size).toBe(documented.length);
  });

  it('explains each variable in a comment line right above it', () => {
    for (const { name, comment } of assignments) expect([name, comment.length > 0]).toEqual([name, true]);
    expect(assignments.find((a) => a.name === 'API_KEY_HASHES')?.comment.join(' ')).toContain(
      'npm run -s cli -- api-key --name <name>',
    );
  });

  it('leaves every required variable empty, so compose still refuses to start until it is set', () => {
    const required = new Set(references.filter((r) => r.operator === ':?').map((r) => r.name));

    expect([...required].sort()).toEqual([
      'API_KEY_HASHES',
      'MONGO_ROOT_PASSWORD',
      'MONGO_ROOT_USERNAME',
      'REDIS_PASSWORD',
    ]);
    for (const { name, value, comment } of assignments.filter((a) => required.has(a.name))) {
      expect([name, value]).toEqual([name, '']);
      expect(comment[0]).toMatch(/^# Required\./);
    }
  });

  it('holds no secret: credentials and URLs that may carry them are empty, the rest are plain settings', () => {
    const secrets = assignments.filter((a) => SECRET_NAME.test(a.name));

    expect(secrets.map((a) => a.name).sort()).toEqual([
      'ALERT_WEBHOOK_SECRET',
      'API_KEY_HASHES',
      'DISCORD_WEBHOOK_URL',
      'MONGODB_URI',
      'MONGO_ROOT_PASSWORD',
      'MONGO_ROOT_USERNAME',
      'OPENAI_API_KEYS',
      'REDIS_PASSWORD',
      'REDIS_URL',
      'SLACK_WEBHOOK_URL',
      'TELEGRAM_BOT_TOKEN',
    ]);
    for (const { name, value } of secrets) expect([name, value]).toEqual([name, '']);
    // What is left are ports: numbers, never anything that could be a credential.
    for (const { name, value } of assignments.filter((a) => !SECRET_NAME.test(a.name)))
      expect([name, value]).toEqual([name, expect.stringMatching(/^\d{1,5}$/)]);
  });

  it('gives each optional setting the default compose itself uses', () => {
    for (const { name, value } of assignments.filter((a) => a.value !== '')) {
      const fallback = new RegExp(`\\$\\{${name}:-([^}]*)\\}`).exec(composeText)?.[1];
      expect([name, value]).toEqual([name, fallback]);
    }
  });
});
