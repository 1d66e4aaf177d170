// JSON Schema errors (ajv's on the server, TypeBox's in the CLI: one shape)
// as one sentence naming the field, so both doors word a complaint alike.
import { storableHead, STORABLE_TEXT_RULE } from './text.ts';

export interface SchemaError {
  instancePath: string;
  keyword: string;
  message?: string;
  params?: Record<string, unknown>;
}

// A union's own complaint says least, a wrong type in one branch little more.
const GENERIC_KEYWORDS: Record<string, number> = { anyOf: 0, oneOf: 0, type: 1, const: 2 };

/**
 * The most specific complaint: the deepest path, and at one depth a broken
 * rule over a wrong type (for "a result or an array of results", the branch
 * the value was meant for says what is wrong: "must NOT have more than 5000
 * items", not "must be object"). `path` is a JSON pointer ('' = the whole value).
 */
export function mostSpecific(list: readonly SchemaError[]): { path: string; message: string } {
  const rank = (e: SchemaError): number => e.instancePath.length * 4 + (GENERIC_KEYWORDS[e.keyword] ?? 3);
  const best = [...list].sort((a, b) => rank(b) - rank(a))[0];
  if (!best) return { path: '', message: 'is invalid' };
  const extra = best.params?.['additionalProperty'];
  if (best.keyword === 'additionalProperties' && typeof extra === 'string') {
    return { path: `${best.instancePath}/${extra}`, message: `unknown field "${extra}"` };
  }
  // TypeBox says an unknown field with `additionalProperties: false` as "schema is false" at the field.
  if (best.keyword === 'boolean') {
    return { path: best.instancePath, message: `unknown field "${best.instancePath.split('/').pop() ?? ''}"` };
  }
  return { path: best.instancePath, message: describe(best) };
}

function describe(error: SchemaError): string {
  const pattern = error.keyword === 'pattern' ? error.params?.['pattern'] : undefined;
  const head = typeof pattern === 'string' ? storableHead(pattern) : null;
  if (head !== null) return head ? `must start with /${head}/ and ${STORABLE_TEXT_RULE}` : STORABLE_TEXT_RULE;
  return error.message ?? 'is invalid';
}
