import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Document, isNode, LineCounter, parseDocument } from 'yaml';
import { type ConfigIssue, type PathSegment, formatPath } from './config.types.js';
import { getIn, isPlainObject, type PlainObject } from './deep.js';
import { errorMessage } from '@app/contracts';

/** A parsed YAML config file, kept with its positions so violations can name line and column. */
export interface YamlSource {
  /** Path relative to the config directory, used in messages (`weights.yaml`, `production/weights.yaml`). */
  readonly file: string;
  readonly data: PlainObject;
  readonly document: Document;
  readonly lineCounter: LineCounter;
}

export type ReadResult = { source: YamlSource; issues: [] } | { source: null; issues: ConfigIssue[] };

/**
 * Reads and parses one YAML file. A missing required file, a parse error or a top level that is
 * not a mapping become issues naming the file (and line/column for parse errors).
 */
export function readYamlSource(dir: string, file: string, required: boolean): ReadResult | null {
  const fullPath = join(dir, file);
  if (!existsSync(fullPath)) {
    return required
      ? { source: null, issues: [{ file, path: '', message: `file not found at ${fullPath}` }] }
      : null;
  }
  let text: string;
  try {
    text = readFileSync(fullPath, 'utf8');
  } catch (error) {
    const reason = errorMessage(error);
    return { source: null, issues: [{ file, path: '', message: `cannot read file: ${reason}` }] };
  }
  const lineCounter = new LineCounter();
  // uniqueKeys: a key given twice is an error rather than a silent "last one wins".
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (document.errors.length > 0) {
    return {
      source: null,
      issues: document.errors.map((error) => {
        const pos = lineCounter.linePos(error.pos[0]);
        return {
          file,
          path: '',
          message: `cannot parse YAML: ${error.message.split('\n')[0] ?? error.code}`,
          line: pos.line,
          column: pos.col,
        };
      }),
    };
  }
  const data: unknown = document.toJS({ maxAliasCount: 100 });
  if (data === null || data === undefined) {
    return { source: { file, data: {}, document, lineCounter }, issues: [] };
  }
  if (!isPlainObject(data)) {
    return {
      source: null,
      issues: [
        { file, path: '', message: 'top level must be a mapping of keys to values', line: 1, column: 1 },
      ],
    };
  }
  return { source: { file, data, document, lineCounter }, issues: [] };
}

/** Where a path sits in a source, 1-based, if the source defines it. */
export function positionOf(
  source: YamlSource,
  path: readonly PathSegment[],
): { line: number; column: number } | undefined {
  const node: unknown = source.document.getIn(path, true);
  if (!isNode(node) || node.range === null || node.range === undefined) return undefined;
  const pos = source.lineCounter.linePos(node.range[0]);
  return { line: pos.line, column: pos.col };
}

/**
 * Attributes a violation at `path` to the file that set the value: the environment overlay if it
 * defines the path (or its nearest ancestor), else the base file. Values that come from the code
 * defaults are attributed to the base file, where a user would fix them.
 */
export function locateIssue(
  sources: readonly YamlSource[],
  fallbackFile: string,
  path: readonly PathSegment[],
  message: string,
): ConfigIssue {
  for (let depth = path.length; depth >= 1; depth -= 1) {
    const prefix = path.slice(0, depth);
    // Overlays come last in `sources`, and the last writer of a value is the one to blame.
    for (let i = sources.length - 1; i >= 0; i -= 1) {
      const source = sources[i];
      if (source !== undefined && getIn(source.data, prefix) !== undefined) {
        return { file: source.file, path: formatPath(path), message, ...positionOf(source, prefix) };
      }
    }
  }
  return { file: fallbackFile, path: formatPath(path), message };
}
