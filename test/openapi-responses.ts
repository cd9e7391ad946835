import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

/** The parts of an OpenAPI 3.0 document the validator reads. */
export interface OpenApiDocument {
  readonly paths: Record<
    string,
    Record<string, { responses?: Record<string, { content?: Record<string, { schema?: Schema }> }> }>
  >;
  readonly components: { readonly schemas?: Record<string, Schema> };
}

type Schema = Record<string, unknown>;

/** The document under this id in Ajv, so `#/components/schemas/X` refs resolve into it. */
const DOCUMENT_ID = 'openapi';

// ajv-formats is CommonJS with a default export; under Node's ESM interop it may arrive wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

/**
 * OpenAPI 3.0 schema → JSON Schema, strictly: `nullable` without a `type` (a nullable `$ref` or
 * `allOf`) becomes "that, or null"; refs point into the document; and every object that lists
 * its properties may hold no other (so an undocumented field in an answer fails).
 */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (typeof node !== 'object' || node === null) return node;
  const schema: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string') schema[key] = `${DOCUMENT_ID}${value}`;
    else if (key === 'properties' || key === 'additionalProperties' || key === 'items')
      schema[key] =
        key === 'properties'
          ? Object.fromEntries(
              Object.entries(value as Schema).map(([name, sub]) => [name, toJsonSchema(sub)]),
            )
          : toJsonSchema(value);
    else schema[key] = Array.isArray(value) || typeof value === 'object' ? toJsonSchema(value) : value;
  }
  if (schema.properties !== undefined && schema.additionalProperties === undefined)
    schema.additionalProperties = false;
  if (schema.nullable === true && schema.type === undefined) {
    const rest = { ...schema };
    delete rest.nullable;
    return { anyOf: [rest, { type: 'null' }] };
  }
  return schema;
}

/**
 * Validates real answers against the response schemas a served OpenAPI document declares, by
 * operation and status. Returns null when the body matches, else Ajv's errors (path and reason).
 */
export function openApiResponses(document: OpenApiDocument): {
  check(method: string, path: string, status: number, body: unknown): ErrorObject[] | null;
} {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  ajv.addSchema({ components: toJsonSchema(document.components) }, DOCUMENT_ID);
  const compiled = new Map<string, ValidateFunction>();
  return {
    check(method, path, status, body) {
      const key = `${method} ${path} ${status}`;
      let validate = compiled.get(key);
      if (validate === undefined) {
        const schema =
          document.paths[path]?.[method]?.responses?.[String(status)]?.content?.['application/json']?.schema;
        if (schema === undefined) throw new Error(`${key}: the document declares no JSON schema`);
        validate = ajv.compile(toJsonSchema(schema) as Schema);
        compiled.set(key, validate);
      }
      return validate(body) ? null : (validate.errors ?? []);
    },
  };
}
