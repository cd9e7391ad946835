import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { schemaValidator } from './json-schema-validator.js';

/**
 * Checks of the AsyncAPI document of `/signals` (served at /docs/asyncapi.json): that it is a
 * valid AsyncAPI 3.0 document, against the specification's own JSON Schema (@asyncapi/specs,
 * the schema the AsyncAPI parser validates with) plus the rules that schema cannot express
 * (references resolve, an operation's messages belong to its channel); and that real messages
 * match the payload schemas it declares, with no undocumented field.
 */

type Json = Record<string, unknown>;

/** The parts of the document these checks read. */
export interface AsyncApiDocumentLike {
  readonly channels: Record<string, { readonly messages?: Record<string, unknown> }>;
  readonly operations: Record<
    string,
    {
      readonly channel: { readonly $ref: string };
      readonly messages?: readonly { readonly $ref: string }[];
      readonly reply?: {
        readonly channel?: { $ref: string };
        readonly messages?: readonly { $ref: string }[];
      };
    }
  >;
  readonly components: {
    readonly schemas: Record<string, unknown>;
    readonly messages: Record<string, { readonly payload: { readonly $ref: string } }>;
  };
}

/** The document under this id in Ajv, so its `#/components/schemas/X` refs resolve into it. */
const DOCUMENT_ID = 'asyncapi';

/** The AsyncAPI 3.0.0 specification's JSON Schema (draft-07), its definitions inlined. */
function specificationSchema(): Json {
  const require = createRequire(import.meta.url);
  return require('@asyncapi/specs/schemas/3.0.0-without-$id.json') as Json;
}

/** The value a local JSON pointer (`#/a/b`) names in `document`, or undefined. */
export function resolvePointer(document: unknown, pointer: string): unknown {
  if (!pointer.startsWith('#/')) return undefined;
  let node: unknown = document;
  for (const part of pointer.slice(2).split('/')) {
    const key = decodeURIComponent(part).replaceAll('~1', '/').replaceAll('~0', '~');
    node = typeof node === 'object' && node !== null ? (node as Json)[key] : undefined;
  }
  return node;
}

function refsOf(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(refsOf);
  if (typeof node !== 'object' || node === null) return [];
  const own = typeof (node as Json).$ref === 'string' ? [(node as Json).$ref as string] : [];
  return [...own, ...Object.values(node).flatMap(refsOf)];
}

/**
 * Every problem of the document as an AsyncAPI 3.0 document: the specification schema's errors,
 * references that resolve to nothing, and operation (and reply) messages that are not messages
 * of the operation's channel (AsyncAPI 3.0, Operation Object: "MUST contain a subset").
 */
export function asyncApiProblems(document: AsyncApiDocumentLike): string[] {
  const ajv = schemaValidator();
  const validate = ajv.compile(specificationSchema());
  const problems = validate(document)
    ? []
    : (validate.errors ?? []).map((error) => `${error.instancePath}: ${error.message ?? error.keyword}`);
  for (const ref of refsOf(document))
    if (resolvePointer(document, ref) === undefined) problems.push(`${ref}: resolves to nothing`);
  for (const [id, operation] of Object.entries(document.operations)) {
    const sides = [
      { channel: operation.channel, messages: operation.messages ?? [] },
      ...(operation.reply?.channel === undefined
        ? []
        : [{ channel: operation.reply.channel, messages: operation.reply.messages ?? [] }]),
    ];
    for (const { channel, messages } of sides)
      for (const message of messages)
        if (!message.$ref.startsWith(`${channel.$ref}/messages/`))
          problems.push(`operations.${id}: ${message.$ref} is not a message of ${channel.$ref}`);
  }
  return problems;
}

/**
 * Validates payloads against the document's message schemas, by message id
 * (`components.messages`). Returns null when the payload matches, else Ajv's errors.
 */
export function asyncApiMessages(document: AsyncApiDocumentLike): {
  check(message: string, payload: unknown): ErrorObject[] | null;
} {
  const ajv = schemaValidator();
  ajv.addSchema({ components: { schemas: document.components.schemas } }, DOCUMENT_ID);
  const compiled = new Map<string, ValidateFunction>();
  return {
    check(message, payload) {
      let validate = compiled.get(message);
      if (validate === undefined) {
        const ref = document.components.messages[message]?.payload.$ref;
        if (ref === undefined) throw new Error(`the document declares no message ${message}`);
        validate = ajv.compile({ $ref: `${DOCUMENT_ID}${ref}` });
        compiled.set(message, validate);
      }
      return validate(payload) ? null : (validate.errors ?? []);
    },
  };
}
