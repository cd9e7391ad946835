import type { ErrorObject, ValidateFunction } from 'ajv';
import { openApiToJsonSchema } from '../apps/api-gateway/src/socket/asyncapi-rest-schemas.js';
import { schemaValidator } from './json-schema-validator.js';

/** The parts of an OpenAPI 3.0 document the validator reads. */
export interface OpenApiDocument {
  readonly paths: Record<
    string,
    Record<string, { responses?: Record<string, { content?: Record<string, { schema?: Schema }> }> }>
  >;
  readonly components: { readonly schemas?: Record<string, Schema> };
}

type Schema = Record<string, unknown>;

/**
 * Validates real answers against the response schemas a served OpenAPI document declares, by
 * operation and status. Returns null when the body matches, else Ajv's errors (path and reason).
 */
export function openApiResponses(document: OpenApiDocument): {
  check(method: string, path: string, status: number, body: unknown): ErrorObject[] | null;
} {
  const ajv = schemaValidator();
  // The gateway's own OpenAPI 3.0 → JSON Schema conversion (the AsyncAPI document uses it too);
  // each response schema is compiled beside the document's schemas, where its refs point.
  const components = {
    schemas: Object.fromEntries(
      Object.entries(document.components.schemas ?? {}).map(([name, schema]) => [
        name,
        openApiToJsonSchema(schema),
      ]),
    ),
  };
  const compiled = new Map<string, ValidateFunction>();
  return {
    check(method, path, status, body) {
      const key = `${method} ${path} ${status}`;
      let validate = compiled.get(key);
      if (validate === undefined) {
        const schema =
          document.paths[path]?.[method]?.responses?.[String(status)]?.content?.['application/json']?.schema;
        if (schema === undefined) throw new Error(`${key}: the document declares no JSON schema`);
        validate = ajv.compile({ ...(openApiToJsonSchema(schema) as Schema), components });
        compiled.set(key, validate);
      }
      return validate(body) ? null : (validate.errors ?? []);
    },
  };
}
