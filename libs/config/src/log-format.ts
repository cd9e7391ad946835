import type { ConfluenceConfig } from './confluence-config.js';
import type { NodeEnv } from './environment.js';
import type { LogFormat, LogFormatSetting, RuntimeMode } from './schema/app.schema.js';

/** What decides the format of the log lines of a process. */
export interface LogFormatInputs {
  /** `LOG_FORMAT`, when set: it wins over everything else. */
  readonly override: LogFormat | undefined;
  /** app.yaml's `logging.format`. */
  readonly configured: LogFormatSetting;
  readonly mode: RuntimeMode;
  readonly nodeEnv: NodeEnv;
  /** Whether standard output is a terminal (a person reads it) rather than a pipe or a file. */
  readonly terminal: boolean;
}

/**
 * `LOG_FORMAT`, else an explicit `json` or `pretty` from app.yaml, else (`auto`) pretty only for a
 * developer: local mode, on a terminal, outside production. Anything a machine reads gets JSON.
 */
export function resolveLogFormat(inputs: LogFormatInputs): LogFormat {
  if (inputs.override !== undefined) return inputs.override;
  if (inputs.configured !== 'auto') return inputs.configured;
  const developer = inputs.mode === 'local' && inputs.terminal && inputs.nodeEnv !== 'production';
  return developer ? 'pretty' : 'json';
}

/** The log format of a process with this configuration, writing to a terminal or not. */
export function logFormatOf(config: ConfluenceConfig, terminal: boolean): LogFormat {
  return resolveLogFormat({
    override: config.environment.logFormat,
    configured: config.app.logging.format,
    mode: config.runtime.mode,
    nodeEnv: config.environment.nodeEnv,
    terminal,
  });
}
