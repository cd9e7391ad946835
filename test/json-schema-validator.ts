import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS with a default export; under Node's ESM interop it may arrive wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

/**
 * The JSON Schema validator the document checks share: every error reported, formats
 * (date-time…) checked, and the documents' own keywords (`components`, `examples`…) tolerated.
 */
export function schemaValidator(): Ajv {
  return addFormats(new Ajv({ allErrors: true, strict: false }));
}
