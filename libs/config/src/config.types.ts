/** One violation found while loading configuration: `file: dotted.path: message`. */
export interface ConfigIssue {
  /** Config file relative to the config directory (`weights.yaml`, `production/app.yaml`), or `environment`. */
  readonly file: string;
  /** Dotted path inside the file (`components.orderFlow`); empty for the whole file. */
  readonly path: string;
  readonly message: string;
  /** 1-based position in the file, when the offending node exists there. */
  readonly line?: number;
  readonly column?: number;
}

export type PathSegment = string | number;

export function formatPath(path: readonly PathSegment[]): string {
  return path.map(String).join('.');
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line === undefined ? '' : ` (line ${issue.line}, column ${issue.column ?? 1})`;
  const path = issue.path === '' ? '(root)' : issue.path;
  return `${issue.file}: ${path}: ${issue.message}${where}`;
}

/**
 * The plain-data shape of a config class: what defaults and YAML provide before validation
 * turns them into class instances.
 */
export type ConfigShape<T> = {
  readonly [K in keyof T]: NonNullable<T[K]> extends object
    ? ConfigShape<NonNullable<T[K]>> | Extract<T[K], undefined>
    : T[K];
};
