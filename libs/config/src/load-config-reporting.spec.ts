import { describe, expect, it } from '@jest/globals';
import { formatIssue } from './config.types.js';
import { configDirs, issuesOf } from './testing/config-kit.js';

/**
 * How loadConfig reports a configuration it refuses: every issue at once, each with its file,
 * dotted path, line and column; missing, unreadable, unparsable and stray files; and secrets in
 * YAML, refused without echoing them.
 */

describe('loadConfig reporting', () => {
  const configDir = configDirs();

  it('reports every violation, across files, not just the first', () => {
    const dir = configDir((fx) => {
      fx.patch('weights.yaml', 'orderFlow: 0.30', 'orderFlow: 0.60');
      fx.patch('indicators.yaml', 'fast: 12, slow: 26', 'fast: 30, slow: 26');
      fx.patch('app.yaml', 'apiGateway: 3000', 'apiGateway: 0');
      fx.patch('monitoring.yaml', 'severity: critical', 'severity: page');
    });
    const lines = issuesOf(dir).map(formatIssue);

    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^app\.yaml: http\.ports\.apiGateway: must not be less than 1 \(line \d+, column \d+\)$/,
        ),
        expect.stringMatching(/^indicators\.yaml: macd\.fast: must be less than slow \(26\)/),
        expect.stringMatching(/^weights\.yaml: components: weights must sum to 1/),
        expect.stringMatching(/^monitoring\.yaml: alerts\.2\.severity: must be one of the following values/),
      ]),
    );
  });

  it('points at the line and column of the offending value', () => {
    const dir = configDir((fx) => {
      fx.write('indicators.yaml', 'rsi:\n  period: 0\n');
    });
    const issue = issuesOf(dir).find((found) => found.path === 'rsi.period');

    expect(issue).toMatchObject({ file: 'indicators.yaml', line: 2, column: 11 });
    expect(formatIssue(issue!)).toBe(
      'indicators.yaml: rsi.period: must not be less than 1 (line 2, column 11)',
    );
  });

  it('rejects unknown keys and lists the allowed ones', () => {
    const dir = configDir((fx) => {
      fx.patch('app.yaml', '  host: 127.0.0.1', '  host: 127.0.0.1\n  prot: 8080');
    });

    expect(issuesOf(dir)).toContainEqual(
      expect.objectContaining({
        file: 'app.yaml',
        path: 'http.prot',
        message:
          'unknown key (allowed: bodyLimitBytes, drainDelayMs, host, metricsPort, ports, shutdownTimeoutMs)',
      }),
    );
  });

  it('rejects an unknown top-level key', () => {
    const dir = configDir((fx) => {
      fx.patch('monitoring.yaml', 'health:', 'helth:\n  x: 1\nhealth:');
    });

    expect(issuesOf(dir)).toContainEqual(expect.objectContaining({ file: 'monitoring.yaml', path: 'helth' }));
  });

  it('names a missing file', () => {
    const dir = configDir((fx) => {
      fx.remove('weights.yaml');
    });

    expect(issuesOf(dir)).toContainEqual(
      expect.objectContaining({
        file: 'weights.yaml',
        path: '',
        message: expect.stringMatching(/^file not found at /),
      }),
    );
  });

  it('names a file it cannot read', () => {
    // A directory where the file should be: reading it fails (EISDIR) whatever the user's rights.
    const dir = configDir((fx) => {
      fx.remove('monitoring.yaml');
      fx.write('monitoring.yaml/placeholder', '');
    });

    expect(issuesOf(dir)).toContainEqual(
      expect.objectContaining({
        file: 'monitoring.yaml',
        message: expect.stringMatching(/^cannot read file: .*EISDIR/),
      }),
    );
  });

  it('names an unparsable file with line and column', () => {
    const dir = configDir((fx) => {
      fx.write('app.yaml', 'mode: local\nhttp:\n  host: [127.0.0.1\n');
    });
    const issue = issuesOf(dir).find((found) => found.file === 'app.yaml');

    expect(issue?.message).toMatch(/^cannot parse YAML/);
    expect(issue?.line).toBeGreaterThanOrEqual(3);
    expect(issue?.column).toBeGreaterThanOrEqual(1);
  });

  it('rejects a key given twice instead of keeping the last', () => {
    const dir = configDir((fx) => {
      fx.patch('app.yaml', 'mode: local', 'mode: local\nmode: distributed');
    });
    const issue = issuesOf(dir).find((found) => found.file === 'app.yaml');

    expect(issue).toMatchObject({
      line: 7,
      message: expect.stringMatching(/cannot parse YAML: Map keys must be unique/),
    });
  });

  it('rejects a stray YAML file that would otherwise be ignored', () => {
    const dir = configDir((fx) => {
      fx.write('wieghts.yaml', 'components: {}\n');
    });

    expect(issuesOf(dir)).toContainEqual(
      expect.objectContaining({
        file: 'wieghts.yaml',
        message: expect.stringMatching(/^unexpected config file/),
      }),
    );
  });
});

describe('secrets in YAML', () => {
  const configDir = configDirs();

  it('refuses a secret-looking key and never echoes its value', () => {
    const dir = configDir((fx) => {
      fx.patch('exchanges.yaml', '    enabled: true', '    enabled: true\n    apiKey: sk-live-123456');
    });
    const issues = issuesOf(dir);

    expect(issues).toContainEqual(
      expect.objectContaining({
        file: 'exchanges.yaml',
        path: 'exchanges.0.apiKey',
        message: expect.stringMatching(/looks like a secret; secrets belong in environment variables/),
      }),
    );
    // Reported once, as a secret, not a second time as an unknown key.
    expect(issues.filter((issue) => issue.path === 'exchanges.0.apiKey')).toHaveLength(1);
    expect(JSON.stringify(issues)).not.toContain('sk-live-123456');
  });

  it('refuses a URL that carries a password', () => {
    const dir = configDir((fx) => {
      fx.patch('app.yaml', '    - http://localhost:3000', '    - http://admin:hunter22@localhost:3000');
    });
    const issues = issuesOf(dir);

    expect(issues).toContainEqual(
      expect.objectContaining({
        file: 'app.yaml',
        path: 'cors.origins.0',
        message: expect.stringMatching(/password in a URL/),
      }),
    );
    expect(JSON.stringify(issues)).not.toContain('hunter22');
  });
});
