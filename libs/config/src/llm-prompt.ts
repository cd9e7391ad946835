import { createHash } from 'node:crypto';
import { type ConfigIssue } from './config.types.js';
import { LlmPrompt, LlmPromptTemplate } from './schema/llm.schema.js';
import { type RawIssue, validateConfigSection } from './validate.js';
import { locateIssue, readYamlSource } from './yaml-source.js';

/** Placeholders a template may use; anything else in `{{…}}` is a typo that would reach the model. */
const PLACEHOLDERS: readonly string[] = ['facts', 'reasoningMaxChars', 'maxRisks'];

/**
 * Reads `prompts/<name>.yaml` from the config directory. Its hash covers the version and both
 * messages, so editing a template without bumping its version still changes every cache key.
 */
export function loadPrompt(
  configDir: string,
  name: string,
  issues: ConfigIssue[],
  files: string[],
): LlmPrompt | null {
  const file = `prompts/${name}.yaml`;
  const read = readYamlSource(configDir, file, true);
  if (read?.source == null) {
    issues.push(...(read?.issues ?? []));
    return null;
  }
  const source = read.source;
  files.push(source.file);
  const raw: RawIssue[] = [];
  const template = validateConfigSection(LlmPromptTemplate, source.data, [], raw);
  for (const part of ['system', 'user'] as const) {
    const text = source.data[part];
    if (typeof text !== 'string') continue;
    for (const [, placeholder = ''] of text.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g))
      if (!PLACEHOLDERS.includes(placeholder))
        raw.push({
          path: [part],
          message: `unknown placeholder {{${placeholder}}} (known: ${PLACEHOLDERS.join(', ')})`,
        });
  }
  issues.push(...raw.map((issue) => locateIssue([source], file, issue.path, issue.message)));
  if (raw.length > 0) return null;
  const hash = createHash('sha256')
    .update(JSON.stringify([template.version, template.system, template.user]))
    .digest('hex');
  const { version, system, user } = template;
  return Object.assign(new LlmPrompt(), { name, version, system, user, hash });
}
