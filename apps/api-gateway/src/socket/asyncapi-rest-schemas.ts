import type { JsonObject, JsonValue } from './asyncapi-schemas.js';

/*
 * The subscribe snapshot is the body of GET latest, whose schema the OpenAPI document already
 * derives from the REST response DTOs. Rather than restate it, the AsyncAPI document takes those
 * schemas (the named one and everything it refers to) from the OpenAPI document, converted from
 * OpenAPI 3.0's dialect to JSON Schema draft-07, the AsyncAPI default. Both documents then move
 * together when a response DTO changes.
 */

const SCHEMA_REF = '#/components/schemas/';

const isArray = (value: JsonValue | undefined): value is readonly JsonValue[] => Array.isArray(value);

function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON value as JSON.stringify would see it (the OpenAPI document is plain data). */
function json(value: unknown): JsonValue {
  if (Array.isArray(value)) return value.map(json);
  if (isObject(value))
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, json(item)]));
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return null;
}

/**
 * One OpenAPI 3.0 schema as JSON Schema draft-07: `nullable` becomes a `null` type (or "that, or
 * null" around a `$ref`/`allOf`), boolean `exclusiveMinimum`/`exclusiveMaximum` become numeric,
 * `example` becomes `examples`, and an object that lists its properties holds no other (the REST
 * suite proves the answers carry no undocumented field; so does the socket suite for snapshots).
 */
export function openApiToJsonSchema(node: unknown): JsonValue {
  if (Array.isArray(node)) return node.map(openApiToJsonSchema);
  if (!isObject(node)) return json(node);
  const schema: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'nullable' || key === 'example' || key === 'exclusiveMinimum' || key === 'exclusiveMaximum')
      continue;
    schema[key] =
      key === 'properties' && isObject(value)
        ? Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, openApiToJsonSchema(sub)]))
        : key === 'enum' || key === 'required'
          ? json(value)
          : openApiToJsonSchema(value);
  }
  if ('example' in node) schema.examples = [json(node.example)];
  for (const [flag, bound, keyword] of [
    ['exclusiveMinimum', 'minimum', 'exclusiveMinimum'],
    ['exclusiveMaximum', 'maximum', 'exclusiveMaximum'],
  ] as const) {
    const limit = schema[bound];
    if (node[flag] === true && typeof limit === 'number') {
      schema[keyword] = limit;
      Reflect.deleteProperty(schema, bound);
    }
  }
  if (isObject(node.properties) && !('additionalProperties' in node)) schema.additionalProperties = false;
  if (node.nullable !== true) return schema;
  const type = schema.type;
  if (typeof type === 'string') {
    schema.type = [type, 'null'];
    const values = schema.enum;
    if (isArray(values) && !values.includes(null)) schema.enum = [...values, null];
    return schema;
  }
  return { anyOf: [schema, { type: 'null' }] };
}

/** The names of the schemas `node` refers to (`#/components/schemas/X` → X). */
function refsIn(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(refsIn);
  if (!isObject(node)) return [];
  const own =
    typeof node.$ref === 'string' && node.$ref.startsWith(SCHEMA_REF)
      ? [node.$ref.slice(SCHEMA_REF.length)]
      : [];
  return [...own, ...Object.values(node).flatMap(refsIn)];
}

/**
 * The named schema of an OpenAPI document's components and every schema it refers to,
 * transitively, each converted; refs keep their `#/components/schemas/X` form, which the
 * AsyncAPI document resolves in its own components. Throws when one is missing: a document that
 * cannot describe the snapshot should stop the boot, not be served.
 */
export function restSchemasFrom(
  schemas: Readonly<Record<string, unknown>> | undefined,
  root: string,
): Readonly<Record<string, JsonObject>> {
  const converted: Record<string, JsonObject> = {};
  const pending = [root];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (name in converted) continue;
    const schema = schemas?.[name];
    const result = openApiToJsonSchema(schema);
    if (!isObject(schema) || !isObject(result))
      throw new Error(`the OpenAPI document has no schema ${name} (needed by the AsyncAPI document)`);
    converted[name] = result;
    pending.push(...refsIn(schema));
  }
  return converted;
}
